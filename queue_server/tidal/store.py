"""Reading and writing the tidal area's tables (see ``schema`` for what each holds)."""
from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database

from queue_server.core.clock import from_iso, to_iso
from queue_server.policy.tidal_state import Opening


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
