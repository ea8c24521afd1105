"""A stand-in SMS gateway channel for the booking tests, configured through the outbox's registry as a real channel
module is (``[outbound.sms]`` → ``build``) until the SMS channel of its own lands: each message's kind and payload
are POSTed as JSON to a receiver on loopback, which plays the gateway."""
from __future__ import annotations

import json
from typing import Any

import aiohttp

from queue_server.outbound.channel import Message, Outcome
from queue_server.outbound.webhook import judge


class GatewayChannel:
    name = "sms"
    ordered = False

    def __init__(self, url: str) -> None:
        self.url = url

    def messages_for(self, db, events) -> list[tuple[str, dict[str, Any]]]:
        return []  # booking enqueues its messages itself

    async def deliver(self, message: Message, http: aiohttp.ClientSession) -> Outcome:
        body = json.dumps({"kind": message.kind, **message.payload}, ensure_ascii=False).encode()
        try:
            async with http.post(self.url, data=body, headers={"Content-Type": "application/json"}) as r:
                return judge(r.status, r.headers)
        except aiohttp.ClientError as exc:
            return Outcome.retry(str(exc))


def build(raw: dict, config, path: str) -> GatewayChannel:
    return GatewayChannel(raw["url"])
