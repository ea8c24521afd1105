"""What Litestream replication costs the hall and how much a dying PC loses (docs/deployment.md §11).

1. Tickets issued per second under wrk (2 threads, 8 connections) by govhall alone — the baseline, in the same
   run — and by govhall while ``litestream replicate`` ships its file to a ``file://`` replica with the deployed
   settings (deploy/litestream.yml), on fresh databases; the order alternates round by round (the shared disk's
   and CPUs' speed drifts), and the median ratio is the figure.
2. The loss window: four kiosks issue tickets steadily (~70/s in all, far busier than a hall), then the server and
   Litestream are SIGKILLed together at a random moment and the replica is restored; per kill, how long before the
   kill the newest acknowledged ticket still in the replica and the oldest lost one were acknowledged.
Run: ``./run bench replication``.
"""
from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import time
from pathlib import Path

import aiohttp

from bench.support import Process, free_port, govhall, make_token, tmpdir
from bench.tickets import issue_load
from tests.litestream_support import WINDOW_S, Replication

ROUNDS = 6
SECONDS = 3.0
KILLS = 6


def _throughput(work: Path, round_no: int, replicated: bool) -> dict:
    db = work / f"load-{round_no}-{int(replicated)}" / "govhall.db"
    db.parent.mkdir()
    token = make_token(db, "kiosk")
    replication = Replication(db, work / f"replica-load-{round_no}")
    if replicated:
        replication.start()
    port = free_port()
    server = Process(govhall("serve", "--db", str(db), "--port", str(port), "--open-all-hours"), port)
    try:
        return issue_load(server.url, token, f"r{round_no}{int(replicated)}", ["si_card"], SECONDS)
    finally:
        server.stop()
        replication.stop()


async def _kiosks(url: str, token: str, acknowledged: dict[str, float], stop: asyncio.Event) -> None:
    async def kiosk(k: int) -> None:
        async with aiohttp.ClientSession() as http:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    async with http.post(f"{url}/api/tickets", json={"service": "si_card", "request_id": f"{k}-{i}"},
                                         headers={"Authorization": f"Bearer {token}"}) as r:
                        number = (await r.json())["number"]
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    return
                acknowledged[number] = time.monotonic()
                await asyncio.sleep(0.05)

    await asyncio.gather(*(kiosk(k) for k in range(4)))


async def _kill_once(work: Path, n: int) -> tuple[int, int, float, float]:
    """(acknowledged, lost, newest kept s before kill, oldest lost s before kill) of one dying PC."""
    db = work / f"kill-{n}" / "govhall.db"
    db.parent.mkdir()
    token = make_token(db, "kiosk")
    replication = Replication(db, work / f"replica-kill-{n}")
    replication.start()
    port = free_port()
    server = Process(govhall("serve", "--db", str(db), "--port", str(port), "--open-all-hours"), port)
    acknowledged: dict[str, float] = {}
    stop = asyncio.Event()
    load = asyncio.create_task(_kiosks(server.url, token, acknowledged, stop))
    await asyncio.sleep(3 + random.random() * 2)
    killed_at = time.monotonic()
    replication.stop(kill=True)
    server.proc.kill()
    server.proc.wait()
    stop.set()
    await load
    target = work / f"standby-{n}" / "govhall.db"
    replication.restore(target)
    conn = sqlite3.connect(target)
    kept = {number for (number,) in conn.execute("select number from tickets")}
    conn.close()
    age = {number: killed_at - at for number, at in acknowledged.items()}
    lost = [age[number] for number in set(age) - kept]
    return len(age), len(lost), min(age[number] for number in kept & set(age)), max(lost, default=0.0)


def main() -> None:
    work = tmpdir()
    print(f"wrk -t2 -c8, {SECONDS:g} s per run, {ROUNDS} rounds in alternating order; Litestream with deploy/litestream.yml "
          f"(window {WINDOW_S:g} s: monitor + sync interval) to a file:// replica on the same disk")
    ratios = []
    for round_no in range(1, ROUNDS + 1):
        if round_no % 2:
            alone, replicated = _throughput(work, round_no, False), _throughput(work, round_no, True)
        else:
            replicated, alone = _throughput(work, round_no, True), _throughput(work, round_no, False)
        ratios.append(replicated["rate"] / alone["rate"])
        for name, result in (("baseline: govhall alone", alone), ("govhall + litestream", replicated)):
            print(f"[{round_no}] {name:<26} {result['rate']:7.0f} tickets/s  p50 {result['p50']:6.2f} ms  "
                  f"p99 {result['p99']:6.2f} ms  non-2xx {result['errors']}")
    print(f"replicated / alone: {', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f})")

    print(f"\n{KILLS} kills of server + Litestream under ~70 tickets/s (ages: seconds before the kill)")
    oldest_lost = []
    for n in range(1, KILLS + 1):
        total, lost, newest_kept, oldest = asyncio.run(_kill_once(work, n))
        oldest_lost.append(oldest)
        print(f"[{n}] {total:4d} acknowledged, {lost:3d} lost; newest kept {newest_kept:5.2f} s, "
              f"oldest lost {oldest:5.2f} s")
    print(f"loss window: oldest lost acknowledgement {max(oldest_lost):.2f} s before the kill "
          f"(stated window {WINDOW_S:g} s)")


if __name__ == "__main__":
    main()
