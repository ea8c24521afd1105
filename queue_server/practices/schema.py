"""The practice register's table, as sqlite-utils migrations: one row per recorded practice, with the ticket and
counter it belongs to and what the kind needs (the missing material and its dates, a count, a hand-over)."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.practices")


@migrations(name="m001_practice_register")
def m001_practice_register(db: Database) -> None:
    db["practice_records"].create({
        "id": int, "kind": str, "ticket_id": int, "ticket_number": str, "business_day": str, "window": int,
        "staff_no": str, "service": str, "department": str, "count": int, "material": str, "promised_on": str,
        "arrived_at": str, "handed_to": str, "note": str, "recorded_at": str, "recorded_by": str,
    }, pk="id", not_null={"kind", "business_day", "count", "recorded_at", "recorded_by"}, defaults={"count": 1})
    db["practice_records"].create_index(["business_day"])
    db["practice_records"].create_index(["kind", "arrived_at"])
