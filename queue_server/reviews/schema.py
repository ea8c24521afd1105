"""The reviews area's tables, as the migration set ``govhall.reviews``.

Records are never deleted: a voided review keeps its row with the reason and approver, and every action on a
case lands in ``case_log``. Times are UTC ISO 8601 text, like the core's tables.
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.reviews")


@migrations(name="m001_reviews_and_ledgers")
def m001_reviews_and_ledgers(db: Database) -> None:
    """Reviews, rectification cases, complaints, enterprises and their follow-ups, invitations, flags, the log."""
    for statement in _M001.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations(name="m002_review_case_refs")
def m002_review_case_refs(db: Database) -> None:
    """What the provincial push and the exports file a review under, fixed when it is taken: the 办件编号 and the
    事项编码 (a later promised-time case or catalogue change must not alter what was rated). Older reviews keep
    NULL: the exports derive their number as before."""
    db["reviews"].add_column("case_no", str)
    db["reviews"].add_column("item_code", str)


# executescript() would COMMIT the migration's transaction half-way, so statements run one by one.
_M001 = """
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL UNIQUE,
            ticket_number TEXT NOT NULL,
            business_day TEXT NOT NULL,
            service TEXT,
            department TEXT,
            window INTEGER,
            staff_no TEXT,
            staff_name TEXT,
            level TEXT NOT NULL,
            reasons TEXT NOT NULL DEFAULT '[]',
            comment TEXT NOT NULL DEFAULT '',
            channel TEXT NOT NULL,
            rater TEXT NOT NULL DEFAULT '',
            invited INTEGER NOT NULL DEFAULT 0,
            entered_by TEXT,
            device TEXT,
            flagged INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            voided_at TEXT,
            void_reason TEXT,
            void_approver TEXT,
            voided_by TEXT
        );
        CREATE INDEX reviews_day ON reviews (business_day);
        CREATE TABLE rectifications (
            id INTEGER PRIMARY KEY,
            review_id INTEGER NOT NULL UNIQUE REFERENCES reviews(id),
            ticket_id INTEGER NOT NULL,
            ticket_number TEXT NOT NULL,
            business_day TEXT NOT NULL,
            service TEXT,
            department TEXT,
            window INTEGER,
            staff_no TEXT,
            level TEXT NOT NULL,
            state TEXT NOT NULL,
            responsible TEXT,
            opened_at TEXT NOT NULL,
            callback_due TEXT NOT NULL,
            rectify_due TEXT NOT NULL,
            called_back_at TEXT,
            callback_note TEXT,
            rectifying_at TEXT,
            measures TEXT,
            rectified_at TEXT,
            verdict TEXT,
            verdict_at TEXT,
            verdict_note TEXT,
            voided_at TEXT
        );
        CREATE TABLE complaints (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            received_at TEXT NOT NULL,
            business_day TEXT NOT NULL,
            channel TEXT NOT NULL,
            complainant TEXT NOT NULL,
            phone TEXT NOT NULL DEFAULT '',
            content TEXT NOT NULL,
            service TEXT,
            department TEXT,
            window INTEGER,
            ticket_number TEXT,
            responsible TEXT NOT NULL,
            due_at TEXT NOT NULL,
            state TEXT NOT NULL,
            answer TEXT,
            handling_at TEXT,
            resolved_at TEXT,
            confirmed_at TEXT,
            confirmation TEXT,
            created_by TEXT
        );
        CREATE TABLE enterprises (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            credit_code TEXT NOT NULL UNIQUE,
            category TEXT NOT NULL,
            contact TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            service TEXT,
            served_on TEXT NOT NULL,
            ticket_number TEXT,
            created_at TEXT NOT NULL,
            created_by TEXT
        );
        CREATE TABLE followups (
            id INTEGER PRIMARY KEY,
            enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
            called_at TEXT NOT NULL,
            caller TEXT NOT NULL,
            reached INTEGER NOT NULL,
            conduct TEXT,
            experience TEXT,
            satisfaction TEXT,
            notes TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE followup_samples (
            id INTEGER PRIMARY KEY,
            followup_id INTEGER NOT NULL REFERENCES followups(id),
            sampled_at TEXT NOT NULL,
            sampled_by TEXT NOT NULL,
            consistent INTEGER NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE review_invitations (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL,
            method TEXT NOT NULL,
            outcome TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            invited_by TEXT,
            at TEXT NOT NULL
        );
        CREATE TABLE review_flags (
            id INTEGER PRIMARY KEY,
            device TEXT NOT NULL,
            reason TEXT NOT NULL,
            ticket_token_tail TEXT,
            at TEXT NOT NULL
        );
        CREATE TABLE case_log (
            id INTEGER PRIMARY KEY,
            ledger TEXT NOT NULL,
            record_id INTEGER NOT NULL,
            action TEXT NOT NULL,
            actor TEXT,
            note TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        );
        CREATE INDEX case_log_record ON case_log (ledger, record_id);
"""
