"""The one writer: group commit with a savepoint per operation, events and answers in commit order, reads that do
not wait for a write, and the trigger-kept queue counts staying true through every kind of queue change."""
from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import pytest

from queue_server.app import open_database
from queue_server.core.db import connect
from queue_server.core.errors import conflict
from queue_server.core.events import Event
from queue_server.core.writer import Writer
from queue_server.keys import WRITER
from queue_server.queue.staffing import keypad_active
from tests.query_plans import record_plans


async def _wait_for(path: Path) -> None:
    for _ in range(1000):
        if path.exists():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path} never appeared")


@pytest.fixture
async def held_writer(tmp_path: Path):
    """A writer over a one-table file, with its commit hold (test hook) at hand: (writer, published, trigger)."""
    db = connect(tmp_path / "w.db")
    db.execute("create table t (id integer primary key, v text unique)")
    db.close()
    published: list[Event] = []
    trigger = tmp_path / "hold"
    writer = Writer(tmp_path / "w.db", published.extend, hold_commit=str(trigger))
    writer.start()
    try:
        yield writer, published, trigger
    finally:
        trigger.unlink(missing_ok=True)
        await writer.stop()


def _insert(value: str):
    def op(db):
        db.execute("insert into t (v) values (?)", [value])
        if value.startswith("bad"):
            raise conflict(f"{value} refused")
        return value, [Event("t.inserted", {"v": value})]
    return op


async def test_one_failing_operation_rolls_back_alone_and_the_batch_commits_once(held_writer, tmp_path):
    """GIVEN a held first batch, and three operations queued behind it (the second raises after writing) WHEN
    the hold is released THEN the three ran as one batch (one commit), the failing one's row is gone and its caller
    got its error, the others' rows are on disk, and events were published in commit order before the answers."""
    writer, published, trigger = held_writer
    trigger.touch()
    first = asyncio.create_task(writer.run(_insert("a"), events=lambda r: r[1]))
    await _wait_for(tmp_path / "hold.held")
    rest = [asyncio.create_task(writer.run(_insert(v), events=lambda r: r[1])) for v in ("b", "bad-c", "d")]
    await asyncio.sleep(0.05)  # all three are queued while the first batch waits for its commit
    assert not first.done()
    batches = writer.batches
    trigger.unlink()
    assert (await first)[0] == "a"
    results = await asyncio.gather(*rest, return_exceptions=True)
    assert results[0][0] == "b" and results[2][0] == "d"
    assert getattr(results[1], "status", None) == 409
    assert writer.batches == batches + 2 and writer.operations == 4  # a, then b + bad-c + d in one commit
    assert [e.data["v"] for e in published] == ["a", "b", "d"]
    rows = sqlite3.connect(tmp_path / "w.db").execute("select v from t order by id").fetchall()
    assert [v for (v,) in rows] == ["a", "b", "d"]


async def test_short_operations_run_first_on_the_loop_and_share_the_batch_with_the_threads(held_writer, tmp_path):
    """GIVEN a held first batch, and behind it two operations for the writer thread and two marked ``on_loop`` (the
    second of those raises after writing) WHEN the hold is released THEN the four commit as one batch, the loop's
    ran first and on the loop's own thread, the thread's after them on the writer thread, the failing one rolled
    back alone, and events and rows follow that order; the batch hook ran on the writer thread after both kinds,
    and after a batch of loop operations alone it runs on the loop, straight after them, unless a hook says its
    next run is not short."""
    writer, published, trigger = held_writer
    threads: dict[str, int] = {}
    hooked: list[tuple[list[str], int]] = []
    writer.add_batch_hook(lambda db, events: hooked.append(([e.data["v"] for e in events], threading.get_ident()))
                          or [])

    def insert(value: str):
        op = _insert(value)

        def noting(db):
            threads[value] = threading.get_ident()
            return op(db)
        return noting

    trigger.touch()
    first = asyncio.create_task(writer.run(insert("a"), events=lambda r: r[1]))
    await _wait_for(tmp_path / "hold.held")
    rest = [asyncio.create_task(writer.run(insert(v), events=lambda r: r[1], on_loop=v in ("c", "bad-d")))
            for v in ("b", "c", "bad-d", "e")]
    await asyncio.sleep(0.05)
    batches = writer.batches
    trigger.unlink()
    await first
    results = await asyncio.gather(*rest, return_exceptions=True)
    assert [results[i][0] for i in (0, 1, 3)] == ["b", "c", "e"]
    assert getattr(results[2], "status", None) == 409
    assert writer.batches == batches + 2  # a, then the four in one commit
    loop_thread = threading.get_ident()
    assert threads["c"] == threads["bad-d"] == loop_thread
    assert threads["a"] == threads["b"] == threads["e"] != loop_thread
    assert [e.data["v"] for e in published] == ["a", "c", "b", "e"]
    rows = sqlite3.connect(tmp_path / "w.db").execute("select v from t order by id").fetchall()
    assert [v for (v,) in rows] == ["a", "c", "b", "e"]
    assert (await writer.run(insert("f"), events=lambda r: r[1], on_loop=True))[0] == "f"
    assert hooked == [(["a"], threads["a"]), (["c", "b", "e"], threads["a"]), (["f"], loop_thread)]
    # a hook that says its next run is not short (the tide's first of the day) takes the batch's hooks back
    long_run = [True]
    writer.add_batch_hook(lambda db, events: [], loop_ok=lambda: not long_run[0])
    await writer.run(insert("g"), events=lambda r: r[1], on_loop=True)
    long_run[0] = False
    await writer.run(insert("h"), events=lambda r: r[1], on_loop=True)
    assert hooked[3:] == [(["g"], threads["a"]), (["h"], loop_thread)]


async def _until(check, seconds: float = 5.0) -> None:
    for _ in range(int(seconds * 100)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def test_concurrent_writes_run_a_paced_hook_once_per_interval_and_never_lose_its_events(tmp_path):
    """GIVEN a batch hook paced to one run per 0.3 s, which has just run WHEN one batch ends while two more writes
    are queued, and the next batch holds both THEN neither runs the hook, and once the interval is up the writer
    runs it alone on the events of all three, in its own transaction, publishing its events after theirs; WHEN a
    caller waits for each answer before writing again THEN the hook runs in every batch, pace or not; WHEN the
    writer stops while the hook still owes events THEN it runs them first."""
    db = connect(tmp_path / "w.db")
    db.execute("create table t (id integer primary key, v text unique)")
    db.close()
    published: list[Event] = []
    writer = Writer(tmp_path / "w.db", published.extend)
    runs: list[list[str]] = []

    def hook(db, events):
        runs.append([e.data["v"] for e in events])
        db.execute("insert into t (v) values (?)", [f"hook-{len(runs)}"])
        return [Event("hook.ran", {"v": f"hook-{len(runs)}"})]

    async def burst(values: tuple[str, ...]) -> None:
        gate = threading.Event()

        def slow_first(db):
            assert gate.wait(5)  # the others are queued while the first one's batch runs
            return _insert(values[0])(db)

        first = asyncio.create_task(writer.run(slow_first, events=lambda r: r[1]))
        await asyncio.sleep(0.05)
        rest = [asyncio.create_task(writer.run(_insert(v), events=lambda r: r[1])) for v in values[1:]]
        await asyncio.sleep(0.05)
        gate.set()
        await asyncio.gather(first, *rest)

    writer.add_batch_hook(hook, min_interval=0.3)
    writer.start()
    try:
        await writer.run(_insert("a"), events=lambda r: r[1])
        assert runs == [["a"]]  # the first run is never paced
        await burst(("b", "c", "d"))
        assert runs == [["a"]] and writer.batches == 3
        await _until(lambda: len(runs) == 2)
        assert runs[1] == ["b", "c", "d"]
        await _until(lambda: published[-1].data["v"] == "hook-2")
        assert [e.data["v"] for e in published] == ["a", "hook-1", "b", "c", "d", "hook-2"]
        for value in ("e", "f"):  # one caller at a time: a batch each, the hook after each
            await writer.run(_insert(value), events=lambda r: r[1])
        assert runs[2:] == [["e"], ["f"]]
        await burst(("g", "h", "i"))
    finally:
        await writer.stop()
    assert runs[4:] == [["g", "h", "i"]]
    rows = sqlite3.connect(tmp_path / "w.db").execute("select v from t order by id").fetchall()
    assert [v for (v,) in rows] == ["a", "hook-1", "b", "c", "d", "hook-2", "e", "hook-3", "f", "hook-4",
                                    "g", "h", "i", "hook-5"]


async def test_reads_answer_while_a_write_waits_for_its_commit(server, tmp_path):
    """GIVEN the server's writer held before a ticket's COMMIT WHEN health and the hall snapshot are asked for
    THEN both answer at once (the loop never waits on the writer) and do not show the uncommitted ticket; WHEN
    the commit goes through THEN the kiosk gets its 201 and the snapshot counts the ticket."""
    writer = server.app[WRITER]
    trigger = tmp_path / "hold"
    writer._hold = str(trigger)
    kiosk = server.auth("kiosk")  # before the hold: the token is written on the test's own connection
    async with aiohttp.ClientSession() as http:
        async def issue():
            async with http.post(f"{server.url}/api/tickets", json={"service": "si_card", "request_id": "held"},
                                 headers=kiosk) as r:
                return r.status, await r.json()

        trigger.touch()
        task = asyncio.create_task(issue())
        try:
            await _wait_for(tmp_path / "hold.held")
            async with http.get(f"{server.url}/api/health") as r:
                health = r.status, await r.json()
            async with http.get(f"{server.url}/api/hall") as r:
                si_card = next(s for s in (await r.json())["services"] if s["code"] == "si_card")
            done_early = task.done()
        finally:
            trigger.unlink()  # a failed check must not leave the writer held (the server could not stop)
        assert health[0] == 200, health
        assert si_card["waiting"] == 0 and not done_early
        status, ticket = await task
        assert status == 201 and ticket["ahead"] == 0
        async with http.get(f"{server.url}/api/hall") as r:
            si_card = next(s for s in (await r.json())["services"] if s["code"] == "si_card")
        assert si_card["waiting"] == 1


@pytest.mark.open_all_hours
async def test_ws_events_arrive_in_commit_order_under_concurrent_issuing(server):
    """GIVEN a hall subscriber WHEN 60 tickets of one service are issued concurrently (many per batch) THEN the
    ``ticket.issued`` events arrive with rising ``seq`` in number order, i.e. in the order the tickets committed."""
    kiosk = server.auth("kiosk")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        async with http.ws_connect(f"{server.url}/api/ws?topics=hall") as ws:
            assert (await ws.receive_json())["event"] == "snapshot"

            async def issue(i: int) -> int:
                async with http.post(f"{server.url}/api/tickets", headers=kiosk,
                                     json={"service": "passport", "request_id": f"ws-{i}"}) as r:
                    return r.status

            assert set(await asyncio.gather(*(issue(i) for i in range(60)))) == {201}
            issued = []
            while len(issued) < 60:
                message = await ws.receive_json(timeout=5)
                if message["event"] == "ticket.issued":
                    issued.append(message)
    assert [m["data"]["number"] for m in issued] == [f"G{i:03d}" for i in range(1, 61)]
    assert [m["seq"] for m in issued] == sorted(m["seq"] for m in issued)
    assert server.app[WRITER].batches < server.app[WRITER].operations  # some tickets shared a commit


def _recount(db) -> dict[tuple, int]:
    rows = db.execute("select business_day, service, kind, target_window is not null, count(*) from tickets "
                      "where status in ('waiting', 'transferred') group by 1, 2, 3, 4").fetchall()
    return {tuple(r[:4]): r[4] for r in rows}


def _counts(db) -> dict[tuple, int]:
    rows = db.execute("select business_day, service, kind, directed, waiting from queue_counts "
                      "where waiting != 0").fetchall()
    return {tuple(r[:4]): r[4] for r in rows}


async def test_queue_counts_follow_every_queue_change(server):
    """GIVEN walk-ins, priority tickets and an appointment-kind ticket WHEN calls, skips, a re-queue, transfers to a
    service and to a window, holds and a day roll happen THEN ``queue_counts`` equals a recount of the tickets after
    each step, and every new ticket's ``ahead`` matches its position computed from scratch."""
    hall, clock = server.hall, server.clock
    steps = [
        lambda: hall.issue_ticket("si_card", "q1", None, "t"),
        lambda: hall.issue_ticket("si_card", "q2", None, "t"),
        lambda: hall.issue_ticket("si_card", "q3", "elderly", "t"),
        lambda: hall.issue_ticket("si_card", "q4", None, "t", kind="appointment"),
        lambda: hall.issue_ticket("passport", "q5", None, "t"),
        lambda: hall.call_next(8, "t"),
        lambda: hall.skip(8, "t", None),
        lambda: hall.call_next(8, "t"),
        lambda: hall.transfer(8, "t", "转办", "passport", None),
        lambda: hall.call_next(8, "t"),
        lambda: hall.transfer(8, "t", "转窗口", None, 7),
        lambda: hall.requeue(8, _skipped(server), "t"),
        lambda: hall.issue_ticket("si_card", "q6", None, "t"),
    ]
    for step in steps:
        result = step()
        assert _counts(server.db) == _recount(server.db)
        ticket = result[0]
        if ticket.get("status") == "waiting" and ticket.get("ahead") is not None:
            assert ticket["ahead"] == hall.position(ticket["id"])[0]
    clock.advance(24 * 3600)
    hall.roll_day()
    assert _counts(server.db) == _recount(server.db) == {}


def _skipped(server) -> str:
    return server.db.execute("select number from tickets where status = 'no_show'").fetchone()[0]


def test_the_keypad_presence_check_reads_only_the_agents_rows(tmp_path):
    """GIVEN the hall database WHEN the tide's staffed check asks which windows a keypad worked at lately THEN
    SQLite answers from the partial indexes of the agent's log rows (m007), not a range of every row of the last
    30 minutes: the query must keep the indexes' term word for word."""
    db = open_database(tmp_path / "h.db")
    plans = record_plans(db, lambda sql: "keypad" if "actor like" in sql else None)["keypad"]
    keypad_active(db, datetime.now(timezone.utc))
    assert any("idx_ticket_log_agent_at" in p for p in plans) and any("idx_window_log_agent_at" in p for p in plans)
