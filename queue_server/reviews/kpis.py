"""KPIs computed from the records only (tickets, ticket_log, reviews, cases, complaints); nothing is typed in.

Definitions (a rate is ``None`` when there is nothing to count):
- ``tickets``: tickets issued on the business days; ``served``: those finished; ``no_shows``: those skipped as
  absent (过号, from the ticket log) and never served — counted from the log because a 过号 ticket left open is
  later closed as ``expired`` at the day's end.
- wait of a ticket: from issue (or appointment check-in) to its first call; ``mean_wait_min``, ``p90_wait_min``
  (nearest rank: the ⌈0.9·n⌉-th smallest) and ``share_over_20_min`` (strictly more than 20 minutes) over the
  tickets that were called.
- ``good_rate`` / ``bad_rate``: 好评 (非常满意, 满意, 基本满意) / 差评 (不满意, 非常不满意) among the valid
  (not voided) reviews.
- ``active_review_rate``: served tickets the citizen rated on their own (not through an invitation);
  ``unrated_rate``: served tickets with no review at all. A voided review still counts as a rating here: the
  ticket was rated, the rating was found malicious or mistaken.
- ``on_time_rectification_rate``: among cases of valid bad reviews that are rectified or past their deadline, the
  share rectified by the deadline; ``rectification_satisfaction_rate``: among cases with the citizen's verdict,
  the share satisfied; ``callback_on_time_rate`` likewise for the call-back.
- ``complaints_on_time_rate``: among complaints answered or past their deadline, the share answered in time.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from queue_server.reviews.common import actor_who, parse
from queue_server.reviews.levels import BAD_LEVELS, GOOD_LEVELS

WAIT_TARGET_MIN = 20.0
PERIODS = ("day", "week", "month", "quarter")
DIMENSIONS = ("window", "staff", "service", "department")


@dataclass(frozen=True)
class TicketFact:
    """What the KPIs need of one ticket."""

    id: int
    business_day: str
    service: str
    department: str | None
    window: int | None
    staff: str | None
    status: str
    wait_min: float | None
    skipped: bool = False


@dataclass(frozen=True)
class ReviewFact:
    """What the KPIs need of one review."""

    ticket_id: int
    business_day: str
    service: str | None
    department: str | None
    window: int | None
    staff: str | None
    level: str
    invited: bool
    voided: bool


@dataclass(frozen=True)
class CaseFact:
    """What the KPIs need of one rectification case (of a valid review)."""

    business_day: str
    service: str | None
    department: str | None
    window: int | None
    staff: str | None
    callback_due: datetime
    called_back_at: datetime | None
    rectify_due: datetime
    rectified_at: datetime | None
    verdict: str | None


@dataclass(frozen=True)
class ComplaintFact:
    """What the KPIs need of one complaint."""

    business_day: str
    service: str | None
    department: str | None
    window: int | None
    due_at: datetime
    resolved_at: datetime | None


@dataclass
class Facts:
    """All facts of a span of business days."""

    tickets: list[TicketFact]
    reviews: list[ReviewFact]
    cases: list[CaseFact]
    complaints: list[ComplaintFact]


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _on_time(items: Iterable[tuple[datetime | None, datetime]], now: datetime) -> float | None:
    """Share done by the deadline among those done or past the deadline."""
    counted = done_in_time = 0
    for done_at, due in items:
        if done_at is None and now <= due:
            continue  # still running and not late: not counted yet
        counted += 1
        if done_at is not None and done_at <= due:
            done_in_time += 1
    return _rate(done_in_time, counted)


def p90(values: list[float]) -> float | None:
    """Nearest-rank 90th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def compute(facts: Facts, now: datetime) -> dict[str, Any]:
    """The KPI figures of one set of facts (see the module docstring for each definition)."""
    served_ids = {t.id for t in facts.tickets if t.status == "finished"}
    waits = [t.wait_min for t in facts.tickets if t.wait_min is not None]
    valid = [r for r in facts.reviews if not r.voided]
    rated_served = [r for r in facts.reviews if r.ticket_id in served_ids]
    served = len(served_ids)
    return {
        "tickets": len(facts.tickets),
        "served": served,
        "no_shows": sum(1 for t in facts.tickets if t.skipped and t.status != "finished"),
        "mean_wait_min": sum(waits) / len(waits) if waits else None,
        "p90_wait_min": p90(waits),
        "share_over_20_min": _rate(sum(1 for w in waits if w > WAIT_TARGET_MIN), len(waits)),
        "reviews": len(valid),
        "good_rate": _rate(sum(1 for r in valid if r.level in GOOD_LEVELS), len(valid)),
        "bad_rate": _rate(sum(1 for r in valid if r.level in BAD_LEVELS), len(valid)),
        "active_review_rate": _rate(sum(1 for r in rated_served if not r.invited), served),
        "unrated_rate": _rate(served - len({r.ticket_id for r in rated_served}), served),
        "rectification_cases": len(facts.cases),
        "callback_on_time_rate": _on_time(((c.called_back_at, c.callback_due) for c in facts.cases), now),
        "on_time_rectification_rate": _on_time(((c.rectified_at, c.rectify_due) for c in facts.cases), now),
        "rectification_satisfaction_rate": _rate(sum(1 for c in facts.cases if c.verdict == "satisfied"),
                                                 sum(1 for c in facts.cases if c.verdict is not None)),
        "complaints": len(facts.complaints),
        "complaints_on_time_rate": _on_time(((c.resolved_at, c.due_at) for c in facts.complaints), now),
    }


def period_key(business_day: str, period: str) -> str:
    """``2025-11-24`` → day ``2025-11-24``, week ``2025-W48``, month ``2025-11``, quarter ``2025-Q4``."""
    day = date.fromisoformat(business_day)
    if period == "day":
        return business_day
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    raise ValueError(period)


def _group(facts: Facts, key: Callable[[Any], Any]) -> dict[Any, Facts]:
    groups: dict[Any, Facts] = defaultdict(lambda: Facts([], [], [], []))
    for name in ("tickets", "reviews", "cases", "complaints"):
        for item in getattr(facts, name):
            k = key(item)
            if k is not None:
                getattr(groups[k], name).append(item)
    return groups


def breakdown(facts: Facts, by: str, now: datetime) -> list[dict[str, Any]]:
    """KPIs per period (day/week/month/quarter) or per window/staff/service/department, keys in order."""
    if by in PERIODS:
        groups = _group(facts, lambda item: period_key(item.business_day, by))
    elif by in DIMENSIONS:
        groups = _group(facts, lambda item: getattr(item, by, None))
    else:
        raise ValueError(by)
    return [{"key": k, **compute(groups[k], now)} for k in sorted(groups, key=lambda k: (str(type(k)), k))]


def rounded(figures: dict[str, Any]) -> dict[str, Any]:
    """Figures for JSON: rates to 4 places, minutes to 2."""
    out = {}
    for k, v in figures.items():
        if isinstance(v, float):
            v = round(v, 2) if k.endswith("_min") else round(v, 4)
        out[k] = v
    return out


def load_facts(db: Database, config: Any, day_from: str, day_to: str) -> Facts:
    """Read the facts of business days [day_from, day_to] from the database."""
    departments = {code: s.department for code, s in config.services.items()}
    staff_by_actor: dict[str, str] = {}
    if db["staff"].exists():
        for staff_no, name in db.execute("SELECT staff_no, name FROM staff").fetchall():
            staff_by_actor[str(staff_no)] = str(staff_no)
            staff_by_actor.setdefault(name, str(staff_no))
    tickets = []
    # Three plain passes joined in Python: one sub-query per ticket would be far slower on a month.
    span = "FROM ticket_log l JOIN tickets t ON t.id = l.ticket_id WHERE t.business_day BETWEEN ? AND ? AND l.action"
    first_calls = dict(db.execute(f"SELECT l.ticket_id, MIN(l.at) {span} = 'call' GROUP BY l.ticket_id",
                                  [day_from, day_to]).fetchall())
    finishers = dict(db.execute(f"SELECT l.ticket_id, l.actor {span} = 'finish' ORDER BY l.id",
                                [day_from, day_to]).fetchall())
    skipped = {r[0] for r in db.execute(f"SELECT DISTINCT l.ticket_id {span} = 'skip'", [day_from, day_to])}
    rows = [(*r, first_calls.get(r[0]), finishers.get(r[0])) for r in db.execute(
        "SELECT id, business_day, service, window, status, issued_at, called_at FROM tickets "
        "WHERE business_day BETWEEN ? AND ?", [day_from, day_to]).fetchall()]
    for tid, day, service, window, status, issued_at, called_at, first_call, actor in rows:
        finisher = actor_who(actor)
        first = parse(first_call) or parse(called_at)
        wait = None if first is None else (first - parse(issued_at)).total_seconds() / 60
        tickets.append(TicketFact(tid, day, service, departments.get(service), window,
                                  staff_by_actor.get(finisher, finisher) if finisher else None, status, wait,
                                  tid in skipped))
    reviews = [
        ReviewFact(tid, day, service, department, window, staff, level, bool(invited), voided_at is not None)
        for tid, day, service, department, window, staff, level, invited, voided_at in db.execute(
            "SELECT ticket_id, business_day, service, department, window, staff_no, level, invited, voided_at "
            "FROM reviews WHERE business_day BETWEEN ? AND ?", [day_from, day_to])
    ]
    cases = [
        CaseFact(c["business_day"], c["service"], c["department"], c["window"], c["staff_no"],
                 parse(c["callback_due"]), parse(c["called_back_at"]), parse(c["rectify_due"]),
                 parse(c["rectified_at"]), c["verdict"])
        for c in db.query("SELECT * FROM rectifications WHERE business_day BETWEEN ? AND ? AND state != 'voided'",
                          [day_from, day_to])
    ]
    complaints = [
        ComplaintFact(c["business_day"], c["service"], c["department"], c["window"], parse(c["due_at"]),
                      parse(c["resolved_at"]))
        for c in db.query("SELECT * FROM complaints WHERE business_day BETWEEN ? AND ?", [day_from, day_to])
    ]
    return Facts(tickets, reviews, cases, complaints)
