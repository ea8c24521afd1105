"""The outbox's SQL: storing a message, the worker's pick, an attempt's result, and the admin page's reads.

Writes run inside writer operations (or a ``write_transaction`` in tools and tests); reads work on any connection.
Times are stored as UTC ISO text (:func:`queue_server.core.clock.to_iso`), so they compare as text.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from queue_server.core.clock import from_iso, to_iso
from queue_server.core.events import Event
from queue_server.core.privacy import mask_id_number, mask_in_text, mask_name, mask_phone

#: published (admin topic) when a message is parked, so the admin page alerts
DEAD_EVENT = "outbound.dead"
#: the admin page lists at most this many messages at once
MAX_LIST = 500

_COLUMNS = ("seq, id, channel, kind, payload, created_at, state, attempts, next_attempt_at, last_error, delivered_at, "
            "retried_at, retried_by")
_PHONE_KEYS = {"phone", "mobile", "phone_number", "tel"}
_NAME_KEYS = {"name", "citizen_name", "applicant_name", "contact_name"}
_ID_KEYS = {"id_number", "id_card", "id_no"}


def insert(db: Database, channel: str, kind: str, payload: dict[str, Any], now: datetime, *, state: str = "pending",
           error: str | None = None) -> str:
    """Store one message (in the caller's transaction); its new stable delivery id."""
    message_id = str(uuid.uuid4())
    at = to_iso(now)
    db.execute(
        "INSERT INTO outbox (id, channel, kind, payload, created_at, state, next_attempt_at, last_error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [message_id, channel, kind, json.dumps(payload, ensure_ascii=False, separators=(",", ":")), at, state, at,
         error])
    return message_id


def get(db: Database, message_id: str) -> dict[str, Any] | None:
    rows = list(db.query(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", [message_id]))
    return rows[0] if rows else None


def pending(db: Database, channel: str, limit: int) -> list[dict[str, Any]]:
    """An unordered channel's pending messages, soonest due first."""
    return list(db.query(f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending' AND channel = ? "
                         "ORDER BY next_attempt_at, seq LIMIT ?", [channel, limit]))


def next_in_order(db: Database, channel: str) -> dict[str, Any] | None:
    """An ordered channel's next message: the pending one with the lowest ``seq``, due or not."""
    rows = list(db.query(f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending' AND channel = ? "
                         "ORDER BY seq LIMIT 1", [channel]))
    return rows[0] if rows else None


def record(db: Database, message_id: str, attempt: int, now: datetime, *, delivered: bool,
           next_attempt_at: datetime | None, error: str) -> list[Event]:
    """One attempt's result: delivered, due again at ``next_attempt_at``, or (neither) parked as dead.

    A message no longer pending (already recorded) is left alone. Returns :data:`DEAD_EVENT` when parked.
    """
    at = to_iso(now)
    if delivered:
        state, next_at, error_value = "delivered", None, None
    elif next_attempt_at is None:
        state, next_at, error_value = "dead", None, error
    else:
        state, next_at, error_value = "pending", to_iso(next_attempt_at), error
    cursor = db.execute(
        "UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = coalesce(?, next_attempt_at), last_error = ?, "
        "delivered_at = ? WHERE id = ? AND state = 'pending'",
        [state, attempt, next_at, error_value, at if delivered else None, message_id])
    if cursor.rowcount == 0 or state != "dead":
        return []
    return [dead_event(get(db, message_id))]


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


def summary(db: Database, now: datetime) -> dict[str, dict[str, Any]]:
    """Per channel: how many messages are delivered, pending and dead, and the oldest pending one's age."""
    result: dict[str, dict[str, Any]] = {}
    for row in db.query("SELECT channel, state, count(*) AS n, min(created_at) AS oldest FROM outbox "
                        "GROUP BY channel, state"):
        entry = result.setdefault(row["channel"], {"delivered": 0, "pending": 0, "dead": 0,
                                                   "oldest_pending_at": None, "oldest_pending_age_s": None})
        entry[row["state"]] = row["n"]
        if row["state"] == "pending":
            oldest = from_iso(row["oldest"])
            entry["oldest_pending_at"] = oldest
            entry["oldest_pending_age_s"] = max(0, round((now - oldest).total_seconds()))
    return result


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
