"""The kiosks' WebSocket follower (``kiosk.common.ws.HallFeed``): in-order events, resnapshot on a gap, reconnect.

The real server never skips a ``seq`` on demand, so the gap case runs against a small aiohttp WebSocket endpoint
on loopback that speaks API.md's protocol and skips one on purpose; the reconnect case uses the real server.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any

from aiohttp import web

from kiosk.common.api import ApiClient
from kiosk.common.ws import HallFeed


class Recorder:
    """Collects what the feed delivers (from the client's thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: list[tuple[str, Any]] = []

    def add(self, kind: str, value: Any) -> None:
        with self.lock:
            self.items.append((kind, value))

    def kinds(self) -> list[tuple[str, Any]]:
        with self.lock:
            return list(self.items)


async def _until(predicate, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def _feed(url: str, topics: list[str], rec: Recorder, token: str | None = None) -> tuple[ApiClient, HallFeed]:
    client = ApiClient(url, token, deliver=lambda fn: fn())
    feed = HallFeed(client, topics, on_snapshot=lambda d: rec.add("snapshot", d.get("tag")),
                    on_event=lambda name, d: rec.add("event", (name, d.get("n"))),
                    on_connection=lambda up: rec.add("connected", up), retry_seconds=0.1)
    return client, feed


async def test_gap_in_seq_causes_a_new_snapshot() -> None:
    """GIVEN a server that skips seq 3 on the first connection WHEN the feed follows it THEN it drops the link at
    the gap, reconnects, takes the new snapshot and goes on with the events after it."""
    connections = 0

    async def handle(request: web.Request) -> web.WebSocketResponse:
        nonlocal connections
        connections += 1
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        if connections == 1:
            messages = [("snapshot", {"tag": "first"}, 1), ("ticket.issued", {"n": 2}, 2),
                        ("ticket.called", {"n": 4}, 4)]
        else:
            messages = [("snapshot", {"tag": "second"}, 10), ("ticket.called", {"n": 11}, 11)]
        for event, data, seq in messages:
            await ws.send_json({"event": event, "data": data, "seq": seq})
        async for _msg in ws:
            pass
        return ws

    app = web.Application()
    app.router.add_get("/api/ws", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    rec = Recorder()
    client, feed = _feed(f"http://127.0.0.1:{port}", ["hall"], rec)
    try:
        feed.start()
        await _until(lambda: ("event", ("ticket.called", 11)) in rec.kinds())
        items = [i for i in rec.kinds() if i[0] != "connected"]
        assert items == [("snapshot", "first"), ("event", ("ticket.issued", 2)),
                         ("snapshot", "second"), ("event", ("ticket.called", 11))]
        assert feed.gaps == 1 and feed.snapshots == 2 and connections == 2
    finally:
        feed.stop()
        client.close()
        await runner.cleanup()


def test_feed_reports_loss_and_resnapshots_after_restart(server_process) -> None:
    """GIVEN the feed following the real server WHEN the server stops and starts again THEN it reports the loss
    and comes back with a fresh snapshot."""
    rec = Recorder()
    client, feed = _feed(server_process.url, ["hall"], rec)
    try:
        feed.start()
        _wait(lambda: feed.snapshots == 1)
        server_process.stop()
        _wait(lambda: ("connected", False) in rec.kinds())
        server_process.start()
        _wait(lambda: feed.snapshots == 2, timeout=20)
        assert [c for c in rec.kinds() if c[0] == "connected"] == [("connected", True), ("connected", False),
                                                                  ("connected", True)]
    finally:
        feed.stop()
        client.close()


def _wait(predicate, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
