"""The SMS channel's costs, each against a baseline measured in the same run.

1. Inside the writer's transaction: ``messages_for`` on each call (办结并叫下一位) with 100 and with 5,000 waiting, a
   tenth of them with a consented phone, against the hall's own finish-and-call it rides along with. The reminders
   look only at the consented tickets near the front of the queue that moved, so their cost should not grow with
   the queue.
2. Delivery to a loopback gateway that answers at once: the generic, Aliyun and Tencent adapters (building,
   signing, reading the answer), against a bare aiohttp client posting the generic bodies (one message in flight).

Run: ``./run bench sms``.
"""
from __future__ import annotations

import asyncio
import json
import shutil
import time
from datetime import datetime, timezone

import aiohttp
from aiohttp import web

from bench.support import channel_rates, loopback_receiver, tmpdir
from queue_server.app import open_database
from queue_server.core.clock import FakeClock
from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.core.db import write_transaction
from queue_server.outbound.channel import Message
from queue_server.outbound.sms import build
from queue_server.phones.store import save_phone
from queue_server.queue.hall import Hall

CALLS = 200
MESSAGES = 300
SERVICE, WINDOW = "si_card", 8


def _writer_share(waiting: int) -> tuple[float, float, int]:
    """(hall ms a call, messages_for ms a call, messages) over :data:`CALLS` calls with ``waiting`` in the queue."""
    config = load_config(DEMO_CONFIG_PATH)
    folder = tmpdir()
    db = open_database(folder / "sms-bench.db")
    clock = FakeClock(datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc))
    hall = Hall(config, db, clock)
    hall.set_staff(WINDOW, "9008", "值班8")
    hall.open(WINDOW, "staff:9008")
    channel = build({"provider": "generic", "url": "http://127.0.0.1:1/"}, config)
    with write_transaction(db):
        for i in range(waiting + CALLS):
            ticket, _, _ = hall.issue_ticket(SERVICE, f"s{i}", None, "kiosk:bench")
            clock.advance(0.5)  # each its own time, as at a kiosk (equal times would make every count a scan)
            if i % 10 == 9:  # every tenth citizen leaves a phone
                row = dict(zip(("id", "number", "status", "business_day", "service", "kind", "queue_at",
                                "target_window"), db.execute(
                    "select id, number, status, business_day, service, kind, queue_at, target_window from tickets "
                    "where id = ?", [ticket["id"]]).fetchone()))
                save_phone(db, row, f"1381234{i % 10000:04d}", "kiosk", clock.now(), hall.order_rule, 3)
    hall_s = channel_s = 0.0
    messages = 0
    for _ in range(CALLS):
        start = time.perf_counter()
        with write_transaction(db):
            _, events, _ = hall.finish_and_call(WINDOW, "staff:9008")
            before = time.perf_counter()
            messages += len(channel.messages_for(db, events))
            after = time.perf_counter()
        end = time.perf_counter()
        hall_s += (before - start) + (end - after)
        channel_s += after - before
        clock.advance(30)
    db.close()
    shutil.rmtree(folder, ignore_errors=True)
    return hall_s / CALLS * 1e3, channel_s / CALLS * 1e3, messages


async def _delivery() -> None:
    async def answer(request: web.Request) -> web.Response:
        await request.read()
        if request.headers.get("X-TC-Action"):
            return web.json_response({"Response": {"SendStatusSet": [{"Code": "Ok"}], "RequestId": "r"}})
        return web.json_response({"Code": "OK", "Message": "OK"})

    async with loopback_receiver(answer) as url:
        config = load_config(DEMO_CONFIG_PATH)
        called = {"code": "1", "params": ["number", "window"]}
        channels = {
            "generic adapter": build({"provider": "generic", "url": url}, config),
            "aliyun adapter (HMAC-SHA1)": build({"provider": "aliyun", "url": url, "access_key_id": "id",
                                                 "access_key_secret": "secret", "sign_name": "示范",
                                                 "templates": {"called": called}}, config),
            "tencent adapter (TC3-HMAC-SHA256)": build({"provider": "tencent", "url": url, "secret_id": "id",
                                                       "secret_key": "key", "sdk_app_id": "1400000000",
                                                       "sign_name": "示范", "templates": {"called": called}}, config),
        }
        payload = {"phone": "13812341234", "params": {"number": "C001", "window": 8, "service": "社会保障卡办理"}}
        messages = [Message(f"m{i}", "sms", "sms.called", payload, datetime.now(timezone.utc)) for i in range(MESSAGES)]
        generic = channels["generic adapter"]
        async with aiohttp.ClientSession() as http:
            async def bare() -> None:
                for m in messages:
                    request = generic.prepare(m)
                    async with http.post(url, data=request.body, headers=request.headers) as r:
                        json.loads(await r.read())

            await channel_rates(http, bare, channels, messages, "SMS to a loopback gateway")


def main() -> None:
    print(f"writer, {CALLS} calls (办结并叫下一位) at window {WINDOW}, a tenth of the queue with a phone:")
    for waiting in (100, 5000):
        hall_ms, channel_ms, messages = _writer_share(waiting)
        print(f"  {waiting:>5} waiting: baseline (the hall's finish-and-call and commit) {hall_ms:7.3f} ms a call; "
              f"SMS messages_for {channel_ms:6.3f} ms a call ({channel_ms / hall_ms:.0%} of the baseline, "
              f"{messages} messages)")
    asyncio.run(_delivery())
