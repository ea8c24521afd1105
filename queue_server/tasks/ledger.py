"""The task ledger's rules: add a task, record progress, ask to close (销号) with evidence, approve or refuse the
closing as a second admin, and say which tasks are overdue.

States: ``open`` → ``in_progress`` (first progress note) → ``closing`` (销号 asked for, with evidence) →
``closed`` (a second admin approved); a refused closing goes back to ``in_progress`` with the reason. A task's
deadline is a date: it is overdue after the end of that day in the hall's time zone while not closed; a task
without a deadline (长期坚持) is never overdue. Every step is a row of ``task_updates``; nothing is edited or
deleted, so the ledger shows who did what and when.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from sqlite_utils import Database

from queue_server.core.errors import conflict, forbidden, invalid, not_found

STATES = {"open": "未开始", "in_progress": "推进中", "closing": "待审核销号", "closed": "已销号"}
UPDATE_KINDS = {"progress": "进展", "close_request": "申请销号", "approve": "审核通过", "refuse": "退回"}
TEXT_LIMITS = {"ref": 20, "title": 500, "unit": 50, "measures": 2000, "owner": 50, "source": 100,
               "note": 2000, "evidence": 500}
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class TaskInput:
    """A task as it is added by hand or read from an Excel ledger (already checked)."""

    title: str
    unit: str
    owner: str
    measures: str = ""
    deadline: date | None = None
    ref: str = ""
    source: str = ""


def one_line(text: str | None) -> str:
    """A task's text kept on one line: runs of spaces and line breaks become one space."""
    return " ".join((text or "").split())


def _text(value: Any, name: str, label: str, *, required: bool = True) -> str:
    """A cell of an imported ledger checked (the JSON routes declare their input instead)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid(name, f"{label}应为文字")
    text = " ".join(value.split())  # one line: Excel cells carry stray line breaks
    if required and not text:
        raise invalid(name, f"{label}不能为空")
    if len(text) > TEXT_LIMITS[name]:
        raise invalid(name, f"{label}不能超过 {TEXT_LIMITS[name]} 字")
    if any(ord(c) < 32 for c in text):
        raise invalid(name, f"{label}含有控制字符")
    return text


def task_input(body: dict[str, Any]) -> TaskInput:
    """Check a task read from an Excel row (cell texts; ``deadline`` as ``YYYY-MM-DD`` or empty for 长期坚持)."""
    raw = body.get("deadline")
    deadline = None
    if raw not in (None, ""):
        try:
            deadline = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
        except ValueError:
            deadline = None
        if deadline is None:
            raise invalid("deadline", "完成时限应为 YYYY-MM-DD 日期，长期坚持的任务不填")
    return TaskInput(title=_text(body.get("title"), "title", "任务"), unit=_text(body.get("unit"), "unit", "责任单位"),
                     owner=_text(body.get("owner"), "owner", "责任人"),
                     measures=_text(body.get("measures"), "measures", "整改措施", required=False), deadline=deadline,
                     ref=_text(body.get("ref"), "ref", "序号", required=False),
                     source=_text(body.get("source"), "source", "来源", required=False))


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="seconds")


def add(db: Database, task: TaskInput, actor: str, now: datetime) -> int:
    """Add one task (inside the caller's write transaction); its id."""
    cursor = db.execute(
        "INSERT INTO tasks (ref, title, unit, measures, owner, deadline, source, state, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
        [task.ref, task.title, task.unit, task.measures, task.owner,
         task.deadline.isoformat() if task.deadline else None, task.source, _iso(now), actor])
    return int(cursor.lastrowid)


def import_tasks(db: Database, tasks: list[TaskInput], actor: str, now: datetime) -> tuple[int, int]:
    """Add an imported ledger's tasks (inside the caller's transaction); a task already in the ledger (same task and
    unit) is skipped, so importing an updated ledger again adds only its new rows. (added, skipped)."""
    existing = {(row[0], row[1]) for row in db.execute("SELECT title, unit FROM tasks")}
    added = 0
    for task in tasks:
        if (task.title, task.unit) in existing:
            continue
        add(db, task, actor, now)
        existing.add((task.title, task.unit))
        added += 1
    return added, len(tasks) - added


def get(db: Database, task_id: int) -> dict[str, Any]:
    row = next(db.query("SELECT * FROM tasks WHERE id = ?", [task_id]), None)
    if row is None:
        raise not_found(f"没有编号为 {task_id} 的任务")
    return row


def _record(db: Database, task_id: int, kind: str, note: str, evidence: str, actor: str, now: datetime) -> None:
    db.execute("INSERT INTO task_updates (task_id, kind, note, evidence, actor, at) VALUES (?, ?, ?, ?, ?, ?)",
               [task_id, kind, note, evidence, actor, _iso(now)])


def progress(db: Database, task_id: int, note: str, evidence: str, actor: str, now: datetime) -> dict[str, Any]:
    """A progress note (with evidence where there is some); an open task becomes ``in_progress``.

    The texts are the route's validated ones (required, bounded, no control characters)."""
    task = get(db, task_id)
    if task["state"] in ("closing", "closed"):
        raise conflict(f"任务已{STATES[task['state']]}，不能再登记进展")
    _record(db, task_id, "progress", one_line(note), one_line(evidence), actor, now)
    db.execute("UPDATE tasks SET state = 'in_progress' WHERE id = ?", [task_id])
    return get(db, task_id)


def request_close(db: Database, task_id: int, note: str, evidence: str, who: str, now: datetime) -> dict[str, Any]:
    """Ask for 销号: an evidence note is required; a second admin must approve."""
    task = get(db, task_id)
    if task["state"] in ("closing", "closed"):
        raise conflict(f"任务已{STATES[task['state']]}")
    _record(db, task_id, "close_request", one_line(note), one_line(evidence), who, now)
    db.execute("UPDATE tasks SET state = 'closing', close_requested_by = ? WHERE id = ?", [who, task_id])
    return get(db, task_id)


def review_close(db: Database, task_id: int, approve: bool, note: str, who: str,
                 now: datetime) -> dict[str, Any]:
    """Approve or refuse a requested 销号; the reviewer must be another person than the one who asked."""
    task = get(db, task_id)
    if task["state"] != "closing":
        raise conflict("该任务没有待审核的销号申请")
    if who == task["close_requested_by"]:
        raise forbidden("销号须由申请人以外的另一名管理员审核")
    if approve:
        _record(db, task_id, "approve", one_line(note), "", who, now)
        db.execute("UPDATE tasks SET state = 'closed', closed_at = ?, closed_by = ? WHERE id = ?",
                   [_iso(now), who, task_id])
    else:
        _record(db, task_id, "refuse", one_line(note), "", who, now)
        db.execute("UPDATE tasks SET state = 'in_progress', close_requested_by = NULL WHERE id = ?", [task_id])
    return get(db, task_id)


def overdue(task: dict[str, Any], now: datetime, tz: Any) -> bool:
    """Past the end of its deadline day (hall time) and not closed."""
    if not task["deadline"] or task["state"] == "closed":
        return False
    due = datetime.combine(date.fromisoformat(task["deadline"]), END_OF_DAY, tzinfo=tz)
    return now > due


def listing(db: Database, now: datetime, tz: Any, *, state: str | None = None, unit: str | None = None,
            only_overdue: bool = False) -> list[dict[str, Any]]:
    """Tasks for the ledger page and exports, each with its state's name, whether overdue and its updates."""
    if state is not None and state not in STATES:
        raise invalid("state", "状态应为 " + "、".join(STATES))
    where, args = [], []
    if state:
        where.append("state = ?")
        args.append(state)
    if unit:
        where.append("unit = ?")
        args.append(unit)
    sql = "SELECT * FROM tasks" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY deadline IS NULL, deadline, id"
    updates: dict[int, list[dict[str, Any]]] = {}
    for u in db.query("SELECT * FROM task_updates ORDER BY id"):
        # shown in hall time, like every other time the admin pages read (stored as UTC)
        at = datetime.fromisoformat(u["at"]).astimezone(tz).isoformat(timespec="seconds")
        updates.setdefault(u["task_id"], []).append({**u, "at": at, "kind_name": UPDATE_KINDS[u["kind"]]})
    rows = []
    for task in db.query(sql, args):
        late = overdue(task, now, tz)
        if only_overdue and not late:
            continue
        rows.append({**task, "state_name": STATES[task["state"]], "overdue": late,
                     "updates": updates.get(task["id"], [])})
    return rows
