"""差评整改: the rectification case every bad review opens, its state machine, deadlines and overdue alerts.

States: ``opened`` → ``called_back`` (回访核实, due within ``callback_days`` working days) → ``rectifying`` →
``rectified`` (整改完成, due within ``rectify_days`` working days) → ``closed`` (the citizen's verdict on the fix is
recorded). A case whose review is voided becomes ``voided``; nothing is ever deleted.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from queue_server.core.errors import conflict, invalid, not_found
from queue_server.reviews.common import iso, ledger_rows, local_iso, log_action, parse
from queue_server.reviews.levels import level_name
from queue_server.reviews.settings import ReviewSettings

STATES: dict[str, str] = {
    "opened": "待回访",
    "called_back": "已回访",
    "rectifying": "整改中",
    "rectified": "已整改",
    "closed": "已办结",
    "voided": "已作废",
}
OPEN_STATES = ("opened", "called_back", "rectifying")

# action → (states it may start from, state it leads to, column that records the time)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "call_back": (("opened",), "called_back", "called_back_at"),
    "start": (("called_back",), "rectifying", "rectifying_at"),
    "rectify": (("rectifying",), "rectified", "rectified_at"),
    "verdict": (("rectified",), "closed", "verdict_at"),
}
ACTION_NAMES = {"call_back": "回访核实", "start": "开始整改", "rectify": "整改完成", "verdict": "群众评价整改",
                "assign": "指定责任人", "void": "作废"}
VERDICTS = {"satisfied": "满意", "dissatisfied": "不满意"}


def open_case(db: Database, review: dict[str, Any], settings: ReviewSettings, tz: Any,
              now: datetime) -> dict[str, Any]:
    """Open the case of a bad review with both deadlines on the working-day calendar."""
    case = {
        "review_id": review["id"], "ticket_id": review["ticket_id"], "ticket_number": review["ticket_number"],
        "business_day": review["business_day"], "service": review["service"],
        "department": review["department"], "window": review["window"], "staff_no": review["staff_no"],
        "level": review["level"], "state": "opened", "responsible": None, "opened_at": iso(now),
        "callback_due": iso(settings.calendar.deadline(now, settings.callback_days, tz)),
        "rectify_due": iso(settings.calendar.deadline(now, settings.rectify_days, tz)),
    }
    cursor = db.execute(
        f"INSERT INTO rectifications ({', '.join(case)}) VALUES ({', '.join('?' * len(case))})",
        list(case.values()))
    case["id"] = cursor.lastrowid
    log_action(db, "rectification", case["id"], "open", "系统", f"差评（{level_name(review['level'])}）自动立案", now)
    return case


def get_case(db: Database, case_id: int) -> dict[str, Any]:
    """One case row, or 404."""
    rows = list(db.query("SELECT * FROM rectifications WHERE id = ?", [case_id]))
    if not rows:
        raise not_found("找不到该整改案件")
    return rows[0]


def act(db: Database, case_id: int, action: str, body: dict[str, Any], actor: str, now: datetime) -> dict[str, Any]:
    """Apply one action to a case (inside the caller's write transaction) and return the updated row.

    ``call_back`` needs ``note`` (what the citizen said), ``start`` a ``responsible`` person unless one is set,
    ``rectify`` the ``measures`` taken, ``verdict`` the citizen's ``verdict`` (satisfied/dissatisfied);
    ``assign`` names the ``responsible`` person at any open state.
    """
    case = get_case(db, case_id)
    note = str(body.get("note") or "").strip()
    if action == "assign":
        responsible = str(body.get("responsible") or "").strip()
        if not responsible:
            raise invalid("responsible", "请填写责任人")
        if case["state"] not in OPEN_STATES:
            raise conflict(f"案件{STATES[case['state']]}，不能再指定责任人")
        db.execute("UPDATE rectifications SET responsible = ? WHERE id = ?", [responsible, case_id])
        log_action(db, "rectification", case_id, "assign", actor, responsible, now)
        return get_case(db, case_id)
    if action not in TRANSITIONS:
        raise invalid("action", "未知操作，可用：" + "/".join([*TRANSITIONS, "assign"]))
    sources, target, column = TRANSITIONS[action]
    if case["state"] not in sources:
        raise conflict(f"案件当前为“{STATES[case['state']]}”，不能执行“{ACTION_NAMES[action]}”")
    updates: dict[str, Any] = {"state": target, column: iso(now)}
    if action == "call_back":
        if not note:
            raise invalid("note", "请填写回访核实情况")
        updates["callback_note"] = note
    elif action == "start":
        responsible = str(body.get("responsible") or case["responsible"] or "").strip()
        if not responsible:
            raise invalid("responsible", "请填写整改责任人")
        updates["responsible"] = responsible
    elif action == "rectify":
        measures = str(body.get("measures") or "").strip()
        if not measures:
            raise invalid("measures", "请填写整改措施")
        updates["measures"] = measures
        note = measures
    elif action == "verdict":
        verdict = body.get("verdict")
        if verdict not in VERDICTS:
            raise invalid("verdict", "群众对整改的评价应为 satisfied 或 dissatisfied")
        updates["verdict"] = verdict
        updates["verdict_note"] = note
        note = VERDICTS[verdict] + (f": {note}" if note else "")
    sets = ", ".join(f"{k} = ?" for k in updates)
    db.execute(f"UPDATE rectifications SET {sets} WHERE id = ?", [*updates.values(), case_id])
    log_action(db, "rectification", case_id, action, actor, note, now)
    return get_case(db, case_id)


def overdue_kind(case: dict[str, Any], now: datetime) -> str | None:
    """``callback`` when the call-back is late, ``rectify`` when the fix is late, else ``None``."""
    if case["state"] not in OPEN_STATES:
        return None
    if now > parse(case["rectify_due"]):
        return "rectify"
    if case["state"] == "opened" and now > parse(case["callback_due"]):
        return "callback"
    return None


def on_time(case: dict[str, Any]) -> bool | None:
    """Whether the fix was done by its deadline; ``None`` while it still can be."""
    if case["rectified_at"] is None:
        return None
    return parse(case["rectified_at"]) <= parse(case["rectify_due"])


def case_json(case: dict[str, Any], tz: Any, now: datetime) -> dict[str, Any]:
    """A case as the API shows it (API.md fields first, times in the hall's zone)."""
    out = {
        "id": case["id"], "review_id": case["review_id"], "ticket": case["ticket_number"],
        "window": case["window"], "level": case["level"], "state": case["state"],
        "callback_due": local_iso(case["callback_due"], tz), "rectify_due": local_iso(case["rectify_due"], tz),
        "opened_at": local_iso(case["opened_at"], tz),
    }
    out.update({
        "level_name": level_name(case["level"]), "state_name": STATES.get(case["state"], case["state"]),
        "business_day": case["business_day"], "service": case["service"], "department": case["department"],
        "staff_no": case["staff_no"], "responsible": case["responsible"],
        "called_back_at": local_iso(case["called_back_at"], tz), "callback_note": case["callback_note"],
        "rectifying_at": local_iso(case["rectifying_at"], tz), "measures": case["measures"],
        "rectified_at": local_iso(case["rectified_at"], tz), "verdict": case["verdict"],
        "verdict_at": local_iso(case["verdict_at"], tz), "verdict_note": case["verdict_note"],
        "voided_at": local_iso(case["voided_at"], tz), "overdue": overdue_kind(case, now),
        "on_time": on_time(case),
    })
    return out


def list_cases(db: Database, *, state: str | None = None, day_from: str | None = None,
               day_to: str | None = None, window: int | None = None) -> list[dict[str, Any]]:
    """Case rows, newest first, filtered by state (or ``open``), business days and window."""
    return ledger_rows(db, "rectifications", OPEN_STATES, state=state, day_from=day_from, day_to=day_to,
                       window=window)
