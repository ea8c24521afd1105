"""The rules of promised-time cases (限时办结制).

A case is accepted (受理) at a window for a ticket the window served and a guide item whose promised time limit
(``promised_days``, in working days) is more than 0 (即办件, promised 0 days, are finished on the spot and are no
case). Its deadline is the end of the ``promised_days``-th working day after the day it was accepted, by the
hall's working-day calendar (the Chinese statutory calendar with 调休, and the hall's own extra days). It is
approved (审批办结) and then issued (出件: the licence or certificate handed over); it is finished on time when it
was issued by its deadline. A case not issued by its deadline is overdue.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from sqlite_utils import Database

from queue_server.core.errors import conflict, invalid, not_found
from queue_server.core.events import Event
from queue_server.core.privacy import mask_name
from queue_server.core.workdays import WorkCalendar

STATES = {"accepted": "已受理", "approved": "已审批", "issued": "已出件"}
STEPS = {"approve": ("accepted", "approved"), "issue": ("approved", "issued")}
#: each step's event (no topic: no WebSocket client sees it; the outbox's province channel reports the step)
STEP_EVENTS = {"accept": "case.accepted", "approve": "case.approved", "issue": "case.issued"}


def step_event(step: str, case_id: int) -> Event:
    """The event of one step of a case, for the writer to publish after the step commits."""
    return Event(STEP_EVENTS[step], {"id": case_id, "step": step}, frozenset())


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="seconds")


def accept(db: Database, *, ticket: dict[str, Any], guide: Any, department: str | None, applicant: str,
           actor: str, now: datetime, calendar: WorkCalendar, tz: Any) -> int:
    """Open a case for ``ticket`` and ``guide`` (inside the caller's write transaction); its id.

    ``applicant`` is the route's validated value (one line of at most 50 characters)."""
    if not guide.promised_days:
        raise invalid("guide", f"“{guide.name}”承诺即办（0个工作日），不需要登记承诺件")
    if db.execute("SELECT 1 FROM promised_cases WHERE ticket_id = ? AND guide_code = ?",
                  [ticket["id"], guide.code]).fetchone():
        raise conflict(f"{ticket['number']}号的“{guide.name}”已登记为承诺件")
    deadline = calendar.deadline(now, guide.promised_days, tz)
    cursor = db.execute(
        "INSERT INTO promised_cases (ticket_id, ticket_number, business_day, window, service, department, guide_code,"
        " guide_name, promised_days, applicant, state, accepted_at, accepted_by, deadline)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'accepted', ?, ?, ?)",
        [ticket["id"], ticket["number"], ticket["business_day"], ticket["window"], ticket["service"], department,
         guide.code, guide.name, guide.promised_days, applicant.strip(), _iso(now), actor, _iso(deadline)])
    db.execute("INSERT INTO case_steps (case_id, step, actor, note, at) VALUES (?, 'accept', ?, '', ?)",
               [cursor.lastrowid, actor, _iso(now)])
    return int(cursor.lastrowid)


def get(db: Database, case_id: int) -> dict[str, Any]:
    row = next(db.query("SELECT * FROM promised_cases WHERE id = ?", [case_id]), None)
    if row is None:
        raise not_found(f"没有编号为 {case_id} 的承诺件")
    return row


def advance(db: Database, case_id: int, step: str, actor: str, note: str, now: datetime) -> dict[str, Any]:
    """Approve (审批) or issue (出件) a case, in that order."""
    case = get(db, case_id)
    before, after = STEPS[step]
    if case["state"] != before:
        raise conflict(f"承诺件当前为“{STATES[case['state']]}”，不能{'审批' if step == 'approve' else '出件'}")
    db.execute(f"UPDATE promised_cases SET state = ?, {after}_at = ?, {after}_by = ? WHERE id = ?",
               [after, _iso(now), actor, case_id])
    db.execute("INSERT INTO case_steps (case_id, step, actor, note, at) VALUES (?, ?, ?, ?, ?)",
               [case_id, step, actor, note, _iso(now)])
    return get(db, case_id)


def overdue(case: dict[str, Any], now: datetime) -> bool:
    return case["state"] != "issued" and now > datetime.fromisoformat(case["deadline"])


def on_time(case: dict[str, Any]) -> bool | None:
    """Issued by the deadline; ``None`` while not issued."""
    return None if case["issued_at"] is None else case["issued_at"] <= case["deadline"]


def shown(case: dict[str, Any], now: datetime, tz: Any) -> dict[str, Any]:
    """A case for the admin pages and the staff panel: local times, the applicant masked, overdue marked."""
    local = {k: (None if case[k] is None else datetime.fromisoformat(case[k]).astimezone(tz).isoformat(timespec="seconds"))
             for k in ("accepted_at", "deadline", "approved_at", "issued_at")}
    return {**case, **local, "applicant": mask_name(case["applicant"]) if case["applicant"] else "",
            "state_name": STATES[case["state"]], "overdue": overdue(case, now), "on_time": on_time(case)}


def listing(db: Database, now: datetime, tz: Any, *, day_from: str, day_to: str, state: str | None = None,
            only_overdue: bool = False, ticket: str | None = None) -> list[dict[str, Any]]:
    """Cases accepted in [day_from, day_to] (in one ``state``, of one ``ticket`` number), soonest deadline first."""
    if state is not None and state not in STATES:
        raise invalid("state", "状态应为 " + "、".join(f"{k}（{v}）" for k, v in STATES.items()))
    sql, args = "SELECT * FROM promised_cases WHERE business_day BETWEEN ? AND ?", [day_from, day_to]
    for column, value in (("state", state), ("ticket_number", ticket)):
        if value:
            sql += f" AND {column} = ?"
            args.append(value)
    rows = db.query(sql + " ORDER BY deadline, id", args)
    cases = [shown(c, now, tz) for c in rows]
    return [c for c in cases if c["overdue"]] if only_overdue else cases


def tally(cases: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """按时办结率 of some cases: issued on time among those issued or past their deadline (a case still within its
    time counts once it is issued or late)."""
    counted = [c for c in cases if c["issued_at"] is not None or overdue(c, now)]
    in_time = sum(1 for c in counted if on_time(c))
    return {"cases": len(cases), "counted": len(counted), "on_time": in_time,
            "on_time_rate": None if not counted else in_time / len(counted)}


def on_time_rates(cases: list[dict[str, Any]], now: datetime, by: str) -> dict[str, dict[str, Any]]:
    """:func:`tally` per ``by`` (``department`` or ``service``)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in cases:
        groups[case[by] or "—"].append(case)
    return {key: tally(items, now) for key, items in groups.items()}
