"""Benchmark: KPIs, breakdowns, the unit ranking and the GB/T 39046 export over a month of a busy county hall.

``python -m bench.reviews_kpis [--days 22] [--per-day 1000]`` builds a fresh SQLite file (real migrations) with
that many working days of tickets, call/finish log lines, reviews (~60 % of served, ~5 % bad, each bad one with its
rectification case) and complaints, then times each computation (median of 5). The baseline, measured in the same
run on the same file, is one SQL aggregate over the same tickets (count and mean wait): the floor for reading the
records at all. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from queue_server.app import open_database
from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.core.db import write_transaction
from queue_server.reviews import exports, kpis, ranking
from queue_server.reviews.rectification import open_case
from queue_server.reviews.settings import load_review_settings

SH = ZoneInfo("Asia/Shanghai")
LEVEL_WEIGHTS = {"very_satisfied": 60, "satisfied": 25, "basically_satisfied": 10, "dissatisfied": 3,
                 "very_dissatisfied": 2}


def iso(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds")


def build(path: Path, days: int, per_day: int, seed: int = 6) -> tuple[str, str]:
    """Fill ``path`` with ``days`` working days from Monday 2026-11-02; returns the first and last business day."""
    rng = random.Random(seed)
    config = load_config(DEMO_CONFIG_PATH)
    settings = load_review_settings(config)
    db = open_database(path)
    services = list(config.services.values())
    windows_of = {s.code: config.windows_serving(s.code) or [1] for s in services}
    day = date(2026, 11, 2)
    business_days = []
    ticket_id = 0
    while len(business_days) < days:
        if settings.calendar.is_workday(day):
            business_days.append(day)
        day += timedelta(days=1)
    for bday in business_days:
        tickets, logs, reviews = [], [], []
        counters: dict[str, int] = {}
        for _ in range(per_day):
            ticket_id += 1
            service = rng.choice(services)
            seq = counters[service.prefix] = counters.get(service.prefix, 0) + 1
            issued = datetime.combine(bday, datetime.min.time(), SH) + timedelta(minutes=510 + rng.random() * 480)
            called = issued + timedelta(minutes=rng.expovariate(1 / 14))
            finished = called + timedelta(minutes=rng.uniform(3, 2 * service.minutes))
            window = rng.choice(windows_of[service.code])
            status = "no_show" if rng.random() < 0.04 else "finished"
            tickets.append((ticket_id, f"{service.prefix}{seq:03d}", service.code, service.prefix, seq,
                            bday.isoformat(), status, "walk_in", f"bench-{ticket_id}", f"tok-{ticket_id}",
                            iso(issued), iso(issued), iso(called), iso(finished) if status == "finished" else None,
                            window))
            staff = f"staff:{1000 + window}"
            logs.append((ticket_id, "call", window, staff, iso(called)))
            if status == "finished":
                logs.append((ticket_id, "finish", window, staff, iso(finished)))
                if rng.random() < 0.6:
                    level = rng.choices(list(LEVEL_WEIGHTS), weights=list(LEVEL_WEIGHTS.values()))[0]
                    reviews.append((ticket_id, f"{service.prefix}{seq:03d}", bday.isoformat(), service.code,
                                    service.department, window, str(1000 + window), level,
                                    json.dumps(["等候时间过长"] if level in ("dissatisfied", "very_dissatisfied")
                                               else [], ensure_ascii=False),
                                    rng.choice(["qr", "tablet"]), iso(finished + timedelta(minutes=1))))
        with write_transaction(db):
            db.conn.executemany(
                "INSERT INTO tickets (id, number, service, prefix, seq, business_day, status, kind, request_id, token,"
                " issued_at, queue_at, called_at, finished_at, window) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                tickets)
            db.conn.executemany("INSERT INTO ticket_log (ticket_id, action, window, actor, at) VALUES (?,?,?,?,?)",
                                logs)
            for r in reviews:
                cur = db.conn.execute(
                    "INSERT INTO reviews (ticket_id, ticket_number, business_day, service, department, window, "
                    "staff_no, level, reasons, channel, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", r)
                if r[7] in ("dissatisfied", "very_dissatisfied"):
                    review = {"id": cur.lastrowid, "ticket_id": r[0], "ticket_number": r[1], "business_day": r[2],
                              "service": r[3], "department": r[4], "window": r[5], "staff_no": r[6], "level": r[7]}
                    case = open_case(db, review, settings, SH, datetime.fromisoformat(r[10]))
                    if rng.random() < 0.8:
                        done = datetime.fromisoformat(r[10]) + timedelta(days=rng.uniform(1, 25))
                        db.conn.execute("UPDATE rectifications SET state='closed', called_back_at=?, rectified_at=?,"
                                        " verdict=? WHERE id=?", [iso(done), iso(done),
                                                                  rng.choice(["satisfied"] * 9 + ["dissatisfied"]),
                                                                  case["id"]])
    db.close()
    return business_days[0].isoformat(), business_days[-1].isoformat()


def median_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; ``argv`` as on the command line (none when run from ``python -m bench``)."""
    parser = argparse.ArgumentParser(prog="python -m bench.reviews_kpis", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=22)
    parser.add_argument("--per-day", type=int, default=1000)
    args = parser.parse_args(argv or [])
    config = load_config(DEMO_CONFIG_PATH)
    settings = load_review_settings(config)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        start = time.perf_counter()
        first, last = build(path, args.days, args.per_day)
        print(f"built {args.days} days x {args.per_day} tickets in {time.perf_counter() - start:.1f} s "
              f"({first} .. {last})")
        db = open_database(path)
        now = datetime(2027, 1, 15, 10, 0, tzinfo=SH)
        counts = {t: db[t].count for t in ("tickets", "ticket_log", "reviews", "rectifications")}
        print("rows: " + ", ".join(f"{t} {n}" for t, n in counts.items()))

        def baseline() -> None:
            db.execute("SELECT COUNT(*), AVG((julianday(called_at) - julianday(issued_at)) * 1440) FROM tickets "
                       "WHERE business_day BETWEEN ? AND ?", [first, last]).fetchone()

        def month_facts() -> kpis.Facts:
            return kpis.load_facts(db, config, first, last)

        facts = month_facts()
        cases = {
            "baseline: one SQL aggregate over the month's tickets": baseline,
            "KPIs of one day (load + compute)": lambda: kpis.compute(kpis.load_facts(db, config, last, last), now),
            "KPIs of the month (load + compute)": lambda: kpis.compute(month_facts(), now),
            "  of which compute only": lambda: kpis.compute(facts, now),
            "breakdown by window, month (compute)": lambda: kpis.breakdown(facts, "window", now),
            "breakdown by day, month (compute)": lambda: kpis.breakdown(facts, "day", now),
            "unit ranking, month (compute)": lambda: ranking.ranking(facts, now),
            "GB/T 39046 export of the month, xlsx": lambda: exports.to_xlsx(
                exports.gbt39046_table(db, config, settings, first, last), "export"),
            "review ledger export of the month, csv": lambda: exports.to_csv(
                exports.reviews_table(db, config, first, last)),
        }
        base = None
        print(f"{'what':<55} {'median ms':>10} {'x baseline':>11}")
        for name, fn in cases.items():
            ms = median_ms(fn)
            base = base or ms
            print(f"{name:<55} {ms:>10.1f} {ms / base:>11.1f}")
        db.close()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
