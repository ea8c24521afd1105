"""Tables of the tidal area, as sqlite-utils migrations (the queries are in ``store``): open tidal windows, the
audit log, and services blocked from automatic opening.

``tidal_openings`` holds every opening ever made (a closed one keeps ``closed_at``); the rows without
``closed_at`` are the policy's memory between runs (``below_since``, acknowledgement, escalation). ``tidal_log`` is
the audit trail: every open, close, acknowledgement and escalation with who, why and the figures that triggered
it. ``day_plans`` keeps each business day's support plan (每日兼办), so a restart on the same day does not plan
again. Rows are only ever added or closed, never deleted.
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

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
