"""What the city reads: the halls of a day, the live board, KPIs and rankings across halls and across every hall's
units, one hall's drill-down. Ticket and review figures come from the daily rollups (``daily_units``,
``daily_waits``); cases, complaints, promised-time cases and practices are few and read from their tables, since
their on-time rates depend on the moment they are judged at.

The figures mean what the hall's ``GET /api/kpis`` means (see :mod:`queue_server.reviews.kpis`), with one
difference: the 90th percentile of waits is taken from whole-minute counts, and given as the upper edge of its
minute (the hall's own figure lies in the minute below it).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from queue_server.reviews import ranking
from queue_server.reviews.kpis import rounded

SUMS = ("tickets", "served", "no_shows", "called", "wait_sum", "over_20", "reviews", "good", "bad",
        "rated_served", "active_rated")
#: how each grouping keys its rows: the whole city, each hall, each hall's unit
GROUPS = {"city": [], "hall": ["hall"], "unit": ["hall", "department"]}

_CASES = """SELECT {keys} count(*) AS rectification_cases,
    count(*) FILTER (WHERE called_back_at IS NOT NULL OR callback_due < $4) AS callback_counted,
    count(*) FILTER (WHERE called_back_at <= callback_due) AS callback_in_time,
    count(*) FILTER (WHERE rectified_at IS NOT NULL OR rectify_due < $4) AS rectify_counted,
    count(*) FILTER (WHERE rectified_at <= rectify_due) AS rectify_in_time,
    count(verdict) AS verdicts, count(*) FILTER (WHERE verdict = 'satisfied') AS satisfied
    FROM rectifications WHERE business_day BETWEEN $1 AND $2 AND state <> 'voided' {hall} {group}"""
_COMPLAINTS = """SELECT {keys} count(*) AS complaints,
    count(*) FILTER (WHERE resolved_at IS NOT NULL OR due_at < $4) AS complaints_counted,
    count(*) FILTER (WHERE resolved_at <= due_at) AS complaints_in_time
    FROM complaints WHERE business_day BETWEEN $1 AND $2 {hall} {group}"""
_PROMISED = """SELECT {keys} count(*) AS promised_cases,
    count(*) FILTER (WHERE issued_at IS NOT NULL OR (state <> 'issued' AND deadline < $4)) AS cases_counted,
    count(*) FILTER (WHERE issued_at <= deadline) AS cases_in_time
    FROM promised_cases WHERE business_day BETWEEN $1 AND $2 {hall} {group}"""
_PRACTICES = """SELECT {keys} coalesce(sum(count), 0) AS practices
    FROM practices WHERE business_day BETWEEN $1 AND $2 {hall} {group}"""
_UNITS = "SELECT {keys} " + ", ".join(f"sum({c}) AS {c}" for c in SUMS) + """
    FROM daily_units WHERE business_day BETWEEN $1 AND $2 {hall} {group}"""


def _rate(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


def figures(s: Mapping[str, Any]) -> dict[str, Any]:
    """The KPI figures of one group's sums (keys as the hall's ``/api/kpis`` where they are the same figure)."""
    g = {k: (s.get(k) or 0) for k in (*SUMS, "rectification_cases", "callback_counted", "callback_in_time",
                                       "rectify_counted", "rectify_in_time", "verdicts", "satisfied", "complaints",
                                       "complaints_counted", "complaints_in_time", "promised_cases",
                                       "cases_counted", "cases_in_time", "practices")}
    return {
        "tickets": int(g["tickets"]), "served": int(g["served"]), "no_shows": int(g["no_shows"]),
        "mean_wait_min": _rate(g["wait_sum"], g["called"]),
        "share_over_20_min": _rate(g["over_20"], g["called"]),
        "reviews": int(g["reviews"]),
        "good_rate": _rate(g["good"], g["reviews"]), "bad_rate": _rate(g["bad"], g["reviews"]),
        "active_review_rate": _rate(g["active_rated"], g["served"]),
        "unrated_rate": _rate(g["served"] - g["rated_served"], g["served"]),
        "rectification_cases": int(g["rectification_cases"]),
        "callback_on_time_rate": _rate(g["callback_in_time"], g["callback_counted"]),
        "on_time_rectification_rate": _rate(g["rectify_in_time"], g["rectify_counted"]),
        "rectification_satisfaction_rate": _rate(g["satisfied"], g["verdicts"]),
        "complaints": int(g["complaints"]),
        "complaints_on_time_rate": _rate(g["complaints_in_time"], g["complaints_counted"]),
        "promised_cases": int(g["promised_cases"]),
        "case_on_time_rate": _rate(g["cases_in_time"], g["cases_counted"]),
        "practices": int(g["practices"]),
    }


def p90_from_minutes(counts: list[tuple[int, int]]) -> float | None:
    """Nearest-rank 90th percentile of waits counted per whole minute: the upper edge of the minute it falls in."""
    total = sum(n for _, n in counts)
    if not total:
        return None
    rank, seen = math.ceil(0.9 * total), 0
    for minute, n in sorted(counts):
        seen += n
        if seen >= rank:
            return float(minute + 1)
    return None  # unreachable: seen reaches total


async def grouped(conn: asyncpg.Connection, day_from: date, day_to: date, now: datetime, by: str,
                  hall: str | None = None) -> dict[tuple, dict[str, Any]]:
    """Each group's summed figures (``by``: ``city``, ``hall`` or ``unit``), keyed by the group's key tuple."""
    keys = GROUPS[by]
    select = "".join(f"{k}, " for k in keys)
    group = f"GROUP BY {', '.join(keys)}" if keys else ""
    out: dict[tuple, dict[str, Any]] = {}
    for sql in (_UNITS, _CASES, _COMPLAINTS, _PROMISED, _PRACTICES):
        # $1, $2 the days, $3 the hall (NULL: every hall), $4 the moment deadlines are judged at (where used)
        args = [day_from, day_to, hall, *([now] if "$4" in sql else [])]
        text = sql.format(keys=select, hall="AND ($3::text IS NULL OR hall = $3)", group=group)
        for row in await conn.fetch(text, *args):
            key = tuple(row[k] for k in keys)
            out.setdefault(key, {}).update({k: v for k, v in row.items() if k not in keys and v is not None})
    return out


async def p90(conn: asyncpg.Connection, day_from: date, day_to: date, hall: str | None = None) -> float | None:
    rows = await conn.fetch("SELECT minute, sum(n) FROM daily_waits WHERE business_day BETWEEN $1 AND $2 "
                            + ("AND hall = $3 " if hall else "") + "GROUP BY minute",
                            *([day_from, day_to] + ([hall] if hall else [])))
    return p90_from_minutes([(r[0], r[1]) for r in rows])


async def kpis(conn: asyncpg.Connection, day_from: date, day_to: date, now: datetime,
               hall: str | None = None) -> dict[str, Any]:
    """The city's (or one hall's) KPIs over the business days [day_from, day_to]."""
    sums = (await grouped(conn, day_from, day_to, now, "city", hall)).get((), {})
    return rounded({**figures(sums), "p90_wait_min": await p90(conn, day_from, day_to, hall)})


async def hall_names(conn: asyncpg.Connection) -> dict[str, dict[str, Any]]:
    return {r["code"]: {"name": r["name"], "units": r["units"]} for r in await conn.fetch(
        "SELECT code, name, units FROM halls ORDER BY code")}


def unit_name(units: Mapping[str, str], code: str) -> str:
    """A hall's unit as its heartbeat named it (the code when it never did)."""
    return (units or {}).get(code) or code or "未分单位"


async def rankings(conn: asyncpg.Connection, day_from: date, day_to: date, now: datetime, by: str,
                   hall: str | None = None, weights: Mapping[str, float] = ranking.DEFAULT_WEIGHTS
                   ) -> list[dict[str, Any]]:
    """Every hall (``by="hall"``) or every hall's unit (``by="unit"``) with its figures, ranked by the hall's own
    rule: weighted rates, equal scores 并列, no served ticket → 无数据 and not ranked. A registered hall that
    sent nothing for the span is listed as 无数据 too."""
    halls = await hall_names(conn)
    groups = await grouped(conn, day_from, day_to, now, by, hall)
    if by == "hall":
        for code in halls if hall is None else [hall]:
            groups.setdefault((code,), {})
    rows = []
    for key, sums in groups.items():
        info = halls.get(key[0], {"name": key[0], "units": {}})
        name = info["name"] if by == "hall" else f"{info['name']} · {unit_name(info['units'], key[1])}"
        rows.append({"key": "/".join(key), "hall": key[0], "name": name, **figures(sums)})
    return [rounded(r) for r in ranking.rank_rows(rows, weights)]


async def halls_on(conn: asyncpg.Connection, day: date) -> list[dict[str, Any]]:
    """``GET /api/city/halls``: each hall's tickets, served and still waiting on ``day``, and its last contact."""
    rows = await conn.fetch("""
        SELECT h.code, h.name, h.last_contact, coalesce(d.tickets, 0) AS tickets, coalesce(d.served, 0) AS served,
               coalesce(w.waiting, 0) AS waiting
        FROM halls h
        LEFT JOIN (SELECT hall, sum(tickets) AS tickets, sum(served) AS served FROM daily_units
                   WHERE business_day = $1 GROUP BY hall) d ON d.hall = h.code
        LEFT JOIN (SELECT hall, count(*) AS waiting FROM tickets WHERE business_day = $1 AND status = 'waiting'
                   GROUP BY hall) w ON w.hall = h.code
        ORDER BY h.code""", day)
    return [{"code": r["code"], "name": r["name"], "tickets": int(r["tickets"]), "served": int(r["served"]),
             "waiting": int(r["waiting"]), "last_contact": _iso(r["last_contact"])} for r in rows]


async def board(conn: asyncpg.Connection, today: date, now: datetime, stale_after: timedelta
                ) -> list[dict[str, Any]]:
    """The live board: each hall's last heartbeat (waiting, longest wait, tidal windows open, devices down), its
    day so far from the rollups, and whether it has been silent longer than ``stale_after`` (失联)."""
    rows = await conn.fetch("""
        SELECT h.code, h.name, h.last_contact, h.live, coalesce(d.tickets, 0) AS tickets,
               coalesce(d.served, 0) AS served
        FROM halls h LEFT JOIN (SELECT hall, sum(tickets) AS tickets, sum(served) AS served FROM daily_units
                                WHERE business_day = $1 GROUP BY hall) d ON d.hall = h.code
        ORDER BY h.code""", today)
    out = []
    for r in rows:
        live = r["live"] or {}
        contact = r["last_contact"]
        out.append({"code": r["code"], "name": r["name"], "tickets": int(r["tickets"]), "served": int(r["served"]),
                    "waiting": live.get("waiting"), "longest_wait_min": live.get("longest_wait_min"),
                    "tidal_open": live.get("tidal_open"), "devices_down": live.get("devices_down"),
                    "last_contact": _iso(contact), "stale": contact is None or now - contact > stale_after})
    return out


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")
