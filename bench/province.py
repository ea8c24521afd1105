"""The provincial 好差评 channel's costs, each against a baseline measured in the same run.

1. Inside the writer's transaction: ``messages_for`` on a ticket's issue, call and finish events, against the hall's
   own issue, call and finish operations it rides along with (the share it adds to the writer's work per ticket).
2. Delivery to a loopback province that answers at once: the ``sm`` adapter (SM4 + SM2 in pure Python, gmssl) and
   the ``generic`` adapter, against a bare aiohttp client posting the generic bodies (messages per second, one
   message in flight, as the outbox sends them one by one per channel).

Run: ``./run bench province``.
"""
from __future__ import annotations

import asyncio
import secrets
import time
from datetime import datetime, timezone

import aiohttp
from aiohttp import web

from bench.support import channel_rates, loopback_receiver, tmpdir
from queue_server.app import open_database
from queue_server.core.clock import FakeClock
from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.core.db import write_transaction
from queue_server.guides.store import ensure_catalogue
from queue_server.outbound.channel import Message
from queue_server.outbound.province import build
from queue_server.outbound.sm_crypto import generate_key_pair
from queue_server.queue.hall import Hall

TICKETS = 300
MESSAGES = 200


def _writer_share() -> None:
    config = load_config(DEMO_CONFIG_PATH)
    db = open_database(tmpdir() / "province-bench.db")
    ensure_catalogue(db, config)  # the demo's guide catalogue: each push looks up its service's item
    clock = FakeClock(datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc))
    hall = Hall(config, db, clock)
    hall.set_staff(1, "9001", "值班1")
    hall.open(1, "staff:9001")
    channel = build({"url": "http://127.0.0.1:1/"}, config, DEMO_CONFIG_PATH)
    hall_s = channel_s = 0.0
    messages = 0
    for i in range(TICKETS):
        start = time.perf_counter()
        with write_transaction(db):
            _, _, issued = hall.issue_ticket("bdc_transfer", f"b{i}", None, "kiosk:bench")
            _, called = hall.call_next(1, "staff:9001")
            _, finished = hall.finish(1, "staff:9001")
            before = time.perf_counter()
            messages += len(channel.messages_for(db, [*issued, *called, *finished]))
            after = time.perf_counter()
        end = time.perf_counter()  # the commit (its fsync) is the hall's work, not the channel's
        hall_s += (before - start) + (end - after)
        channel_s += after - before
    print(f"writer, {TICKETS} tickets issued, called and finished ({messages} status messages):")
    print(f"  baseline: the hall's operations and commit {hall_s / TICKETS * 1e3:7.3f} ms a ticket")
    print(f"  province messages_for                      {channel_s / TICKETS * 1e3:7.3f} ms a ticket "
          f"({channel_s / hall_s:.0%} of the baseline)")


async def _delivery() -> None:
    private, public = generate_key_pair()

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"code": "200", "msg": "成功"})

    async with loopback_receiver(answer) as url:
        config = load_config(DEMO_CONFIG_PATH)
        payload = {"case_no": "41168120261123A001", "item_code": "bdc-002", "item_name": "存量房转移登记",
                   "area_code": "411681", "hall": config.hall.name, "department": "bdc", "department_name": "不动产",
                   "ticket": "A001", "service": "bdc_transfer", "service_name": "不动产转移登记", "window": 1,
                   "staff_no": "9001", "at": "2026-11-23T09:15:00+08:00", "review_id": 1, "level": "dissatisfied",
                   "level_name": "不满意", "level_code": 2, "reasons": ["等候时间过长"], "comment": "材料清单不清楚",
                   "channel": "qr", "channel_name": "二维码", "channel_code": 3, "rater": "匿名", "staff_name": "值班1"}
        messages = [Message(f"m{i}", "province", "province.review", payload, datetime.now(timezone.utc))
                    for i in range(MESSAGES)]
        generic = build({"url": url}, config, DEMO_CONFIG_PATH)
        sm = build({"url": url, "adapter": "sm", "app_id": "A", "sm2_private_key": private,
                    "sm4_key": secrets.token_hex(16)}, config, DEMO_CONFIG_PATH)
        async with aiohttp.ClientSession() as http:
            async def bare() -> None:
                for m in messages:
                    body = generic.adapter.request(m.kind, m.payload, m.id, datetime.now(timezone.utc))
                    async with http.post(url, data=body.body, headers=body.headers) as r:
                        await r.read()

            await channel_rates(http, bare, {"generic adapter": generic, "sm adapter (SM4 + SM2)": sm}, messages,
                                "review messages to a loopback province")


def main() -> None:
    _writer_share()
    asyncio.run(_delivery())
