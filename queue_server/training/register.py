"""The training register's rules: record a session, list sessions, and each unit's sessions in a span of days
(a unit with none in a quarter is flagged: the plan asks for at least one training a quarter).

A 走流程体验 (walking a service through as a citizen would) records what it found in ``findings``; so may any
session. Attendees are staff accounts by 工号; the units are the hall's departments the session covered.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

from sqlite_utils import Database

from queue_server.core.errors import invalid

KINDS = {"business": "业务培训", "skills": "服务技能培训", "walkthrough": "走流程体验", "mystery_visit": "暗访注意事项"}
TEXT_LIMITS = {"topic": 200, "organiser": 50, "findings": 4000}


def _text(body: dict[str, Any], name: str, label: str, *, required: bool) -> str:
    value = body.get(name) or ""
    if not isinstance(value, str):
        raise invalid(name, f"{label}应为文字")
    value = value.strip()
    if required and not value:
        raise invalid(name, f"{label}不能为空")
    if len(value) > TEXT_LIMITS[name]:
        raise invalid(name, f"{label}不能超过 {TEXT_LIMITS[name]} 字")
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise invalid(name, f"{label}含有控制字符")
    return value


def record(db: Database, body: dict[str, Any], departments: dict[str, Any], actor: str, now: datetime,
           today: date) -> int:
    """Record one session (inside the caller's write transaction); its id.

    :param body: ``held_on`` (YYYY-MM-DD, not in the future), ``kind``, ``topic``, ``units`` (department codes),
        ``attendees`` (工号 of staff accounts), ``organiser``, ``findings``.
    :param departments: the hall's departments (code → department).
    :param today: the hall's business day (a session is recorded once held, never ahead).
    """
    held_on = body.get("held_on")
    try:
        day = date.fromisoformat(held_on) if isinstance(held_on, str) and len(held_on) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise invalid("held_on", "培训日期应为 YYYY-MM-DD")
    if day > today:
        raise invalid("held_on", "只能登记已经举行的培训")
    kind = body.get("kind")
    if kind not in KINDS:
        raise invalid("kind", "类型应为 " + "、".join(f"{k}（{v}）" for k, v in KINDS.items()))
    units = body.get("units")
    if not isinstance(units, list) or not units or not all(isinstance(u, str) for u in units):
        raise invalid("units", "参训单位应为至少一个单位代码的列表")
    unknown = [u for u in units if u not in departments]
    if unknown:
        raise invalid("units", f"未知单位：{'、'.join(unknown)}")
    attendees = body.get("attendees", [])
    if not isinstance(attendees, list) or not all(isinstance(a, str) for a in attendees):
        raise invalid("attendees", "参训人员应为工号列表")
    known = {row[0] for row in db.execute("SELECT staff_no FROM staff")}
    missing = [a for a in attendees if a not in known]
    if missing:
        raise invalid("attendees", f"没有这些工号：{'、'.join(missing)}")
    cursor = db.execute(
        "INSERT INTO training_sessions (held_on, kind, topic, units, organiser, findings, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [day.isoformat(), kind, _text(body, "topic", "培训主题", required=True),
         json.dumps(sorted(set(units)), ensure_ascii=False), _text(body, "organiser", "组织者", required=False),
         _text(body, "findings", "发现的问题", required=False),
         now.astimezone(timezone.utc).isoformat(timespec="seconds"), actor])
    for staff_no in sorted(set(attendees)):
        db.execute("INSERT INTO training_attendance (session_id, staff_no) VALUES (?, ?)", [cursor.lastrowid, staff_no])
    return int(cursor.lastrowid)


def sessions(db: Database, day_from: str, day_to: str) -> list[dict[str, Any]]:
    """Sessions held in [day_from, day_to], newest first, with their attendees and kind's name."""
    attendance: dict[int, list[str]] = {}
    for session_id, staff_no in db.execute("SELECT session_id, staff_no FROM training_attendance ORDER BY staff_no"):
        attendance.setdefault(session_id, []).append(staff_no)
    return [{**row, "units": json.loads(row["units"]), "kind_name": KINDS[row["kind"]],
             "attendees": attendance.get(row["id"], [])}
            for row in db.query("SELECT * FROM training_sessions WHERE held_on BETWEEN ? AND ? "
                                "ORDER BY held_on DESC, id DESC", [day_from, day_to])]


def coverage(db: Database, departments: dict[str, Any], day_from: str, day_to: str) -> list[dict[str, Any]]:
    """Every unit with its sessions in the span by kind; ``flagged`` when it had none."""
    counts: dict[str, dict[str, int]] = {code: {} for code in departments}
    for session in sessions(db, day_from, day_to):
        for unit in session["units"]:
            if unit in counts:
                counts[unit][session["kind"]] = counts[unit].get(session["kind"], 0) + 1
    return [{"unit": code, "name": dept.name, "sessions": sum(kinds.values()), "by_kind": kinds,
             "flagged": not kinds} for code, dept in departments.items() for kinds in [counts[code]]]
