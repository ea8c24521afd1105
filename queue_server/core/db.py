"""Opening the hall's SQLite file and writing to it durably.

In the server every write is an operation handed to the one writer thread (:mod:`queue_server.core.writer`),
which runs it inside its batch's transaction; :func:`write_transaction` inside such an operation is a savepoint of
that batch. Commands (``govhall token create`` and the like) and tests still use :func:`write_transaction` on
their own connection. ``synchronous=FULL`` in WAL mode means a committed transaction survives a power cut, which
is what lets an answer acknowledge a write.
"""
from __future__ import annotations

import sqlite3
import threading
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
    # Savepoints (one per writer operation, and nested ones) keep the pages they change in a statement journal; on
    # disk that is a temporary file opened, written page by page and deleted again, a few system calls per ticket.
    # In memory it costs only the pages an operation touches.
    conn.execute("PRAGMA temp_store=MEMORY")
    return Database(conn)


def database_file(db: Database) -> str | None:
    """The main file of a connection, or ``None`` for an in-memory database."""
    for _, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or None
    return None


_thread = threading.local()


def bind_thread_db(db: Database | None) -> None:
    """Make ``db`` the connection :func:`thread_db` answers on this thread (the writer thread binds its own)."""
    _thread.db = db


def bind_thread_batch(serial: int | None) -> None:
    """Record, on the thread running the writer's batch, which batch (transaction) is open now (``None``: none)."""
    _thread.batch = serial


def batch_point(db: Database) -> tuple[int, int] | None:
    """Where the writer's batch stands on the calling thread: ``(batch, changes so far)``, or ``None`` when the
    thread is not running one. Two equal points mean nothing was written in between, by this batch or anyone else
    (the batch holds the write lock), so figures read at the first still hold at the second: a memo keyed on it is
    exact.

    ``total_changes`` is an attribute of the connection, not a statement: reading it costs no SQLite call.
    """
    batch = getattr(_thread, "batch", None)
    return None if batch is None else (batch, db.conn.total_changes)


class BatchMemo:
    """Figures read inside the writer's batch, kept while :func:`batch_point` stays where they were read.

    An object shared by the loop and the writer keeps one; outside a writer batch :meth:`figures` is ``None`` and
    every read goes to the database as usual. Only write operations touch it (on the writer thread, or on the loop
    while it runs a batch's short operations and the writer thread waits).
    """

    def __init__(self) -> None:
        self._point: tuple[int, int] | None = None
        self._figures: dict = {}

    def figures(self, db: Database) -> dict | None:
        """The figures read at the batch's current point (emptied once it moved), or ``None`` off the writer."""
        point = batch_point(db)
        if point is None:
            return None
        if point != self._point:
            self._point, self._figures = point, {}
        return self._figures

    def carry(self, db: Database, before: tuple[int, int] | None) -> None:
        """Keep the figures past writes made since ``before`` that the caller knows leave them true (and nothing
        else written in between: the point has not moved since)."""
        if before is not None and self._point == before:
            self._point = batch_point(db)


def thread_db(default: Database) -> Database:
    """The connection bound to the calling thread (the writer's, inside a write operation: on the writer thread,
    or on the loop while it runs a batch's short operations), else ``default``.

    Objects used both by write operations and by reads on the event loop (the hall, the tidal runner) reach the
    database through this, so one method body runs on the writer's connection in the writer thread and on the
    read connection on the loop: a ``sqlite3`` connection is never used by two threads at once.
    """
    return getattr(_thread, "db", None) or default


@contextmanager
def write_transaction(db: Database, *, own_savepoint: bool = True) -> Iterator[Database]:
    """One ``BEGIN IMMEDIATE`` … ``COMMIT`` block; rolled back on any exception.

    Nested use joins the outer transaction (through a savepoint), so helpers can be composed.

    :param own_savepoint: ``False`` for a hot block whose callers never catch its failure and carry on in the same
        transaction (issuing a ticket): nested, it then joins the outer transaction without a savepoint of its
        own, and a failure rolls back with whatever encloses it (in the server, the writer's savepoint of the
        operation). Two statements fewer per use.
    """
    conn = db.conn
    if conn.in_transaction and not own_savepoint:
        yield db
        return
    if conn.in_transaction:
        # one fixed name, not sqlite-utils' random one per use: SQLite nests savepoints of the same name (RELEASE
        # and ROLLBACK TO take the innermost), and a fixed text is prepared once, not for every write
        conn.execute("SAVEPOINT nested")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:  # a failure may have ended the whole transaction (disk full, RAISE(ROLLBACK))
                conn.execute("ROLLBACK TO nested")
                conn.execute("RELEASE nested")
            raise
        conn.execute("RELEASE nested")
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
