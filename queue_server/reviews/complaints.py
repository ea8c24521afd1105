"""有诉即办 / 办不成事 ledger: every complaint gets an entry with who, what, which service or window, the
responsible person, a working-day deadline, its state, the answer given and the citizen's confirmation.

States: ``received`` → ``handling`` → ``resolved`` (answer given) → ``confirmed`` (the citizen accepts it). A
citizen who does not accept the answer sends the entry back to ``handling``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from queue_server.core.errors import conflict, invalid, not_found
from queue_server.core.hall_time import business_day
from queue_server.reviews.common import (iso, ledger_rows, local_iso, log_action, mask_name, mask_phone, parse,
                                         text_field)
from queue_server.reviews.settings import ReviewSettings

KINDS = {"complaint": "有诉即办", "cannot_get_done": "办不成事"}
STATES = {"received": "已受理", "handling": "办理中", "resolved": "已答复", "confirmed": "已确认"}
CHANNELS = {"desk": "窗口", "phone": "电话", "online": "网上", "letter": "信件", "review": "评价"}
OPEN_STATES = ("received", "handling")


def create(db: Database, body: dict[str, Any], settings: ReviewSettings, config: Any, actor: str,
           now: datetime) -> dict[str, Any]:
    """Register a complaint (inside the caller's write transaction); the deadline runs in working days."""
    kind = body.get("kind", "complaint")
    if kind not in KINDS:
        raise invalid("kind", "类型应为 complaint（有诉即办）或 cannot_get_done（办不成事）")
    channel = body.get("channel", "desk")
    if channel not in CHANNELS:
        raise invalid("channel", "来源渠道应为 " + "/".join(CHANNELS))
    service = body.get("service") or None
    if service is not None and service not in config.services:
        raise invalid("service", "未知事项类别")
    window = body.get("window")
    if window is not None and (isinstance(window, bool) or not isinstance(window, int)
                               or window not in config.windows):
        raise invalid("window", "未知窗口")
    department = body.get("department") or (config.services[service].department if service else None)
    if department is not None and department not in config.departments:
        raise invalid("department", "未知部门")
    tz = config.hall.tz
    row = {
        "kind": kind, "received_at": iso(now), "business_day": business_day(now, config.hall).isoformat(),
        "channel": channel, "complainant": text_field(body, "complainant", limit=50),
        "phone": text_field(body, "phone", required=False, limit=20),
        "content": text_field(body, "content", limit=2000), "service": service, "department": department,
        "window": window, "ticket_number": text_field(body, "ticket_number", required=False, limit=10) or None,
        "responsible": text_field(body, "responsible", limit=50),
        "due_at": iso(settings.calendar.deadline(now, settings.complaint_days, tz)),
        "state": "received", "created_by": actor,
    }
    cursor = db.execute(f"INSERT INTO complaints ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                        list(row.values()))
    log_action(db, "complaint", cursor.lastrowid, "receive", actor, row["content"][:100], now)
    return get(db, int(cursor.lastrowid))


def get(db: Database, complaint_id: int) -> dict[str, Any]:
    """One complaint row, or 404."""
    rows = list(db.query("SELECT * FROM complaints WHERE id = ?", [complaint_id]))
    if not rows:
        raise not_found("找不到该诉求")
    return rows[0]


def act(db: Database, complaint_id: int, action: str, body: dict[str, Any], actor: str,
        now: datetime) -> dict[str, Any]:
    """``handle`` (start), ``resolve`` (needs ``answer``), ``confirm`` (needs ``confirmation``
    satisfied/dissatisfied; dissatisfied reopens the entry) or ``assign`` (new ``responsible``)."""
    row = get(db, complaint_id)
    state = row["state"]
    note = str(body.get("note") or "").strip()
    if action == "assign":
        if state not in OPEN_STATES:
            raise conflict("诉求已答复，不能再变更责任人")
        responsible = text_field(body, "responsible", limit=50)
        db.execute("UPDATE complaints SET responsible = ? WHERE id = ?", [responsible, complaint_id])
        log_action(db, "complaint", complaint_id, "assign", actor, responsible, now)
    elif action == "handle":
        if state != "received":
            raise conflict(f"诉求当前为“{STATES[state]}”，不能开始办理")
        db.execute("UPDATE complaints SET state = 'handling', handling_at = ? WHERE id = ?", [iso(now), complaint_id])
        log_action(db, "complaint", complaint_id, "handle", actor, note, now)
    elif action == "resolve":
        if state not in OPEN_STATES:
            raise conflict(f"诉求当前为“{STATES[state]}”，不能答复")
        answer = text_field(body, "answer", limit=2000)
        db.execute("UPDATE complaints SET state = 'resolved', answer = ?, resolved_at = ? WHERE id = ?",
                   [answer, iso(now), complaint_id])
        log_action(db, "complaint", complaint_id, "resolve", actor, answer[:200], now)
    elif action == "confirm":
        if state != "resolved":
            raise conflict(f"诉求当前为“{STATES[state]}”，答复后才能确认")
        confirmation = body.get("confirmation")
        if confirmation not in ("satisfied", "dissatisfied"):
            raise invalid("confirmation", "群众确认结果应为 satisfied 或 dissatisfied")
        if confirmation == "satisfied":
            db.execute("UPDATE complaints SET state = 'confirmed', confirmation = ?, confirmed_at = ? WHERE id = ?",
                       [confirmation, iso(now), complaint_id])
        else:
            # Not accepted: back to handling; the first answer stays in the log, resolved_at is cleared.
            db.execute("UPDATE complaints SET state = 'handling', confirmation = ?, resolved_at = NULL "
                       "WHERE id = ?", [confirmation, complaint_id])
        log_action(db, "complaint", complaint_id, "confirm", actor,
                   ("满意" if confirmation == "satisfied" else "不满意，重新办理") + (f"：{note}" if note else ""),
                   now)
    else:
        raise invalid("action", "未知操作，可用：handle/resolve/confirm/assign")
    return get(db, complaint_id)


def overdue(row: dict[str, Any], now: datetime) -> bool:
    """Still not answered after its deadline."""
    return row["state"] in OPEN_STATES and now > parse(row["due_at"])


def closed_on_time(row: dict[str, Any]) -> bool | None:
    """Answered by the deadline; ``None`` while still open."""
    if row["resolved_at"] is None:
        return None
    return parse(row["resolved_at"]) <= parse(row["due_at"])


def complaint_json(row: dict[str, Any], tz: Any, now: datetime, *, full: bool = False) -> dict[str, Any]:
    """An entry as the admin API shows it; name and phone masked unless ``full``."""
    out = dict(row)
    if not full:
        out["complainant"] = mask_name(row["complainant"])
        out["phone"] = mask_phone(row["phone"])
    for key in ("received_at", "due_at", "handling_at", "resolved_at", "confirmed_at"):
        out[key] = local_iso(row[key], tz)
    out["kind_name"] = KINDS[row["kind"]]
    out["state_name"] = STATES[row["state"]]
    out["channel_name"] = CHANNELS.get(row["channel"], row["channel"])
    out["overdue"] = overdue(row, now)
    out["on_time"] = closed_on_time(row)
    return out


def list_rows(db: Database, *, state: str | None = None, day_from: str | None = None,
              day_to: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    """Entries newest first, filtered by state (or ``open``), kind and business days."""
    return ledger_rows(db, "complaints", ("received", "handling"), state=state, day_from=day_from, day_to=day_to,
                       kind=kind or None)
