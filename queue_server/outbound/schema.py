"""The outbound area's table: the outbox, every message the hall sends out, kept after delivery for the admin page.

``seq`` is the outbox's own order (``AUTOINCREMENT``: never reused, even after old rows are purged, so an ordered
channel's sequence only rises); ``id`` is the stable delivery id (uuid4) sent with every attempt. A message is
``pending`` until a channel delivers it (``delivered``) or gives up on it (``dead``: refused, or ``max_attempts``
failures); an admin may put a dead one back to ``pending`` (``retried_at``, ``retried_by``) or give it up
(``discarded``, with ``discarded_at``, ``discarded_by`` and ``discard_reason``). Delivered and discarded messages are
deleted ``[outbound] keep_delivered_days`` after they were finished (:func:`queue_server.outbound.outbox.purge`).
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from queue_server.outbound import city_capture

migrations = Migrations("govhall.outbound")

#: what a message can be; the worker picks ``pending`` ones
STATES = ("pending", "delivered", "dead", "discarded")


@migrations(name="m001_outbox")
def m001_outbox(db: Database) -> None:
    db.execute("""
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            delivered_at TEXT,
            retried_at TEXT,
            retried_by TEXT
        )""")
    # the worker's pick: an unordered channel's due messages (by time), an ordered channel's next one (by seq);
    # partial, so the delivered history a hall keeps does not grow them
    db.execute("CREATE INDEX outbox_pending_due ON outbox (channel, next_attempt_at, seq) WHERE state = 'pending'")
    db.execute("CREATE INDEX outbox_pending_seq ON outbox (channel, seq) WHERE state = 'pending'")
    # the admin page: counts per channel and state, the newest messages of one state
    db.execute("CREATE INDEX outbox_channel_state ON outbox (channel, state, seq)")
    db.execute("CREATE INDEX outbox_state ON outbox (state, seq)")


@migrations(name="m002_city_changes")
def m002_city_changes(db: Database) -> None:
    # the city channel's change capture (off until a server with [city] starts): see outbound/city_capture.py
    city_capture.create(db)


_INDEXES = (
    "CREATE INDEX outbox_pending_due ON outbox (channel, next_attempt_at, seq) WHERE state = 'pending'",
    "CREATE INDEX outbox_pending_seq ON outbox (channel, seq) WHERE state = 'pending'",
    "CREATE INDEX outbox_channel_state ON outbox (channel, state, seq)",
    "CREATE INDEX outbox_state ON outbox (state, seq)",
    # the retention purge: the oldest delivered messages first
    "CREATE INDEX outbox_delivered_at ON outbox (delivered_at) WHERE state = 'delivered'",
)


@migrations(name="m003_outbox_discard")
def m003_outbox_discard(db: Database) -> None:
    """The ``discarded`` state (an admin gave a dead message up, with who, when and why) and the purge's index.

    SQLite cannot change a CHECK constraint in place: the table is rebuilt, rows and ``seq`` kept as they are, and
    the AUTOINCREMENT counter carried over so a purged ``seq`` is never handed out again."""
    counter = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
    db.execute("""
        CREATE TABLE outbox_new (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'delivered', 'dead', 'discarded')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            delivered_at TEXT,
            retried_at TEXT,
            retried_by TEXT,
            discarded_at TEXT,
            discarded_by TEXT,
            discard_reason TEXT
        )""")
    columns = ("seq, id, channel, kind, payload, created_at, state, attempts, next_attempt_at, last_error, "
               "delivered_at, retried_at, retried_by")
    db.execute(f"INSERT INTO outbox_new ({columns}) SELECT {columns} FROM outbox")
    db.execute("DROP TABLE outbox")
    db.execute("ALTER TABLE outbox_new RENAME TO outbox")
    if counter is not None:
        db.execute("DELETE FROM sqlite_sequence WHERE name = 'outbox'")
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)", [counter[0]])
    for statement in _INDEXES:
        db.execute(statement)


@migrations(name="m004_city_more_kinds")
def m004_city_more_kinds(db: Database) -> None:
    # training sessions, consultations and questionnaire answers go to the city too (its bulletin reports them)
    city_capture.add_triggers(db, ("training", "consultation", "survey_answer"))
