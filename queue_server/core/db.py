"""Opening the hall's SQLite file and writing to it durably.

The server is one asyncio process: every write runs synchronously inside :func:`write_transaction` on the event
loop, so writes never interleave and a transaction never spans an ``await``. ``synchronous=FULL`` in WAL mode means
a committed transaction survives a power cut, which is what lets an answer acknowledge a write.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database


def connect(path: Path | str) -> Database:
    """Open (creating if needed) the hall's SQLite file with durable settings; no migrations.

    The composition root's :func:`queue_server.app.open_database` adds every area's migrations on top.

    :param path: the SQLite file; its folder is created if missing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    return Database(conn)


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One ``BEGIN IMMEDIATE`` … ``COMMIT`` block; rolled back on any exception.

    Nested use joins the outer transaction (through a savepoint), so helpers can be composed.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
