"""The WebSocket: snapshot first, then ordered events; private fields only for the window; slow clients dropped."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import socket

import aiohttp

from queue_server.web import ws as ws_module
from tests.apiclient import Api


async def next_event(ws: aiohttp.ClientWebSocketResponse, name: str) -> dict:
    while True:
        message = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
        if message["event"] == name:
            return message


async def test_two_clients_get_snapshot_then_ordered_events(server):
    kiosk, staff = server.token("kiosk"), server.token("staff", 1)
    async with aiohttp.ClientSession() as http:
        api = Api(http, server.url)
        async with http.ws_connect(f"{server.url}/api/ws?topics=hall") as a, http.ws_connect(f"{server.url}/api/ws") as b:
            for client in (a, b):
                first = json.loads((await client.receive()).data)
                assert first["event"] == "snapshot" and first["seq"] == 0 and first["data"]["windows"]
            _, ticket = await api.as_(kiosk).post("/api/tickets", {"service": "bdc_transfer", "request_id": "ws-1"})
            await api.as_(staff).post("/api/windows/1/call")
            await api.as_(staff).post("/api/windows/1/finish")
            for client in (a, b):
                got = [json.loads((await asyncio.wait_for(client.receive(), 5)).data) for _ in range(3)]
                assert [m["event"] for m in got] == ["ticket.issued", "ticket.called", "ticket.finished"]
                assert [m["seq"] for m in got] == [1, 2, 3]
                assert got[1]["data"]["number"] == ticket["number"] and got[1]["data"]["window"] == 1
                assert got[1]["data"]["voice"] == f"请{ticket['number']}号到1号窗口办理"
                assert "ticket_token" not in got[2]["data"]  # public topic: no token to review with


async def test_window_topic_needs_that_windows_token_and_carries_the_review_token(server):
    kiosk, staff, tablet = server.token("kiosk"), server.token("staff", 1), server.token("tablet", 1)
    async with aiohttp.ClientSession() as http:
        api = Api(http, server.url)
        async with http.get(f"{server.url}/api/ws?topics=window:1") as r:
            assert r.status == 401
        async with http.get(f"{server.url}/api/ws?topics=window:2&token={tablet}") as r:
            assert r.status == 403
        async with http.ws_connect(f"{server.url}/api/ws?topics=window:1&token={tablet}") as ws:
            await next_event(ws, "snapshot")
            _, ticket = await api.as_(kiosk).post("/api/tickets", {"service": "bdc_transfer", "request_id": "ws-2"})
            await api.as_(staff).post("/api/windows/1/call")
            await api.as_(staff).post("/api/windows/1/finish")
            finished = await next_event(ws, "ticket.finished")
            assert finished["data"]["ticket_token"] == ticket["token"]


async def test_the_counters_staff_never_get_the_citizens_review_token(server):
    """Staff may follow their own window's topic; the finished ticket's token, which opens its review, is pushed to
    the window's tablet only."""
    kiosk, staff = server.token("kiosk"), server.token("staff", 1)
    async with aiohttp.ClientSession() as http:
        api = Api(http, server.url)
        async with http.ws_connect(f"{server.url}/api/ws?topics=hall,window:1&token={staff}") as ws:
            await next_event(ws, "snapshot")
            _, ticket = await api.as_(kiosk).post("/api/tickets", {"service": "bdc_transfer", "request_id": "ws-3"})
            _, called = await api.as_(staff).post("/api/windows/1/call")
            await api.as_(staff).post("/api/windows/1/finish")
            finished = await next_event(ws, "ticket.finished")
            assert finished["data"]["number"] == ticket["number"]
            assert "ticket_token" not in finished["data"] and ticket["token"] not in json.dumps(finished)
            assert called["number"] == ticket["number"]


def _raw_ws_client(url: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads: the slowest tablet imaginable."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /api/ws?topics=hall HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    return sock


async def test_a_slow_client_is_dropped_and_never_delays_a_fast_one(server, monkeypatch):
    monkeypatch.setattr(ws_module, "QUEUE_LIMIT", 32)
    kiosk = server.token("kiosk")
    from queue_server.core.events import Event
    from queue_server.keys import BUS
    from queue_server.web.ws import HUB

    hub = server.app[HUB]
    slow = _raw_ws_client(server.url)
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, server.url).as_(kiosk)
            async with http.ws_connect(f"{server.url}/api/ws") as fast:
                await next_event(fast, "snapshot")
                for _ in range(50):
                    if hub.client_count == 2:
                        break
                    await asyncio.sleep(0.02)
                assert hub.client_count == 2
                # a real ticket first, then a burst of call events large enough to fill any socket buffer
                await api.post("/api/tickets", {"service": "si_card", "request_id": "slow-0"})
                bus = server.app[BUS]
                total = 3000
                received = [json.loads((await asyncio.wait_for(fast.receive(), 5)).data)]
                for i in range(1, total):
                    bus.publish(Event("ticket.called", {"number": f"C{i:03d}", "window": 7, "voice": "请" * 400}))
                    if i % 20 == 0:
                        while len(received) < i:  # the fast client keeps up while the slow one stalls
                            received.append(json.loads((await asyncio.wait_for(fast.receive(), 5)).data))
                while len(received) < total:
                    received.append(json.loads((await asyncio.wait_for(fast.receive(), 5)).data))
                assert [m["seq"] for m in received] == list(range(1, total + 1))
                assert hub.client_count == 1  # the slow one was dropped, the fast one kept every event
    finally:
        slow.close()


async def _read_frames(sock: socket.socket, count: int) -> list[dict]:
    """``count`` text frames from a raw socket (server frames are never masked), parsed as JSON."""
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    data, frames = b"", []

    async def take(n: int) -> bytes:
        nonlocal data
        while len(data) < n:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), 5)
            assert chunk, "the server closed the socket"
            data += chunk
        head, data = data[:n], data[n:]
        return head

    response = b""
    while b"\r\n\r\n" not in response:  # the handshake's answer
        response += await take(1)
    while len(frames) < count:
        _, size = await take(2)
        size &= 0x7F
        if size == 126:
            size = int.from_bytes(await take(2), "big")
        elif size == 127:
            size = int.from_bytes(await take(8), "big")
        frames.append(json.loads(await take(size)))
    return frames


async def test_a_client_that_falls_behind_and_catches_up_gets_every_event_in_order(server, monkeypatch):
    """GIVEN a tablet that stops reading for a while (its socket backs up) WHEN a burst of events is published
    THEN its events move from the hub's direct path to its own queue, and once it reads again it gets all of them,
    in ``seq`` order, none twice: switching paths never reorders."""
    from queue_server.core.events import Event
    from queue_server.keys import BUS
    from queue_server.web.ws import HUB

    monkeypatch.setattr(ws_module, "QUEUE_LIMIT", 10_000)  # behind, never so far behind that it is dropped
    hub = server.app[HUB]
    sock = _raw_ws_client(server.url)
    try:
        for _ in range(100):
            if hub.client_count == 1:
                break
            await asyncio.sleep(0.02)
        [client] = list(hub._clients)
        # publish until the kernel's socket buffers are full and the server's own buffer has passed the direct
        # path's limit (the client's queue is in use), then a hundred more
        bus, total, went_to_queue, first_queued = server.app[BUS], 0, False, 0
        while total < 4000 and (not went_to_queue or total < first_queued + 100):
            total += 1
            bus.publish(Event("ticket.called", {"number": f"C{total:04d}", "window": 7, "voice": "请" * 1000}))
            await asyncio.sleep(0)  # the hub's sender and the client's writer take turns with the publisher
            if not went_to_queue and (not client.queue.empty() or client.writing):
                went_to_queue, first_queued = True, total
        assert went_to_queue, "the burst should have backed the socket up past the direct path's limit"
        assert hub.client_count == 1  # behind, not dropped: its queue never overflowed
        frames = await _read_frames(sock, total + 1)
        assert frames[0]["event"] == "snapshot"
        assert [f["seq"] for f in frames[1:]] == list(range(1, total + 1))
        assert [f["data"]["number"] for f in frames[1:]] == [f"C{i:04d}" for i in range(1, total + 1)]
    finally:
        sock.close()
