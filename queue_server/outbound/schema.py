"""The outbound area's table: the outbox, every message the hall sends out, kept after delivery for the admin page.

``seq`` is the outbox's own order (``AUTOINCREMENT``: never reused, even after old rows are purged, so an ordered
channel's sequence only rises); ``id`` is the stable delivery id (uuid4) sent with every attempt. A message is
``pending`` until a channel delivers it (``delivered``) or gives up on it (``dead``: refused, or ``max_attempts``
failures); an admin may put a dead one back to ``pending`` (``retried_at``, ``retried_by``).
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from queue_server.outbound import city_capture

migrations = Migrations("govhall.outbound")

#: what a message can be; the worker picks ``pending`` ones
STATES = ("pending", "delivered", "dead")


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
