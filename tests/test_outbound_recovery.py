"""The outbox through failures: an ordered channel waits for each message in turn, a channel that cannot make its
messages parks the events instead of losing them, and a SIGKILLed server sends its pending messages after restart."""
from __future__ import annotations

import json
import sqlite3

import aiohttp
import pytest

from queue_server.core.config import DEMO_CONFIG_PATH
from queue_server.keys import WRITER
from queue_server.outbound import registry
from queue_server.outbound.routes import WORKER
from tests import outbound_channels
from tests.conftest import ServerProcess
from tests.receiver import hall_with, until

SERVICE = "bdc_transfer"


@pytest.fixture
def test_channels(monkeypatch):
    """The test channels registered as a channel module is: ``[outbound.ordered]``, ``[outbound.batched]`` and
    ``[outbound.fragile]``."""
    for name in ("ordered", "batched", "fragile"):
        monkeypatch.setitem(registry.CHANNEL_MODULES, name, "tests.outbound_channels")
    monkeypatch.setitem(outbound_channels.FRAGILE, "works", True)


def rows(server, where: str = "1") -> list[dict]:
    return list(server.db.query(f"select * from outbox where {where} order by seq"))


async def issue(server, n: int, tag: str) -> None:
    kiosk = server.api.as_(server.token("kiosk"))
    for i in range(n):
        status, body = await kiosk.post("/api/tickets", {"service": SERVICE, "request_id": f"{tag}{i}"})
        assert status == 201, body


async def test_an_ordered_channel_delivers_strictly_in_seq_order(hall_config, db_path, clock, receiver, test_channels):
    """GIVEN an ordered channel whose receiver fails twice WHEN four tickets are issued THEN nothing after the first
    message is tried while it fails, and the receiver sees the four in seq order once it works."""
    receiver.fail_times = 2
    outbound = {"ordered": {"url": receiver.url, "first_delay": 10, "max_delay": 40}}
    async with hall_with(hall_config, db_path, clock, outbound) as hall:
        await issue(hall, 4, "o")
        await until(lambda: rows(hall, "attempts = 1"), "first attempt")
        hall.app[WORKER].wake()
        await hall.app[WRITER].run(lambda db: None)  # the worker has looked again by now
        assert len(receiver.requests) == 1
        for attempts in (2, 3):
            clock.advance(60)
            hall.app[WORKER].wake()
            await until(lambda: len(receiver.requests) >= attempts, f"attempt {attempts}")
        await until(lambda: not rows(hall, "state != 'delivered'"), "all delivered")
        seqs = [json.loads(r.body)["seq"] for r in receiver.requests]
        first = seqs[0]
        assert seqs == [first, first, first, first + 1, first + 2, first + 3]


async def test_a_batch_channel_sends_its_backlog_in_batches_and_a_refused_batch_one_by_one(
        hall_config, db_path, clock, receiver, test_channels):
    """GIVEN an ordered channel with batches of 3 whose receiver is down WHEN five tickets wait THEN, the receiver
    back, they go in seq order as [1 2 3] [4 5]; WHEN the receiver refuses a batch (422) THEN its messages go again one
    a request (one bad message must not park the good ones), the next ones in a batch again, none parked."""
    receiver.status = 503
    async with hall_with(hall_config, db_path, clock, {"batched": {"url": receiver.url, "first_delay": 10}}) as hall:
        async def backlog(tag: str, refuse: bool = False) -> list[list[int]]:
            before = len(receiver.requests)
            await issue(hall, 5, tag)
            await until(lambda: len(receiver.requests) > before and rows(hall, "state = 'pending' and attempts >= 1"),
                        "the first attempt failed")
            receiver.status, receiver.fail_times, receiver.fail_status = 200, int(refuse), 422
            clock.advance(60)
            hall.app[WORKER].wake()
            await until(lambda: not rows(hall, "state != 'delivered'"), "all delivered")
            sent = [json.loads(r.body)["seqs"] for r in receiver.requests[before + 1:]]
            first = min(json.loads(receiver.requests[before].body)["seqs"])
            return [[seq - first for seq in seqs] for seqs in sent]

        assert await backlog("b") == [[0, 1, 2], [3, 4]]
        receiver.status = 503
        assert await backlog("c", refuse=True) == [[0, 1, 2], [0], [1], [2], [3, 4]]
        assert not rows(hall, "state = 'dead'")


async def test_a_channel_that_cannot_make_messages_parks_the_events(hall_config, db_path, clock, receiver,
                                                                    test_channels):
    """GIVEN a channel whose messages_for raises WHEN a ticket is issued THEN the ticket is issued all the same and
    the batch's events are kept as a dead message with the error; WHEN the channel works again and an admin retries
    it THEN its message is made and delivered."""
    outbound_channels.FRAGILE["works"] = False
    async with hall_with(hall_config, db_path, clock, {"fragile": {"url": receiver.url}}) as hall:
        await issue(hall, 1, "f")
        # the day's support plan (tidal.planned, made at start) was parked the same way
        [parked] = rows(hall, "payload like '%ticket.issued%'")
        assert (parked["state"], parked["kind"]) == ("dead", "outbox.events")
        assert "channel bug" in parked["last_error"]
        assert [e["name"] for e in json.loads(parked["payload"])["events"]] == ["ticket.issued"]
        status, body = await hall.api.post(f"/api/outbound/messages/{parked['id']}/retry")
        assert status == 409 and "channel bug" in body["message"]  # still broken: nothing changes
        outbound_channels.FRAGILE["works"] = True
        status, body = await hall.api.post(f"/api/outbound/messages/{parked['id']}/retry")
        assert status == 200 and body["state"] == "delivered", body
        await until(lambda: receiver.requests, "the replayed message delivered")
        assert json.loads(receiver.requests[0].body)["number"] == hall.db.execute("select number from tickets").fetchone()[0]
        assert [r["state"] for r in rows(hall, "seq >= " + str(parked["seq"]))] == ["delivered", "delivered"]


def _hall_file(tmp_path, url: str):
    path = tmp_path / "hall.toml"
    path.write_text(DEMO_CONFIG_PATH.read_text("utf-8") + f"""
[outbound.webhook]
url = "{url}"
secret = "a-secret-for-the-kill-test"
events = ["ticket.issued"]
first_delay = 0.2
max_delay = 0.5
max_attempts = 1000
""", "utf-8")
    return path


async def test_pending_messages_go_out_after_a_sigkill(tmp_path, receiver):
    """GIVEN the real server as a process and the receiver answering 503 WHEN tickets are issued and the server is
    SIGKILLed with their messages pending THEN after a restart every message reaches the receiver, each id once
    delivered."""
    receiver.status = 503
    server = ServerProcess(tmp_path / "hall.db", config=_hall_file(tmp_path, receiver.url))
    server.start()
    try:
        token = server.token("kiosk")
        async with aiohttp.ClientSession() as http:
            for i in range(3):
                async with http.post(f"{server.url}/api/tickets", json={"service": SERVICE, "request_id": f"k{i}"},
                                     headers={"Authorization": f"Bearer {token}"}) as r:
                    assert r.status == 201
        db = sqlite3.connect(server.db_path)
        pending = lambda: db.execute("select id from outbox where state = 'pending' and attempts >= 1").fetchall()
        await until(lambda: len(pending()) == 3, "three messages failed and pending", 60)
        ids = {row[0] for row in pending()}
        server.stop(kill=True)
        receiver.status = 200
        before = len(receiver.requests)
        server.start()
        await until(lambda: db.execute("select count(*) from outbox where state = 'delivered'").fetchone()[0] == 3,
                    "all three delivered after the restart", 60)
        delivered = {r.headers["X-Govhall-Delivery"] for r in receiver.requests[before:]}
        assert delivered == ids
        db.close()
    finally:
        server.stop()
