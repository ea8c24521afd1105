"""Against a real ``govhall serve`` process: 500 concurrent tickets, and SIGKILL in the middle of issuing."""
from __future__ import annotations

import asyncio
import sqlite3

import aiohttp


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
