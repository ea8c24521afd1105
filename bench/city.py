"""Benchmark: the city server on a real PostgreSQL (a throwaway cluster, as the tests start one).

1. **Ingest**: 50 simulated halls post their records (tickets issued and finished, reviews, a heartbeat now and
   then) in ordered batches of 100 to ``govhall city serve`` (a child process), all at once. Baseline, same run,
   same cluster: the same number of rows written by 50 concurrent asyncpg connections straight into a bare table,
   with ``COPY`` and with ``INSERT`` (executemany), in the same batches — the floor of getting the rows into
   PostgreSQL at all, with no HTTP, validation, idempotency or rollups.
2. **A hall's backlog through its outbox**: one hall's records (as in 1) waiting in its SQLite outbox (the city was
   down, or the hall just joined), then delivered by the real delivery worker and ``[city]`` channel to the city
   server until none is pending: with ``batch_size = 1`` (one record a request, the baseline, same run, same city
   server) and with the default ``batch_size = 100``.
3. **A generated year**: 50 halls × 1,500 tickets × 250 business days (≈ 19 M tickets, with reviews, cases,
   complaints, practices and promised-time cases), generated server-side with ``generate_series`` in a database of
   its own, the rollups built once by the same statements the ingest runs per batch. Then the live board and a
   quarter's city KPIs with both rankings (halls, every hall's units), timed as the routes run them: p50 and p99.
   Aim: board p99 < 100 ms, quarter p99 < 2 s. Baseline, same run: ``count(*)`` of the quarter's tickets (what
   reading the raw rows at all costs). Then the ranking by city-wide unit (every hall's units mapped by code, but
   one hall's), against the ranking of every hall's unit it is made from (same run).

``python -m bench.city [--scale 0.04] [--part ingest|outbox|year|all]``: ``--scale`` shrinks the year (days), the
ingest (tickets per hall) and the backlog (at least 500 tickets) for a quick run; 1.0 is the full year (generation
takes minutes: run it rarely, the machine is shared).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone

import aiohttp
import asyncpg

from bench.support import Process, free_port, tmpdir
from queue_server.city import accounts, reports
from queue_server.city.units import rankings as city_unit_rankings
from queue_server.city.ingest import refresh_rollups, rollup_statements
from queue_server.city.migrate import json_codec, migrate
from queue_server.core.hall_time import Quarter
from tests.postgres import Cluster, pg_bin

HALLS = 50
BATCH = 100
SH = timezone(timedelta(hours=8))


def _stream(hall: int, tickets: int, day: date) -> list[dict]:
    """One hall's day as its outbox sends it: each ticket issued, finished five tickets later, every third one
    reviewed, a heartbeat every 200 records."""
    out: list[dict] = []

    def add(kind: str, data: dict) -> None:
        out.append({"seq": len(out) + 1, "kind": kind, "data": data})

    start = datetime(day.year, day.month, day.day, 8, 30, tzinfo=SH)
    for i in range(1, tickets + 6):
        if i <= tickets:
            at = start + timedelta(seconds=19 * i)
            add("ticket", {"id": i, "business_day": day.isoformat(), "number": f"A{i:04d}", "service": f"s{i % 20}",
                           "department": f"u{i % 12}", "status": "waiting", "issued_at": at.isoformat()})
        j = i - 5
        if j >= 1:
            at = start + timedelta(seconds=19 * j)
            wait = (j * 7 + hall) % 40
            add("ticket", {"id": j, "business_day": day.isoformat(), "number": f"A{j:04d}", "service": f"s{j % 20}",
                           "department": f"u{j % 12}", "window": 1 + j % 40, "status": "finished",
                           "issued_at": at.isoformat(), "called_at": (at + timedelta(minutes=wait)).isoformat(),
                           "finished_at": (at + timedelta(minutes=wait + 9)).isoformat(), "wait_min": float(wait)})
            if j % 3 == 0:
                add("review", {"id": j, "ticket_id": j, "business_day": day.isoformat(), "department": f"u{j % 12}",
                               "level": "dissatisfied" if j % 41 == 0 else "very_satisfied", "channel": "tablet",
                               "created_at": (at + timedelta(minutes=wait + 10)).isoformat()})
        if len(out) % 200 == 0:
            add("heartbeat", {"at": start.isoformat(), "waiting": 5, "tidal_open": 0, "devices_down": 0})
    return out


async def _ingest(cluster: Cluster, tickets: int) -> None:
    dsn = cluster.create_database("ingest")
    conn = await asyncpg.connect(dsn)
    await migrate(conn)
    now = datetime.now(timezone.utc)
    tokens = [await accounts.add_hall(conn, f"h{h:02d}", f"第{h}号大厅", now) for h in range(HALLS)]
    admin = await accounts.create_token(conn, "admin", "bench", now)
    await conn.close()
    day = date(2026, 11, 23)
    streams = [_stream(h, tickets, day) for h in range(HALLS)]
    total = sum(len(s) for s in streams)
    port = free_port()
    server = Process(["-m", "queue_server", "city", "serve", "--dsn", dsn, "--port", str(port)], port)
    timings = {}
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            for size in (1, BATCH):  # one record a request, as the outbox's city channel sends; and batches
                async def hall(h: int) -> None:
                    records, headers = streams[h], {"Authorization": f"Bearer {tokens[h]}"}
                    offset = 0 if size == 1 else len(records)  # the second round: the same records, new sequence
                    for k in range(0, len(records), size):
                        chunk = [{**r, "seq": r["seq"] + offset} for r in records[k:k + size]]
                        async with http.post(f"{server.url}/api/city/records", json={"records": chunk},
                                             headers=headers) as r:
                            assert r.status == 200, await r.text()

                began = time.perf_counter()
                await asyncio.gather(*(hall(h) for h in range(HALLS)))
                async with http.get(f"{server.url}/api/city/halls", headers={"Authorization": f"Bearer {admin}"}):
                    pass  # a report: the rollups rebuilt, so the time includes them
                timings[size] = time.perf_counter() - began
    finally:
        server.stop()
    conn = await asyncpg.connect(dsn)
    stored = await conn.fetchval("SELECT count(*) FROM tickets")
    await conn.close()
    assert stored == HALLS * tickets, stored  # twice sent, once counted

    base = cluster.create_database("baseline")
    pool = await asyncpg.create_pool(base, min_size=HALLS, max_size=HALLS)
    await pool.execute("CREATE TABLE raw (hall int, seq bigint, kind text, data jsonb)")
    rows = [[(h, r["seq"], r["kind"], json.dumps(r["data"])) for r in s] for h, s in enumerate(streams)]
    figures = {}
    for how in ("insert", "copy"):
        async def write(h: int) -> None:
            async with pool.acquire() as c:
                if how == "insert":  # one row a round trip, as one record a request
                    for row in rows[h]:
                        await c.execute("INSERT INTO raw VALUES ($1, $2, $3, $4::jsonb)", *row)
                    return
                for k in range(0, len(rows[h]), BATCH):
                    await c.copy_records_to_table("raw", records=rows[h][k:k + BATCH])

        await pool.execute("TRUNCATE raw")
        began = time.perf_counter()
        await asyncio.gather(*(write(h) for h in range(HALLS)))
        figures[how] = time.perf_counter() - began
    await pool.close()
    print(f"ingest: {HALLS} halls at once, {total // HALLS} records each ({total:,} records), each hall in order")
    print(f"  baseline bare asyncpg INSERT, one row a round trip: {total / figures['insert']:,.0f} records/s")
    print(f"  baseline bare asyncpg COPY, {BATCH} rows a time:      {total / figures['copy']:,.0f} records/s")
    for size, seconds in timings.items():
        base = figures["insert" if size == 1 else "copy"]
        print(f"  city server, {size:3d} record(s) a request (HTTP, validation, idempotency, rollups): "
              f"{total / seconds:,.0f} records/s, {base / seconds:.2f}× its baseline")


async def _outbox(cluster: Cluster, tickets: int) -> None:
    """Part 2: a hall's backlog delivered through its outbox, one record a request against batches."""
    from dataclasses import replace

    from queue_server.app import open_database
    from queue_server.core.clock import SystemClock
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config
    from queue_server.core.events import EventBus
    from queue_server.core.writer import Writer
    from queue_server.outbound.outbox import Outbox
    from queue_server.outbound.registry import build_channels, outbound_settings
    from queue_server.outbound.worker import DeliveryWorker

    dsn = cluster.create_database("outbox")
    conn = await asyncpg.connect(dsn)
    await migrate(conn)
    now = datetime.now(timezone.utc)
    sizes = (1, BATCH)
    tokens = {size: await accounts.add_hall(conn, f"b{size}", f"批量{size}大厅", now) for size in sizes}
    await conn.close()
    stream = _stream(0, tickets, date(2026, 11, 23))
    base, work = load_config(DEMO_CONFIG_PATH), tmpdir()
    port = free_port()
    server = Process(["-m", "queue_server", "city", "serve", "--dsn", dsn, "--port", str(port)], port)
    rates = {}
    try:
        for size in sizes:
            city = {"url": server.url, "hall_code": f"b{size}", "token": tokens[size], "batch_size": size}
            config = replace(base, sections={**base.sections, "city": city})
            db_path = work / f"hall-{size}.db"
            db = open_database(db_path)
            bus = EventBus()
            writer = Writer(db_path, bus.publish_all)
            writer.start()
            outbox = Outbox(build_channels(config), SystemClock())
            await writer.run(lambda d: [outbox.enqueue(d, "city", r["kind"], r["data"]) for r in stream])
            worker = DeliveryWorker(outbox, writer, db, SystemClock(), bus, outbound_settings(config))
            began = time.perf_counter()
            await worker.start()
            while worker.counts["delivered"] < len(stream):  # the worker's own count: no SQL on the measured loop
                await asyncio.sleep(0.01)
            rates[size] = len(stream) / (time.perf_counter() - began)
            await worker.stop()
            await writer.stop()
            db.close()
    finally:
        server.stop()
    conn = await asyncpg.connect(dsn)
    counted = await conn.fetch("SELECT hall, count(*) AS n FROM tickets GROUP BY hall ORDER BY hall")
    await conn.close()
    assert [r["n"] for r in counted] == [tickets] * len(sizes), counted
    print(f"outbox: one hall's backlog of {len(stream):,} records through its outbox to the city server")
    print(f"  baseline batch_size = 1 (one record a request): {rates[1]:,.0f} records/s")
    print(f"  batch_size = {BATCH}: {rates[BATCH]:,.0f} records/s, {rates[BATCH] / rates[1]:.1f}× the baseline")


_GENERATE = """
INSERT INTO halls (code, name, token_hash, created_at, last_contact, live, units)
SELECT 'h' || lpad(h::text, 2, '0'), '第' || h || '号大厅', md5('hall' || h), now(), now(),
       jsonb_build_object('at', now(), 'waiting', h % 17, 'longest_wait_min', 5 + h % 31, 'tidal_open', h % 3,
                          'devices_down', (h % 9 = 0)::int), '{{}}'::jsonb
FROM generate_series(1, {halls}) h;
CREATE TEMP TABLE bench_days AS
SELECT d::date AS day, row_number() OVER (ORDER BY d) AS n
FROM generate_series(date '2025-01-01', date '2026-06-30', interval '1 day') d
WHERE extract(isodow FROM d) < 6 LIMIT {days};
INSERT INTO tickets (hall, id, seq, business_day, number, service, department, "window", status, priority,
                     issued_at, called_at, finished_at, wait_min, skipped)
SELECT 'h' || lpad(h::text, 2, '0'), (d.n - 1) * {per_day} + t, (d.n - 1) * {per_day} + t, d.day,
       'A' || lpad(t::text, 4, '0'), 's' || (t % 20), 'u' || (t % 12), 1 + t % 40,
       CASE WHEN t % 25 = 0 THEN 'expired' ELSE 'finished' END, NULL,
       x.issued, x.issued + x.wait * interval '1 minute',
       CASE WHEN t % 25 = 0 THEN NULL ELSE x.issued + (x.wait + 9) * interval '1 minute' END, x.wait, t % 25 = 0
FROM generate_series(1, {halls}) h CROSS JOIN bench_days d CROSS JOIN generate_series(1, {per_day}) t
CROSS JOIN LATERAL (SELECT (d.day + time '08:30' + t * interval '19 seconds') AT TIME ZONE 'Asia/Shanghai'
                           AS issued, random() * (20 + h % 30) + 0 * t AS wait) x;
INSERT INTO reviews (hall, id, seq, ticket_id, business_day, service, department, "window", level, channel, invited,
                     voided, created_at)
SELECT hall, id, seq, id, business_day, service, department, "window",
       CASE WHEN (id / 4 + length(hall)) % 37 = 0 THEN 'dissatisfied'
            WHEN id % 5 = 0 THEN 'satisfied' ELSE 'very_satisfied' END, 'tablet', id % 11 = 0, false, finished_at
FROM tickets WHERE id % 4 = 0 AND status = 'finished';
INSERT INTO rectifications (hall, id, seq, review_id, business_day, department, "window", level, state,
                            callback_due, called_back_at, rectify_due, rectified_at, verdict)
SELECT hall, id, seq, id, business_day, department, "window", level,
       CASE WHEN id % 3 = 0 THEN 'opened' ELSE 'closed' END, created_at + interval '1 day',
       CASE WHEN id % 3 = 0 THEN NULL ELSE created_at + interval '20 hours' END, created_at + interval '15 days',
       CASE WHEN id % 3 = 0 THEN NULL ELSE created_at + interval '9 days' END,
       CASE WHEN id % 3 = 0 THEN NULL ELSE 'satisfied' END
FROM reviews WHERE level = 'dissatisfied';
INSERT INTO complaints (hall, id, seq, business_day, kind, department, "window", state, due_at, resolved_at)
SELECT hall, id, seq, business_day, 'complaint', department, "window", 'resolved', issued_at + interval '5 days',
       issued_at + interval '2 days' FROM tickets WHERE id % 300 = 0;
INSERT INTO promised_cases (hall, id, seq, business_day, department, "window", guide_name, state, accepted_at,
                            deadline, issued_at)
SELECT hall, id, seq, business_day, department, "window", '事项' || (id % 50), 'issued', issued_at,
       issued_at + interval '5 days', issued_at + interval '3 days' FROM tickets WHERE id % 50 = 0;
INSERT INTO practices (hall, id, seq, business_day, kind, department, "window", count)
SELECT hall, id, seq, business_day, 'helped', department, "window", 1 FROM tickets WHERE id % 30 = 0;
"""


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


async def _year(cluster: Cluster, days: int, per_day: int) -> None:
    dsn = cluster.create_database("year")
    conn = await asyncpg.connect(dsn)
    await json_codec(conn)
    await migrate(conn)
    began = time.perf_counter()
    await conn.execute(_GENERATE.format(halls=HALLS, days=days, per_day=per_day))
    generated = time.perf_counter() - began
    began = time.perf_counter()
    units, waits = rollup_statements("true")
    await conn.execute(units)
    await conn.execute(waits)
    await conn.execute("VACUUM ANALYZE")
    rolled = time.perf_counter() - began
    counts = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in
              ("tickets", "reviews", "rectifications", "complaints", "promised_cases", "practices", "daily_units")}
    size = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
    print(f"year: {HALLS} halls × {per_day} tickets × {days} business days, generated in {generated:.0f} s, "
          f"rollups in {rolled:.0f} s; database {size}")
    print("  rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))

    last_day = await conn.fetchval("SELECT max(business_day) FROM tickets")
    quarter = Quarter.of(last_day - timedelta(days=95)) if days > 70 else Quarter.of(last_day)
    first, end = max(quarter.first_day, await conn.fetchval("SELECT min(business_day) FROM tickets")), quarter.last_day
    now = datetime.now(timezone.utc)

    async def timed(work, runs: int) -> tuple[float, float]:
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            await work()
            samples.append((time.perf_counter() - t0) * 1000)
        return _percentiles(samples)

    async def board() -> None:
        await refresh_rollups(conn)  # as the route does (nothing stale here: the cost of looking)
        await reports.board(conn, last_day, now, timedelta(minutes=3))

    async def quarter_kpis() -> None:
        await refresh_rollups(conn)
        await reports.kpis(conn, first, end, now)
        await reports.rankings(conn, first, end, now, "hall")
        await reports.rankings(conn, first, end, now, "unit")

    async def raw_count() -> None:
        await conn.fetchval("SELECT count(*) FROM tickets WHERE business_day BETWEEN $1 AND $2", first, end)

    # the city-wide units: every hall's unit mapped by its code, but the first hall's (listed as unmapped)
    await conn.execute("INSERT INTO city_units SELECT DISTINCT department, department FROM daily_units")
    await conn.execute("INSERT INTO unit_map SELECT DISTINCT hall, department, department FROM daily_units "
                       "WHERE hall <> (SELECT min(code) FROM halls)")

    async def unit_ranking() -> None:
        await reports.rankings(conn, first, end, now, "unit")

    async def city_unit_ranking() -> None:
        await city_unit_rankings(conn, first, end, now)

    b50, b99 = await timed(board, 200)
    q50, q99 = await timed(quarter_kpis, 20)
    r50, r99 = await timed(raw_count, 5)
    u50, u99 = await timed(unit_ranking, 20)
    c50, c99 = await timed(city_unit_ranking, 20)
    quarter_tickets = await conn.fetchval("SELECT sum(tickets) FROM daily_units WHERE business_day BETWEEN $1 AND $2",
                                          first, end)
    await conn.close()
    print(f"  live board (every hall): p50 {b50:.1f} ms, p99 {b99:.1f} ms (aim < 100 ms)")
    print(f"  {quarter} city KPIs + hall ranking + unit ranking over {quarter_tickets:,} tickets: "
          f"p50 {q50:.0f} ms, p99 {q99:.0f} ms (aim < 2,000 ms)")
    print(f"  baseline: count(*) of the quarter's raw tickets: p50 {r50:.0f} ms, p99 {r99:.0f} ms")
    print(f"  ranking by city-wide unit (all halls' units mapped but one hall's): p50 {c50:.0f} ms, p99 {c99:.0f} ms; "
          f"baseline, the ranking of every hall's unit: p50 {u50:.0f} ms, p99 {u99:.0f} ms ({c50 / u50:.2f}x)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.city")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="share of the full year (250 days) and of the ingest (1,500 tickets a hall)")
    parser.add_argument("--part", choices=("ingest", "outbox", "year", "all"), default="all")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    bin_dir = pg_bin()
    if bin_dir is None:
        print("PostgreSQL is not installed (Debian: apt-get install postgresql): skipped")
        return
    # a modest server's settings: the city's machine would be tuned further
    cluster = Cluster(bin_dir, {"shared_buffers": "1GB", "work_mem": "64MB", "max_wal_size": "8GB"})
    try:
        if args.part in ("ingest", "all"):
            asyncio.run(_ingest(cluster, max(50, round(1500 * args.scale))))
        if args.part in ("outbox", "all"):
            # at least ~1,200 records, so a batched run lasts long enough to measure
            asyncio.run(_outbox(cluster, max(500, round(1500 * args.scale))))
        if args.part in ("year", "all"):
            asyncio.run(_year(cluster, max(10, round(250 * args.scale)), 1500))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
