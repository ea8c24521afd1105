"""Small helpers shared by the ledgers: stored time text, the case log, masking for display."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlite_utils import Database

from queue_server.core.privacy import mask_name, mask_phone  # noqa: F401 - the ledgers import them from here


def iso(instant: datetime | None) -> str | None:
    """UTC ISO 8601 text as stored in the database."""
    return None if instant is None else instant.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse(text: str | None) -> datetime | None:
    """A stored timestamp back as an aware datetime."""
    if not text:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def local_iso(text: str | None, tz: Any) -> str | None:
    """A stored UTC timestamp shown in the hall's time zone, with its offset (API.md convention)."""
    value = parse(text)
    return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")


def log_action(db: Database, ledger: str, record_id: int, action: str, actor: str | None, note: str,
               at: datetime) -> None:
    """Append one line to ``case_log``; callers are inside the write transaction."""
    db.execute(
        "INSERT INTO case_log (ledger, record_id, action, actor, note, at) VALUES (?, ?, ?, ?, ?, ?)",
        [ledger, record_id, action, actor, note, iso(at)],
    )


def case_history(db: Database, ledger: str, record_id: int, tz: Any) -> list[dict[str, Any]]:
    """Every logged action on one record, oldest first, times in the hall's zone."""
    rows = db.execute(
        "SELECT action, actor, note, at FROM case_log WHERE ledger = ? AND record_id = ? ORDER BY id",
        [ledger, record_id],
    ).fetchall()
    return [{"action": a, "actor": who, "note": note, "at": local_iso(at, tz)} for a, who, note, at in rows]


def actor_who(actor: str | None) -> str | None:
    """The person part of a ticket-log actor (``staff:1001`` → ``1001``)."""
    if not actor:
        return None
    return actor.split(":", 1)[1] if ":" in actor else actor


def ledger_rows(db: Any, table: str, open_states: tuple[str, ...], *, state: str | None, day_from: str | None,
                day_to: str | None, **equal: Any) -> list[dict[str, Any]]:
    """A ledger's rows newest first: ``state`` (``"open"`` meaning any of ``open_states``), a business-day range,
    and equality on the other columns given (None = no filter)."""
    where, params = [], []
    if state == "open":
        where.append(f"state IN ({', '.join('?' * len(open_states))})")
        params.extend(open_states)
    elif state:
        where.append("state = ?")
        params.append(state)
    if day_from:
        where.append("business_day >= ?")
        params.append(day_from)
    if day_to:
        where.append("business_day <= ?")
        params.append(day_to)
    for column, value in equal.items():
        if value is not None and value != "":
            where.append(f"{column} = ?")
            params.append(value)
    sql = f"SELECT * FROM {table}" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC"
    return list(db.query(sql, params))


def text_field(body: dict[str, Any], name: str, *, required: bool = True, limit: int = 500) -> str:
    """A trimmed text field of a JSON body; raises ``invalid`` naming the field."""
    from queue_server.core.errors import invalid

    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid(name, "应为文字")
    value = value.strip()
    if required and not value:
        raise invalid(name, "必填项未填写")
    if len(value) > limit:
        raise invalid(name, f"不能超过 {limit} 个字")
    return value
