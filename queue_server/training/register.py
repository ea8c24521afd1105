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


def record(db: Database, *, held_on: date, kind: str, topic: str, units: list[str], attendees: list[str],
           organiser: str, findings: str, departments: dict[str, Any], actor: str, now: datetime,
           today: date) -> int:
    """Record one session (inside the caller's write transaction); its id.

    The values are the route's validated ones (types, lengths and characters checked by its declaration); here
    only what they mean: the day not in the future, the units the hall's, the attendees staff accounts' 工号.

    :param kind: one of :data:`KINDS`.
    :param units: department codes; ``attendees``: 工号 of staff accounts.
    :param departments: the hall's departments (code → department).
    :param today: the hall's business day (a session is recorded once held, never ahead).
    """
    if held_on > today:
        raise invalid("held_on", "只能登记已经举行的培训")
    if kind not in KINDS:
        raise invalid("kind", "类型应为 " + "、".join(f"{k}（{v}）" for k, v in KINDS.items()))
    unknown = [u for u in units if u not in departments]
    if unknown:
        raise invalid("units", f"未知单位：{'、'.join(unknown)}")
    known = {row[0] for row in db.execute("SELECT staff_no FROM staff")}
    missing = [a for a in attendees if a not in known]
    if missing:
        raise invalid("attendees", f"没有这些工号：{'、'.join(missing)}")
    cursor = db.execute(
        "INSERT INTO training_sessions (held_on, kind, topic, units, organiser, findings, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [held_on.isoformat(), kind, topic, json.dumps(sorted(set(units)), ensure_ascii=False), organiser, findings,
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
