"""Channels for the outbox's tests, configured through the registry as a real channel module is
(``[outbound.<name>]`` → ``build``): ``ordered`` posts each message's ``seq`` to a receiver, one at a time;
``batched`` is ordered too and posts up to ``batch_size`` messages' seqs at once (``{"seqs": [...]}``); ``fragile`` turns events into messages only while :data:`FRAGILE` says it works, and raises otherwise."""
from __future__ import annotations

import json
from typing import Any

import aiohttp

from queue_server.outbound.channel import Message, Outcome
from queue_server.outbound.webhook import judge

#: set to False to make the fragile channel's messages_for raise (a bug in a channel)
FRAGILE = {"works": True}


class OrderedChannel:
    name = "ordered"
    ordered = True

    def __init__(self, url: str) -> None:
        self.url = url

    def messages_for(self, db, events) -> list[tuple[str, dict[str, Any]]]:
        return [(e.name, {"number": e.data["number"]}) for e in events if e.name == "ticket.issued"]

    async def deliver(self, message: Message, http: aiohttp.ClientSession) -> Outcome:
        body = json.dumps({"seq": message.seq, **message.payload}).encode()
        try:
            async with http.post(self.url, data=body, headers={"X-Govhall-Delivery": message.id}) as r:
                return judge(r.status, r.headers)
        except aiohttp.ClientError as exc:
            return Outcome.retry(str(exc))


class FragileChannel(OrderedChannel):
    name = "fragile"
    ordered = False

    def messages_for(self, db, events) -> list[tuple[str, dict[str, Any]]]:
        if not FRAGILE["works"]:
            raise RuntimeError("channel bug")
        return super().messages_for(db, events)


class BatchedChannel(OrderedChannel):
    name = "batched"

    def __init__(self, url: str, batch_size: int) -> None:
        super().__init__(url)
        self.batch_size = batch_size

    async def deliver(self, message: Message, http: aiohttp.ClientSession) -> Outcome:
        return await self.deliver_batch([message], http)

    async def deliver_batch(self, messages: list[Message], http: aiohttp.ClientSession) -> Outcome:
        try:
            async with http.post(self.url, json={"seqs": [m.seq for m in messages]}) as r:
                return judge(r.status, r.headers)
        except aiohttp.ClientError as exc:
            return Outcome.retry(str(exc))


def build(raw: dict, config, path: str):
    if path.endswith("batched"):
        return BatchedChannel(raw["url"], raw.get("batch_size", 3))
    return (OrderedChannel if path.endswith("ordered") else FragileChannel)(raw["url"])
