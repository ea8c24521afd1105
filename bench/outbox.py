"""The outbox's delivery rate and its cost to the hall, each against a baseline measured in the same run.

1. Messages per second through the outbox (stored by the writer, picked, POSTed by the delivery worker with its
   default concurrency, each result recorded through the writer) to a loopback receiver in another process, against
   a bare ``aiohttp`` client posting the same bodies with the same concurrency.
2. Tickets issued per second (wrk, as ``bench.tickets``) by ``govhall serve`` with ``[outbound.webhook]`` on (every
   ``ticket.issued`` becomes a message in the same transaction and is delivered meanwhile) against the same server
   with no channel.
Run: ``./run bench outbox``.
"""
from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import aiohttp

from bench.support import Process, free_port, govhall, make_token, tmpdir
from bench.tickets import SERVICES, issue_load

MESSAGES = 3000
ROUNDS = 2
SECRET = "bench-secret-0123456789"

#: the receiver: counts POSTs and answers 204 (another process, so it does not share the measured loop)
RECEIVER = """
import sys
from aiohttp import web
async def hook(request):
    await request.read()
    return web.Response(status=204)
app = web.Application()
app.router.add_post("/hook", hook)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


async def through_outbox(db_path: Path, url: str) -> tuple[float, float]:
    """(messages/s stored, messages/s delivered) for :data:`MESSAGES` webhook messages."""
    from queue_server.app import open_database
    from queue_server.core.clock import SystemClock
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config
    from queue_server.core.events import EventBus
    from queue_server.core.writer import Writer
    from queue_server.outbound.outbox import Outbox
    from queue_server.outbound.registry import build_channels, outbound_settings
    from queue_server.outbound.worker import DeliveryWorker

    base = load_config(DEMO_CONFIG_PATH)
    config = replace(base, sections={**base.sections, "outbound": {"webhook": {"url": url, "secret": SECRET}}})
    db = open_database(db_path)
    bus = EventBus()
    writer = Writer(db_path, bus.publish_all)
    writer.start()
    outbox = Outbox(build_channels(config), SystemClock())
    payload = {"event": "ticket.issued", "data": {"number": "A001", "service": "si_card", "service_name": "社会保障卡办理",
                                                  "kind": "walk_in", "waiting": 12, "at": "2026-11-23T09:00:00+08:00"}}
    started = time.perf_counter()
    await asyncio.gather(*(writer.run(lambda d: outbox.enqueue(d, "webhook", "ticket.issued", payload))
                           for _ in range(MESSAGES)))
    stored = MESSAGES / (time.perf_counter() - started)
    worker = DeliveryWorker(outbox, writer, db, SystemClock(), bus, outbound_settings(config))
    started = time.perf_counter()
    await worker.start()
    while db.execute("select count(*) from outbox where state = 'delivered'").fetchone()[0] < MESSAGES:
        await asyncio.sleep(0.01)
    delivered = MESSAGES / (time.perf_counter() - started)
    await worker.stop()
    await writer.stop()
    db.close()
    return stored, delivered


async def bare_client(url: str) -> float:
    """Messages/s of a bare aiohttp client posting the same body with the outbox's concurrency (8)."""
    body = b'{"event":"ticket.issued","data":{"number":"A001"},"at":"2026-11-23T09:00:00+08:00","hall":"bench"}'
    headers = {"Content-Type": "application/json", "X-Govhall-Event": "ticket.issued", "X-Govhall-Delivery": "x",
               "X-Govhall-Signature": "sha256=0"}
    queue = list(range(MESSAGES))

    async def sender(http: aiohttp.ClientSession) -> None:
        while queue:
            queue.pop()
            async with http.post(url, data=body, headers=headers) as r:
                await r.read()
                assert r.status == 204

    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(sender(http) for _ in range(8)))
    return MESSAGES / (time.perf_counter() - started)


def _hall_file(work: Path, url: str) -> Path:
    from queue_server.core.config import DEMO_CONFIG_PATH

    path = work / "webhook.toml"
    path.write_text(DEMO_CONFIG_PATH.read_text("utf-8") + f'\n[outbound.webhook]\nurl = "{url}"\nsecret = "{SECRET}"\n'
                    'events = ["ticket.issued"]\n', "utf-8")
    return path


def issue_rate(work: Path, tag: str, config: Path | None) -> tuple[float, int]:
    """Tickets/s from wrk, and how many outbox messages were delivered when the server stopped."""
    db = work / f"{tag}.db"
    token = make_token(db, "kiosk")
    port = free_port()
    args = govhall("serve", "--db", str(db), "--port", str(port), "--open-all-hours",
                   *(["--config", str(config)] if config else []))
    server = Process(args, port)
    try:
        result = issue_load(server.url, token, tag, SERVICES)
        time.sleep(1.0)  # let the worker catch up before counting
    finally:
        server.stop()
    with sqlite3.connect(db) as conn:
        delivered = conn.execute("select count(*) from outbox where state = 'delivered'").fetchone()[0]
    return result["rate"], delivered


def main() -> None:
    work = tmpdir()
    port = free_port()
    receiver = Process(["-c", RECEIVER, str(port)], port)
    url = f"http://127.0.0.1:{port}/hook"
    try:
        print(f"{MESSAGES} messages to a loopback receiver (another process), concurrency 8, {ROUNDS} rounds")
        for round_no in range(1, ROUNDS + 1):
            bare = asyncio.run(bare_client(url))
            stored, delivered = asyncio.run(through_outbox(work / f"outbox{round_no}.db", url))
            print(f"[{round_no}] baseline: bare aiohttp client {bare:8.0f} msg/s | outbox: stored {stored:8.0f} msg/s, "
                  f"delivered {delivered:8.0f} msg/s = {delivered / bare:.2f}x bare")
        config = _hall_file(work, url)
        print("tickets issued per second (wrk -t2 -c8, 5 s, six services), webhook off vs on:")
        for round_no in range(1, ROUNDS + 1):
            off, _ = issue_rate(work, f"off{round_no}", None)
            on, sent = issue_rate(work, f"on{round_no}", config)
            print(f"[{round_no}] baseline: webhook off {off:7.0f}/s | webhook on {on:7.0f}/s = {on / off:.2f}x "
                  f"({sent} messages delivered by the end)")
    finally:
        receiver.stop()


if __name__ == "__main__":
    main()
