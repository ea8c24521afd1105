"""The consented phones' table, as sqlite-utils migrations: one row per ticket, deleted after the retention."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.phones")


@migrations(name="m001_citizen_phones")
def m001_citizen_phones(db: Database) -> None:
    # ahead_sent: the count the "前面还有 N 位" SMS gave, or -1 when none is due any more (the citizen saw the
    # count at the kiosk, or was called first); null while one may still be due
    db["citizen_phones"].create({
        "ticket_id": int, "phone": str, "business_day": str, "consented_at": str, "source": str,
        "ahead_sent": int, "review_link_at": str,
    }, pk="ticket_id", not_null={"phone", "business_day", "consented_at", "source"})
    db["citizen_phones"].create_index(["consented_at"])  # the retention purge
    # the reminders' candidates: the newest day's rows still waiting for their ahead reminder (a small set)
    db.execute("create index citizen_phones_ahead_due on citizen_phones (business_day) where ahead_sent is null")
    db.execute("create index citizen_phones_review_due on citizen_phones (business_day) where review_link_at is null")
