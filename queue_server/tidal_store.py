"""Tables of the tidal area: open tidal windows, the audit log, and services blocked from automatic opening.

``tidal_openings`` holds every opening ever made (a closed one keeps ``closed_at``); the rows without
``closed_at`` are the policy's memory between runs (``below_since``, acknowledgement, escalation). ``tidal_log`` is
the audit trail: every open, close, acknowledgement and escalation with who, why and the figures that triggered
it. ``day_plans`` keeps each business day's support plan (每日兼办), so a restart on the same day does not plan
again. Rows are only ever added or closed, never deleted.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from queue_server.clock import from_iso, to_iso
from queue_server.policy.tidal import Opening

migrations = Migrations("govhall.tidal")


@migrations(name="m001_tidal_tables")
def m001_tidal_tables(db: Database) -> None:
    db["tidal_openings"].create({
        "id": int, "service": str, "window": int, "opened_at": str, "opened_by": str, "manual": int,
        "reason": str, "figures": str, "acknowledged_at": str, "acknowledged_by": str, "escalated_at": str,
        "below_since": str, "closed_at": str, "closed_by": str, "close_reason": str,
    }, pk="id", not_null={"service", "window", "opened_at", "opened_by", "manual"}, defaults={"manual": 0})
    db["tidal_openings"].create_index(["closed_at"])
    db["tidal_log"].create({
        "id": int, "at": str, "action": str, "service": str, "window": int, "actor": str, "reason": str, "data": str,
    }, pk="id", not_null={"at", "action", "actor"})
    db["tidal_log"].create_index(["at"])
    db["tidal_blocks"].create({"service": str, "until": str, "actor": str}, pk="service")


@migrations(name="m002_day_plans")
def m002_day_plans(db: Database) -> None:
    # the day's support plan (每日兼办), one row per planned window; a day with no row for it is not planned yet
    db["day_plans"].create({"day": str, "window": int, "service": str, "work_min": float, "at": str},
                           pk=("day", "window"), not_null={"day", "window", "service", "at"})


def record_day_plan(db: Database, day: str, at: datetime, plan: dict[int, str], work_min: dict[str, float]) -> None:
    """Store the plan of ``day``, one row per planned window (a plan that planned nobody leaves no row: making it
    again after a restart changes nothing)."""
    db["day_plans"].insert_all([
        {"day": day, "window": window, "service": service, "work_min": round(work_min.get(service, 0.0), 1),
         "at": to_iso(at)} for window, service in sorted(plan.items())
    ])


def day_plan_rows(db: Database, day: str) -> list[dict]:
    """The plan of business day ``day``, by window number."""
    return list(db.query("select * from day_plans where day = ? order by window", [day]))


def open_rows(db: Database) -> list[dict]:
    """The openings not closed yet, oldest first."""
    return list(db.query("select * from tidal_openings where closed_at is null order by id"))


def as_opening(row: dict) -> Opening:
    """A stored row as the policy's :class:`Opening`."""
    return Opening(
        row["service"], row["window"], from_iso(row["opened_at"]), bool(row["manual"]),
        from_iso(row["acknowledged_at"]), from_iso(row["escalated_at"]), from_iso(row["below_since"]),
    )


def insert_opening(db: Database, service: str, window: int, at: datetime, actor: str, manual: bool, reason: str,
                   figures: dict) -> int:
    """Record a new opening; returns its id."""
    table = db["tidal_openings"]
    table.insert({
        "service": service, "window": window, "opened_at": to_iso(at), "opened_by": actor, "manual": int(manual),
        "reason": reason, "figures": json.dumps(figures, ensure_ascii=False),
    })
    return int(table.last_pk)


def log(db: Database, at: datetime, action: str, service: str | None, window: int | None, actor: str, reason: str,
        data: dict | None = None) -> None:
    """Append one audit entry."""
    db["tidal_log"].insert({
        "at": to_iso(at), "action": action, "service": service, "window": window, "actor": actor, "reason": reason,
        "data": json.dumps(data or {}, ensure_ascii=False),
    })


def blocked_services(db: Database, now: datetime) -> frozenset[str]:
    """Services a manager closed by hand recently: the policy leaves them alone until their block ends."""
    return frozenset(r["service"] for r in db.query("select service from tidal_blocks where until > ?", [to_iso(now)]))


def block(db: Database, service: str, until: datetime, actor: str) -> None:
    """Keep the policy from reopening ``service`` before ``until``."""
    db["tidal_blocks"].upsert({"service": service, "until": to_iso(until), "actor": actor}, pk="service")
