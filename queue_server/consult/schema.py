"""The consultation register's table, as sqlite-utils migrations: one row per question the desk answered."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.consult")


@migrations(name="m001_consultations")
def m001_consultations(db: Database) -> None:
    db["consultations"].create({
        "id": int, "business_day": str, "asked_at": str, "service": str, "department": str, "question": str,
        "answer": str, "outcome": str, "to_window": int, "desk_window": int, "staff_no": str, "recorded_by": str,
    }, pk="id", not_null={"business_day", "asked_at", "service", "question", "outcome", "recorded_by"})
    db["consultations"].create_index(["business_day"])
    db["consultations"].create_index(["service", "outcome"])
