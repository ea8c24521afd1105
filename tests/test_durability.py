"""Against a real ``govhall serve`` process: 500 concurrent tickets, and SIGKILL in the middle of issuing."""
from __future__ import annotations

import asyncio
import sqlite3

import aiohttp

from queue_server.core.writer import HOLD_COMMIT_ENV
from tests.conftest import ServerProcess


async def _issue(http: aiohttp.ClientSession, url: str, token: str, request_id: str, service: str = "si_card"):
    try:
        async with http.post(f"{url}/api/tickets", json={"service": service, "request_id": request_id},
                             headers={"Authorization": f"Bearer {token}"}) as r:
            return r.status, await r.json()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        return None, repr(exc)


async def test_500_concurrent_tickets_are_distinct_and_gapless(server_process):
    token = server_process.token("kiosk")
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        results = await asyncio.gather(*(_issue(http, server_process.url, token, f"c-{i}") for i in range(500)))
    statuses = [s for s, _ in results]
    assert statuses.count(201) == 500, {s for s in statuses}
    numbers = sorted(t["number"] for _, t in results)
    assert numbers == [f"C{i:03d}" for i in range(1, 501)]


async def test_acknowledged_tickets_survive_sigkill(server_process):
    token = server_process.token("kiosk")
    acknowledged: dict[str, dict] = {}

    async def client(k: int) -> None:
        async with aiohttp.ClientSession() as http:
            for i in range(10_000):
                status, body = await _issue(http, server_process.url, token, f"k{k}-{i}", "passport")
                if status is None:
                    return
                assert status == 201, body
                acknowledged[body["number"]] = body

    tasks = [asyncio.create_task(client(k)) for k in range(4)]
    while len(acknowledged) < 60:
        await asyncio.sleep(0.01)
    server_process.stop(kill=True)  # SIGKILL mid-stream
    await asyncio.gather(*tasks)

    db = sqlite3.connect(server_process.db_path)
    stored = {row[0]: row for row in db.execute("select number, id, queue_at, status from tickets")}
    assert set(acknowledged) <= set(stored)  # nothing acknowledged was lost
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    db.close()

    server_process.start()
    async with aiohttp.ClientSession() as http:
        status, after = await _issue(http, server_process.url, token, "after-restart", "passport")
        assert status == 201
        assert after["number"] not in stored  # no number reused
        assert int(after["number"][1:]) == len(stored) + 1
        async with http.get(f"{server_process.url}/api/hall") as r:
            hall = await r.json()
    passport = next(s for s in hall["services"] if s["code"] == "passport")
    assert passport["waiting"] == len(stored) + 1
    # queue order intact: oldest first by issue order
    staff = server_process.token("staff", 16)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server_process.url}/api/windows/16/call", headers={"Authorization": f"Bearer {staff}"}) as r:
            first = await r.json()
    assert first["number"] == "G001"


async def test_a_batch_killed_before_its_commit_is_gone_and_was_never_acknowledged(tmp_path):
    """GIVEN a server whose writer is held (test hook) after a batch's writes and before its COMMIT, with three
    tickets committed before WHEN it is SIGKILLed there THEN no request of that batch (or queued behind it) got an
    answer, none of their tickets is in the file after restart, and numbering goes on after the committed ones."""
    trigger = tmp_path / "hold-commit"
    proc = ServerProcess(tmp_path / "hall.db", env={HOLD_COMMIT_ENV: str(trigger)})
    proc.start()
    try:
        token = proc.token("kiosk")
        async with aiohttp.ClientSession() as http:
            before = [await _issue(http, proc.url, token, f"before-{i}") for i in range(3)]
        assert [t["number"] for _, t in before] == ["C001", "C002", "C003"]
        trigger.touch()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            held = [asyncio.create_task(_issue(http, proc.url, token, f"held-{i}")) for i in range(20)]
            held_file = tmp_path / "hold-commit.held"
            for _ in range(1000):
                if held_file.exists() and held_file.read_text():
                    break
                await asyncio.sleep(0.01)
            assert int(held_file.read_text()) >= 1  # a batch is written and waits for its COMMIT
            await asyncio.sleep(0.3)  # the rest reach the writer's queue behind it
            assert not any(t.done() for t in held)  # nobody answered before the commit
            proc.stop(kill=True)
            answers = await asyncio.gather(*held)
        assert all(status is None for status, _ in answers), answers  # nothing acknowledged
    finally:
        proc.stop()

    db = sqlite3.connect(proc.db_path)
    assert db.execute("select count(*) from tickets where request_id like 'held-%'").fetchone()[0] == 0
    assert [n for (n,) in db.execute("select number from tickets order by id")] == ["C001", "C002", "C003"]
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    db.close()

    restarted = ServerProcess(proc.db_path)
    restarted.start()
    try:
        async with aiohttp.ClientSession() as http:
            status, after = await _issue(http, restarted.url, token, "after-restart")
    finally:
        restarted.stop()
    assert status == 201 and after["number"] == "C004" and after["ahead"] == 3
