"""Benchmark: does a month's KPI request or export hold up the hall? Latency of ``GET /api/health`` polled while an
admin asks for ``GET /api/kpis`` (and the GB/T 39046 export) over a month of a busy hall.

``python -m bench.reviews_http [--days 22] [--per-day 1000]``. The baseline, measured in the same run on the same
server, is the health latency with nothing else in flight. Then the same with the KPI request in flight, as shipped
(the read runs on its own connection in a worker thread), and with the read run inline on the event loop, to show
what the offloading buys. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.reviews_kpis import build
from queue_server.app import create_app, open_database
from queue_server.core.clock import SystemClock
from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.reviews import ledger_routes as review_ledgers
from queue_server.web.auth import create_token


async def poll_health(http: aiohttp.ClientSession, url: str, stop: asyncio.Event) -> list[float]:
    latencies = []
    while not stop.is_set():
        start = time.perf_counter()
        async with http.get(f"{url}/api/health") as r:
            await r.read()
        latencies.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.005)
    return latencies


async def during(http: aiohttp.ClientSession, url: str, path: str | None, headers: dict[str, str]) -> tuple[float, list[float]]:
    """Health latencies while ``path`` is fetched once (or for 1 s with nothing in flight)."""
    stop = asyncio.Event()
    poller = asyncio.create_task(poll_health(http, url, stop))
    start = time.perf_counter()
    if path is None:
        await asyncio.sleep(1.0)
    else:
        async with http.get(f"{url}{path}", headers=headers) as r:
            assert r.status == 200, await r.text()
            await r.read()
    took = (time.perf_counter() - start) * 1000
    stop.set()
    return took, await poller


def line(name: str, took: float | None, lat: list[float]) -> None:
    worst = max(lat)
    p50 = statistics.median(lat)
    print(f"{name:<48} {'' if took is None else f'{took:8.0f}':>8} {p50:>9.1f} {worst:>9.1f} {len(lat):>6}")


async def run(days: int, per_day: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        first, last = build(path, days, per_day)
        config = load_config(DEMO_CONFIG_PATH)
        db = open_database(path)
        app = create_app(config, db=db, clock=SystemClock(), open_all_hours=True)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {create_token(db, SystemClock(), 'admin')}"}
        kpi_path = f"/api/kpis?from={first}&to={last}"
        export_path = f"/api/exports/gbt39046.xlsx?from={first}&to={last}"
        print(f"{days} days x {per_day} tickets; health polled every 5 ms")
        print(f"{'while':<48} {'req ms':>8} {'p50 ms':>9} {'max ms':>9} {'polls':>6}")
        async with aiohttp.ClientSession() as http:
            line("baseline: nothing else in flight", None, (await during(http, url, None, headers))[1])
            took, lat = await during(http, url, kpi_path, headers)
            line("month KPIs, as shipped (worker thread)", took, lat)
            took, lat = await during(http, url, export_path, headers)
            line("month GB/T 39046 xlsx, as shipped", took, lat)
            shipped = review_ledgers.run_read

            async def inline(request, work):
                return work(db)

            review_ledgers.run_read = inline
            try:
                took, lat = await during(http, url, kpi_path, headers)
                line("month KPIs, read inline on the event loop", took, lat)
            finally:
                review_ledgers.run_read = shipped
        await runner.cleanup()
        db.close()


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; ``argv`` as on the command line (none when run from ``python -m bench``)."""
    parser = argparse.ArgumentParser(prog="python -m bench.reviews_http", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=22)
    parser.add_argument("--per-day", type=int, default=1000)
    args = parser.parse_args(argv or [])
    asyncio.run(run(args.days, args.per_day))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
