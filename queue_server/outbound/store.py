"""The outbox's SQL: storing a message, the worker's pick, an attempt's result, and the admin page's reads.

Writes run inside writer operations (or a ``write_transaction`` in tools and tests); reads work on any connection.
Times are stored as UTC ISO text (:func:`queue_server.core.clock.to_iso`), so they compare as text.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, NamedTuple

from sqlite_utils import Database

from queue_server.core.clock import from_iso, to_iso
from queue_server.core.events import Event
from queue_server.core.privacy import mask_id_number, mask_in_text, mask_name, mask_phone
from queue_server.outbound.channel import Message

#: published (admin topic) when a message is parked, so the admin page alerts
DEAD_EVENT = "outbound.dead"
#: the admin page lists at most this many messages at once
MAX_LIST = 500

_COLUMNS = ("seq, id, channel, kind, payload, created_at, state, attempts, next_attempt_at, last_error, delivered_at, "
            "retried_at, retried_by, discarded_at, discarded_by, discard_reason")
_PHONE_KEYS = {"phone", "mobile", "phone_number", "tel"}
_NAME_KEYS = {"name", "citizen_name", "applicant_name", "contact_name"}
_ID_KEYS = {"id_number", "id_card", "id_no"}


def insert(db: Database, channel: str, kind: str, payload: dict[str, Any], now: datetime, *, state: str = "pending",
           error: str | None = None) -> str:
    """Store one message (in the caller's transaction); its new stable delivery id."""
    return insert_message(db, channel, kind, payload, now, state=state, error=error).id


def insert_message(db: Database, channel: str, kind: str, payload: dict[str, Any], now: datetime, *,
                   state: str = "pending", error: str | None = None) -> Message:
    """Store one message (in the caller's transaction); the message as its first attempt will see it (the payload
    read back from its stored JSON, as every later attempt reads it)."""
    message_id = str(uuid.uuid4())
    at = to_iso(now)
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    cursor = db.execute(
        "INSERT INTO outbox (id, channel, kind, payload, created_at, state, next_attempt_at, last_error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [message_id, channel, kind, text, at, state, at, error])
    return Message(message_id, channel, kind, json.loads(text), from_iso(at), 1, cursor.lastrowid)


def message(row: dict[str, Any]) -> Message:
    """A stored row as its channel sees it on the next attempt."""
    return Message(row["id"], row["channel"], row["kind"], json.loads(row["payload"]), from_iso(row["created_at"]),
                   row["attempts"] + 1, row["seq"])


def get(db: Database, message_id: str) -> dict[str, Any] | None:
    rows = list(db.query(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", [message_id]))
    return rows[0] if rows else None


def pending(db: Database, channel: str, limit: int) -> list[dict[str, Any]]:
    """An unordered channel's pending messages, soonest due first."""
    return list(db.query(f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending' AND channel = ? "
                         "ORDER BY next_attempt_at, seq LIMIT ?", [channel, limit]))


def next_in_order(db: Database, channel: str, limit: int = 1) -> list[dict[str, Any]]:
    """An ordered channel's next ``limit`` messages: the pending ones with the lowest ``seq``, due or not (the
    first one's due time is the channel's)."""
    return list(db.query(f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending' AND channel = ? "
                         "ORDER BY seq LIMIT ?", [channel, limit]))


class Result(NamedTuple):
    """One attempt's result to record: ``state`` ``delivered``, ``pending`` (due again at ``next_attempt_at``, UTC ISO
    text) or ``dead``; ``error`` is kept as the last error (``None`` when delivered)."""

    seq: int
    id: str
    attempt: int
    state: str
    next_attempt_at: str | None
    error: str | None


_RECORD = ("UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = coalesce(?, next_attempt_at), last_error = ?, "
           "delivered_at = ? WHERE seq = ? AND state = 'pending'")


def record_results(db: Database, results: list[Result], now: datetime) -> list[Event]:
    """Several attempts' results in one statement (the worker records a round of attempts at once).

    A message no longer pending (already recorded) is left alone. Returns :data:`DEAD_EVENT` for each one parked.
    """
    at = to_iso(now)

    def params(r: Result) -> tuple:
        return r.state, r.attempt, r.next_attempt_at, r.error, at if r.state == "delivered" else None, r.seq

    db.conn.executemany(_RECORD, [params(r) for r in results if r.state != "dead"])
    events = []
    for result in results:  # parked ones one by one: each alerts the admin page, if it was still pending
        if result.state == "dead" and db.conn.execute(_RECORD, params(result)).rowcount:
            events.append(dead_event(get(db, result.id)))
    return events


def dead_event(row: dict[str, Any]) -> Event:
    """The admin alert for a parked message."""
    return Event(DEAD_EVENT, {"id": row["id"], "channel": row["channel"], "kind": row["kind"],
                              "attempts": row["attempts"], "error": row["last_error"]}, frozenset({"admin"}))


def back_to_pending(db: Database, message_id: str, now: datetime, actor: str) -> None:
    """A dead message due again now, with a fresh count of attempts; who did it is kept with it."""
    at = to_iso(now)
    db.execute("UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, retried_at = ?, retried_by = ? "
               "WHERE id = ? AND state = 'dead'", [at, at, actor, message_id])


def mark_replayed(db: Database, message_id: str, now: datetime, actor: str, note: str) -> None:
    """A parked batch of events turned into messages after all: it is done (``delivered`` to its channel)."""
    at = to_iso(now)
    db.execute("UPDATE outbox SET state = 'delivered', delivered_at = ?, retried_at = ?, retried_by = ?, "
               "last_error = ? WHERE id = ? AND state = 'dead'", [at, at, actor, note, message_id])


def discard(db: Database, message_id: str, now: datetime, actor: str, reason: str) -> None:
    """An admin gives a dead message up: it is never sent, and who, when and why are kept with it."""
    db.execute("UPDATE outbox SET state = 'discarded', discarded_at = ?, discarded_by = ?, discard_reason = ? "
               "WHERE id = ? AND state = 'dead'", [to_iso(now), actor, reason, message_id])


def purge_finished(db: Database, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` delivered or discarded messages finished before ``before``, oldest first; how many.

    Pending and dead messages are never deleted here: a dead one waits for an admin's retry or discard."""
    cutoff = to_iso(before)
    deleted = db.execute("DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE state = 'delivered' AND "
                         "delivered_at < ? ORDER BY delivered_at LIMIT ?)", [cutoff, limit]).rowcount
    if deleted < limit:
        deleted += db.execute("DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE state = 'discarded' AND "
                              "discarded_at < ? LIMIT ?)", [cutoff, limit - deleted]).rowcount
    return deleted


def summary(db: Database, now: datetime) -> dict[str, dict[str, Any]]:
    """Per channel: how many messages are delivered, pending, dead and discarded, and the oldest pending one's age."""
    result: dict[str, dict[str, Any]] = {}
    for row in db.query("SELECT channel, state, count(*) AS n, min(created_at) AS oldest FROM outbox "
                        "GROUP BY channel, state"):
        entry = result.setdefault(row["channel"], empty_summary())
        entry[row["state"]] = row["n"]
        if row["state"] == "pending":
            oldest = from_iso(row["oldest"])
            entry["oldest_pending_at"] = oldest
            entry["oldest_pending_age_s"] = max(0, round((now - oldest).total_seconds()))
    return result


def empty_summary() -> dict[str, Any]:
    """A channel's summary with no message."""
    return {"delivered": 0, "pending": 0, "dead": 0, "discarded": 0, "oldest_pending_at": None,
            "oldest_pending_age_s": None}


def listing(db: Database, state: str | None, channel: str | None, limit: int) -> list[dict[str, Any]]:
    """The newest messages first, optionally of one state and one channel."""
    clauses, args = [], []
    if state is not None:
        clauses.append("state = ?")
        args.append(state)
    if channel is not None:
        clauses.append("channel = ?")
        args.append(channel)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return list(db.query(f"SELECT {_COLUMNS} FROM outbox{where} ORDER BY seq DESC LIMIT ?", [*args, limit]))


def masked(value: Any, key: str = "") -> Any:
    """A payload as the admin page may show it: phones 138****1234, names 张*三, ID numbers 6+4, tokens hidden, and
    the phones, ID numbers and introduced names inside a text (an SMS's wording) masked too."""
    if isinstance(value, dict):
        return {k: masked(v, k.lower()) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, key) for v in value]
    if not isinstance(value, str):
        return value
    if "token" in key or key == "secret":
        return "***"
    if key in _PHONE_KEYS:
        return mask_phone(value)
    if key in _NAME_KEYS:
        return mask_name(value)
    if key in _ID_KEYS:
        return mask_id_number(value)
    return mask_in_text(value)
