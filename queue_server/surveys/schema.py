"""The questionnaire answers' table, as sqlite-utils migrations: one row per ticket and questionnaire, with the
window and unit that served the ticket (so results are per window and unit) and the answers as JSON."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.surveys")


@migrations(name="m001_survey_answers")
def m001_survey_answers(db: Database) -> None:
    db["survey_answers"].create({
        "id": int, "survey": str, "ticket_id": int, "ticket_number": str, "business_day": str, "window": int,
        "service": str, "department": str, "answers": str, "answered_at": str,
    }, pk="id", not_null={"survey", "ticket_id", "business_day", "answers", "answered_at"})
    # one answer per ticket and questionnaire: a second submission is refused, never merged
    db["survey_answers"].create_index(["survey", "ticket_id"], unique=True)
    db["survey_answers"].create_index(["survey", "business_day"])
