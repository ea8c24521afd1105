"""Receiving a hall's batch: in one transaction, drop what was already received (the hall's sequence is at or
below the hall's high-water mark), keep each row's newest state, note the heartbeat, and note the (hall, day)s
whose daily rollups are now stale. :func:`refresh_rollups` rebuilds those, apart from the ingest: every few
seconds, and before any report reads them.

Why apart: the outbox sends one record per request, and rebuilding a hall's day (its ~1,500 tickets) for each
record made the day's last records the dearest; rebuilt every few seconds, a day is rebuilt once for all the
records that arrived meanwhile.

Idempotent by construction: a record whose sequence was already received changes nothing, and the rows are keyed by
the hall's own ids (a record is a row's whole state, never a delta), so a batch sent twice after a lost answer, or
a hall shipping everything again, is counted once.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from queue_server.city.records import KINDS
from queue_server.reviews.levels import BAD_LEVELS, GOOD_LEVELS


def _columns(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields["data"].annotation.model_fields)


def _upsert(table: str, columns: list[str]) -> str:
    names = ["hall", "seq", *columns]
    quoted = [f'"{c}"' for c in names]
    updates = ", ".join(f"{q} = excluded.{q}" for q in quoted[1:] if q != '"id"')
    values = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    # the last state delivered wins: the hall sends in order and the high-water mark drops replays, so it is the
    # newest (and after a hall restored from a replica rejoins, the restored hall's state is the one to keep)
    return (f"INSERT INTO {table} ({', '.join(quoted)}) VALUES ({values}) "
            f"ON CONFLICT (hall, id) DO UPDATE SET {updates}")


#: kind → (table, data columns, upsert statement)
_TABLES = {kind: (table, _columns(model), _upsert(table, _columns(model)))
           for kind, (model, table) in KINDS.items() if table is not None}

_GOOD = "('" + "','".join(sorted(GOOD_LEVELS)) + "')"
_BAD = "('" + "','".join(sorted(BAD_LEVELS)) + "')"
# One pass per source, summed per (hall, day, unit): tickets by their unit, valid reviews by theirs, and the
# reviews of served tickets by the ticket's unit (what 主动评价率 and 未评价率 divide by served tickets).
_UNITS_TEMPLATE = f"""
INSERT INTO daily_units
SELECT hall, business_day, department, sum(tickets), sum(served), sum(no_shows), sum(called), sum(wait_sum),
       sum(over_20), sum(reviews), sum(good), sum(bad), sum(rated_served), sum(active_rated)
FROM (
    SELECT hall, business_day, department, count(*) AS tickets,
           count(*) FILTER (WHERE status = 'finished') AS served,
           count(*) FILTER (WHERE skipped AND status <> 'finished') AS no_shows,
           count(wait_min) AS called, coalesce(sum(wait_min), 0) AS wait_sum,
           count(*) FILTER (WHERE wait_min > 20) AS over_20,
           0 AS reviews, 0 AS good, 0 AS bad, 0 AS rated_served, 0 AS active_rated
    FROM tickets WHERE {{scope}} GROUP BY 1, 2, 3
    UNION ALL
    SELECT hall, business_day, department, 0, 0, 0, 0, 0, 0, count(*),
           count(*) FILTER (WHERE level IN {_GOOD}), count(*) FILTER (WHERE level IN {_BAD}), 0, 0
    FROM reviews WHERE {{scope}} AND NOT voided GROUP BY 1, 2, 3
    UNION ALL
    SELECT t.hall, t.business_day, t.department, 0, 0, 0, 0, 0, 0, 0, 0, 0, count(*),
           count(*) FILTER (WHERE NOT r.invited)
    FROM reviews r JOIN tickets t ON t.hall = r.hall AND t.id = r.ticket_id
    WHERE {{review_scope}} AND t.status = 'finished' GROUP BY 1, 2, 3
) parts GROUP BY 1, 2, 3
"""
_WAITS_TEMPLATE = """
INSERT INTO daily_waits
SELECT hall, business_day, floor(wait_min)::integer, count(*) FROM tickets
WHERE {scope} AND wait_min IS NOT NULL GROUP BY 1, 2, 3
"""


def rollup_statements(scope: str = "hall = $1 AND business_day = ANY($2::date[])") -> tuple[str, str]:
    """The two rollups' INSERT … SELECT over the rows ``scope`` selects (by default one hall's days; the
    benchmark builds a whole generated year with ``"true"``)."""
    review_scope = scope.replace("hall", "r.hall").replace("business_day", "r.business_day")
    return (_UNITS_TEMPLATE.format(scope=scope, review_scope=review_scope), _WAITS_TEMPLATE.format(scope=scope))


_REFRESH_UNITS, _REFRESH_WAITS = rollup_statements()


def _row(hall: str, seq: int, columns: list[str], data: BaseModel) -> list[Any]:
    values = []
    for name in columns:
        value = getattr(data, name)
        if name == "business_day":
            value = date.fromisoformat(value)
        elif name == "department" and value is None:
            value = ""
        values.append(value)
    return [hall, seq, *values]


async def ingest(conn: asyncpg.Connection, hall: str, records: list[BaseModel], now: datetime) -> dict[str, int]:
    """Store one batch of ``hall``'s records; answers how many were new, how many already received, and the
    hall's high-water mark after it (the hall may drop everything up to it)."""
    async with conn.transaction():
        # the row lock orders two deliveries of the same hall (a retry racing a slow first attempt)
        last = await conn.fetchval("SELECT last_seq FROM halls WHERE code = $1 FOR UPDATE", hall)
        newest: dict[tuple[str, int], BaseModel] = {}
        heartbeat = None
        seen: set[int] = set()
        for record in sorted(records, key=lambda r: r.seq):
            if record.seq <= last or record.seq in seen:
                continue
            seen.add(record.seq)
            if record.kind == "heartbeat":
                heartbeat = record
            else:
                newest[(record.kind, record.data.id)] = record  # a later state of the same row wins
        rows: dict[str, list[list[Any]]] = {}
        days: set[date] = set()
        for (kind, _), record in newest.items():
            _, columns, _ = _TABLES[kind]
            rows.setdefault(kind, []).append(_row(hall, record.seq, columns, record.data))
            if kind in ("ticket", "review"):
                days.add(date.fromisoformat(record.data.business_day))
        for kind, batch in rows.items():
            await conn.executemany(_TABLES[kind][2], batch)
        if days:
            await conn.executemany("INSERT INTO rollup_dirty VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                    [(hall, day) for day in sorted(days)])
        if heartbeat is not None:
            live = heartbeat.data.model_dump(mode="json", exclude={"units", "surveys"})
            surveys = {code: q.model_dump(mode="json") for code, q in heartbeat.data.surveys.items()}
            # merged: a questionnaire the hall dropped from its file keeps its title for the quarters it was answered
            await conn.execute("UPDATE halls SET live = $2, units = units || $3, surveys = surveys || $4 "
                               "WHERE code = $1", hall, live, heartbeat.data.units, surveys)
        high = max(seen, default=last)
        await conn.execute("UPDATE halls SET last_seq = $2, last_contact = $3 WHERE code = $1", hall, high, now)
    return {"accepted": len(seen), "duplicates": len(records) - len(seen), "last_seq": high}


#: one rebuild at a time (the background job and a report may both find stale days)
_REFRESH_LOCK = 0x60E4A12


async def refresh_rollups(conn: asyncpg.Connection) -> int:
    """Rebuild every stale (hall, day) in one transaction; how many. Cheap when none is stale."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _REFRESH_LOCK)
        stale = await conn.fetch("DELETE FROM rollup_dirty RETURNING hall, business_day")
        by_hall: dict[str, list[date]] = {}
        for row in stale:
            by_hall.setdefault(row["hall"], []).append(row["business_day"])
        for hall, days in sorted(by_hall.items()):
            await _refresh(conn, hall, sorted(days))
    return len(stale)


async def _refresh(conn: asyncpg.Connection, hall: str, days: list[date]) -> None:
    """Rebuild the rollups of ``hall`` on ``days`` from its rows (a few thousand rows a day, on an index)."""
    await conn.execute("DELETE FROM daily_units WHERE hall = $1 AND business_day = ANY($2::date[])", hall, days)
    await conn.execute(_REFRESH_UNITS, hall, days)
    await conn.execute("DELETE FROM daily_waits WHERE hall = $1 AND business_day = ANY($2::date[])", hall, days)
    await conn.execute(_REFRESH_WAITS, hall, days)
