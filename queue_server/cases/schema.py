"""The promised-time cases table, as sqlite-utils migrations: one row per case, each step's time and who took it
(the case's own log of steps is ``case_steps``)."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.cases")


@migrations(name="m001_promised_cases")
def m001_promised_cases(db: Database) -> None:
    db["promised_cases"].create({
        "id": int, "ticket_id": int, "ticket_number": str, "business_day": str, "window": int, "service": str,
        "department": str, "guide_code": str, "guide_name": str, "promised_days": int, "applicant": str,
        "state": str, "accepted_at": str, "accepted_by": str, "deadline": str, "approved_at": str,
        "approved_by": str, "issued_at": str, "issued_by": str,
    }, pk="id", not_null={"business_day", "service", "guide_code", "guide_name", "promised_days", "state",
                          "accepted_at", "accepted_by", "deadline"})
    db["promised_cases"].create_index(["state", "deadline"])
    db["promised_cases"].create_index(["business_day"])
    db["case_steps"].create({"id": int, "case_id": int, "step": str, "actor": str, "note": str, "at": str},
                            pk="id", foreign_keys=[("case_id", "promised_cases", "id")],
                            not_null={"case_id", "step", "actor", "at"})


@migrations(name="m002_cases_by_ticket")
def m002_cases_by_ticket(db: Database) -> None:
    # every 好差评 push and review looks up whether its ticket became a case (core/case_refs.py)
    db["promised_cases"].create_index(["ticket_id"])
