"""The operation log for supervision (操作日志): the per-ticket log (``ticket_log``), the per-window log
(``window_log``) and the admin actions outside both (``admin_log``: a booking cancelled for a citizen, a phone
withdrawn) of one business day merged in time order, each row saying when, at which window, who (工号 and
name), what (in Chinese), why, and for which ticket; and the same rows as an Excel sheet.

Read side only: the hall writes the ticket and window logs in the same transaction as each operation
(:mod:`queue_server.queue.hall`), the booking and phones areas the admin log through :mod:`queue_server.queue.admin_log`,
and nothing here edits them.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlite_utils import Database

from queue_server.core.clock import from_iso, to_iso
from queue_server.core.config import HallConfig
from queue_server.queue import admin_log

#: every action the three logs record, in the words the hall uses
ACTIONS = {
    "issue": "取号", "late_check_in": "预约迟到签到", "call": "叫号", "recall": "重呼", "start": "开始办理",
    "finish": "办结", "skip": "过号", "hold": "挂起", "resume": "回呼", "requeue": "过号重排", "transfer": "转移",
    "open": "开启窗口", "paused": "暂停窗口", "closed": "关闭窗口", "tidal_open": "开设潮汐业务",
    "tidal_close": "关闭潮汐业务", "plan": "每日兼办", "plan_clear": "取消兼办", **admin_log.ACTIONS,
}
#: callers that are no person (the actor's role before the colon, or the whole actor)
ROLE_NAMES = {"kiosk": "取号机", "agent": "设备代理", "display": "显示屏", "tablet": "评价器",
              "tidal-policy": "潮汐策略"}
HEADERS = ["时间", "窗口", "号码", "操作", "操作人工号", "操作人", "原因", "说明"]
#: the export covers a whole day; a busy hall logs a few thousand rows, so this only stops a runaway
EXPORT_LIMIT = 50_000

# The three logs as one relation. The ticket's number comes from its row; window_log has no ticket, admin_log no
# window (its ticket number, if any, is stored with it).
_MERGED = """
SELECT l.at, 0 AS source, l.id, l.window, l.actor, l.action, l.reason, l.data, t.number AS ticket
  FROM ticket_log l JOIN tickets t ON t.id = l.ticket_id WHERE l.at >= ? AND l.at < ?
UNION ALL
SELECT w.at, 1 AS source, w.id, w.window, w.actor, w.action, w.reason, w.data, NULL AS ticket
  FROM window_log w WHERE w.at >= ? AND w.at < ?
UNION ALL
SELECT a.at, 2 AS source, a.id, NULL AS window, a.actor, a.action, a.reason, a.data, a.ticket
  FROM admin_log a WHERE a.at >= ? AND a.at < ?
"""
_SOURCES = ("ticket", "window", "admin")


@dataclass(frozen=True)
class Filters:
    """What the supervisor narrowed the log to; ``None`` means any."""

    day: date
    window: int | None = None
    staff: str | None = None
    action: str | None = None


def day_bounds(day: date, hall: Any) -> tuple[str, str]:
    """The business day as stored UTC text bounds: it runs from ``day_starts_at`` to ``day_starts_at``."""
    start = datetime.combine(day, hall.day_starts_at, tzinfo=hall.tz)
    end = datetime.combine(day + timedelta(days=1), hall.day_starts_at, tzinfo=hall.tz)
    return to_iso(start), to_iso(end)


def _where(filters: Filters) -> tuple[str, list[Any]]:
    clauses, args = [], []
    if filters.window is not None:
        clauses.append("window = ?")
        args.append(filters.window)
    if filters.staff is not None:
        # the actor is "role:工号" for people; the 工号 is what a supervisor knows
        clauses.append("substr(actor, instr(actor, ':') + 1) = ? AND instr(actor, ':') > 0")
        args.append(filters.staff)
    if filters.action is not None:
        clauses.append("action = ?")
        args.append(filters.action)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def count(db: Database, config: HallConfig, filters: Filters) -> int:
    start, end = day_bounds(filters.day, config.hall)
    where, args = _where(filters)
    return db.execute(f"SELECT count(*) FROM ({_MERGED}){where}", [start, end] * 3 + args).fetchone()[0]


def entries(db: Database, config: HallConfig, filters: Filters, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """The day's rows matching ``filters`` in time order (ties: ticket log, window log, admin log, then by id), one
    page."""
    start, end = day_bounds(filters.day, config.hall)
    where, args = _where(filters)
    rows = db.execute(f"SELECT * FROM ({_MERGED}){where} ORDER BY at, source, id LIMIT ? OFFSET ?",
                      [start, end] * 3 + [*args, limit, offset]).fetchall()
    names = dict(db.execute("SELECT staff_no, name FROM staff"))
    return [_shown(row, config, names) for row in rows]


def _who(actor: str | None, names: dict[str, str]) -> tuple[str, str]:
    """(工号, name) of an actor: a person's 工号 and account name, or a device or the policy by what it is."""
    if not actor:
        return "", ""
    if actor in ROLE_NAMES:
        return "", ROLE_NAMES[actor]
    role, _, who = actor.partition(":")
    if role in ROLE_NAMES:
        return "", ROLE_NAMES[role]
    if who in names:
        return who, names[who]
    return who, ""  # a test or legacy token named without an account


def _service(config: HallConfig, code: str | None) -> str:
    return config.services[code].name if code in config.services else (code or "")


def _detail(action: str, data: dict[str, Any], config: HallConfig) -> str:
    """What the row's data adds for a reader: where a transfer went, which service a tidal window or plan took."""
    if action == "transfer":
        parts = []
        if data.get("to_service"):
            parts.append(f"转至{_service(config, data['to_service'])}")
        if data.get("to_window"):
            parts.append(f"转至{data['to_window']}号窗口")
        return "，".join(parts)
    if action in ("tidal_open", "tidal_close", "plan", "plan_clear") and data.get("service"):
        return _service(config, data["service"])
    if action == "issue" and data.get("priority"):
        return "优先号"
    return data.get("detail", "")  # the admin log's rows carry their own, masked when recorded


def _shown(row: tuple, config: HallConfig, names: dict[str, str]) -> dict[str, Any]:
    at, source, _, window, actor, action, reason, data, ticket = row
    local = from_iso(at).astimezone(config.hall.tz)
    staff_no, name = _who(actor, names)
    return {"at": local.isoformat(timespec="seconds"), "time": local.strftime("%H:%M:%S"),
            "source": _SOURCES[source], "window": window, "ticket": ticket, "action": action,
            "action_name": ACTIONS.get(action, action), "actor": actor, "staff_no": staff_no, "staff_name": name,
            "reason": reason or "", "detail": _detail(action, json.loads(data) if data else {}, config)}


# Control characters cannot be stored in an .xlsx cell (openpyxl refuses them); line breaks become spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else "", value)
    return value


def write_xlsx(rows: list[dict[str, Any]], day: date) -> bytes:
    """The rows as one sheet; text that looks like a formula (= + - @) is stored as text, never as a live formula."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"操作日志{day.isoformat()}"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_text(v) for v in (row["time"], row["window"], row["ticket"], row["action_name"],
                                         row["staff_no"], row["staff_name"], row["reason"], row["detail"])])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == "f":  # openpyxl took "=…" for a formula: it is what someone typed
                cell.data_type = "s"
    for letter, width in zip("ABCDEFGH", (10, 6, 8, 12, 10, 12, 30, 24)):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
