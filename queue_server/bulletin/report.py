"""What a quarter's bulletin says, gathered from the records: the hall's totals, each unit's indicators, the
ranking, and what is overdue (rectification cases, complaints, work-plan tasks). Nothing here is typed in; the
document and the admin page both render this."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from queue_server.cases import rules as promised
from queue_server.core.config import HallConfig
from queue_server.core.hall_time import Quarter
from queue_server.practices import register as practice_register
from queue_server.practices.settings import practice_kinds
from queue_server.reviews import complaints, kpis, ranking, rectification
from queue_server.reviews.settings import ReviewSettings
from queue_server.tasks import ledger as task_ledger
from queue_server.training import register as training

#: the unit table's columns: (field, heading, kind) with kind ``rate`` (a share shown as %), ``min`` or ``count``
UNIT_COLUMNS = (
    ("tickets", "取号", "count"),
    ("served", "办结", "count"),
    ("mean_wait_min", "平均等候（分钟）", "min"),
    ("good_rate", "好评率", "rate"),
    ("active_review_rate", "主动评价率", "rate"),
    ("on_time_rectification_rate", "差评按期整改率", "rate"),
    ("rectification_satisfaction_rate", "整改满意率", "rate"),
    ("complaints_on_time_rate", "有诉即办按期办结率", "rate"),
    ("case_on_time_rate", "承诺件按时办结率", "rate"),
    ("practices", "服务举措（次）", "count"),
    ("training_sessions", "培训（次）", "count"),
)


def gather(db: Database, config: HallConfig, settings: ReviewSettings, quarter: Quarter, now: datetime) -> dict[str, Any]:
    """Everything the bulletin of ``quarter`` states, as plain data (deadlines judged at ``now``)."""
    day_from, day_to = quarter.first_day.isoformat(), quarter.last_day.isoformat()
    facts = kpis.load_facts(db, config, day_from, day_to)
    names = {code: d.name for code, d in config.departments.items()}
    ranked = [kpis.rounded(r) for r in ranking.ranking(facts, now, settings.ranking_weights, config.departments)]
    for row in ranked:
        row["name"] = names.get(row["key"], str(row["key"]))
    trained = {row["unit"]: row for row in training.coverage(db, config.departments, day_from, day_to)}
    promised_cases = promised.listing(db, now, config.hall.tz, day_from=day_from, day_to=day_to)
    case_rates = promised.on_time_rates(promised_cases, now, "department")
    practiced = {row["key"]: row["total"] for row in practice_register.counts(
        db, practice_kinds(config), config.services, day_from, day_to, "department")}
    for row in ranked:
        row["practices"] = practiced.get(row["key"], 0)
        row["training_sessions"] = trained[row["key"]]["sessions"] if row["key"] in trained else 0
        row["case_on_time_rate"] = case_rates.get(row["key"], {}).get("on_time_rate")
    order = {code: i for i, code in enumerate(config.departments)}
    units = sorted(ranked, key=lambda r: order.get(r["key"], len(order)))
    tz = config.hall.tz
    rectifications = [rectification.case_json(c, tz, now) for c in rectification.list_cases(db, state="open")]
    late_complaints = [complaints.complaint_json(c, tz, now) for c in complaints.list_rows(db, state="open")]
    return {
        "hall": config.hall.name,
        "quarter": str(quarter),
        "title": f"{config.hall.name}{quarter.title}政务服务工作情况通报",
        "span": quarter.span,
        "from": day_from,
        "to": day_to,
        "totals": kpis.rounded(kpis.compute(facts, now)),
        "units": units,
        "ranking": ranked,
        "weights": {ranking.INDICATORS[k]: w for k, w in settings.ranking_weights.items()},
        "overdue_cases": [c for c in rectifications if c["overdue"]],
        "overdue_complaints": [c for c in late_complaints if c["overdue"]],
        "overdue_tasks": task_ledger.listing(db, now, tz, only_overdue=True),
        "promised_cases": promised.tally(promised_cases, now),
        "overdue_promised_cases": [c for c in promised.listing(db, now, tz, day_from="0000-01-01", day_to=day_to)
                                   if c["overdue"]],
        "untrained_units": [row["name"] for row in trained.values() if row["flagged"]],
    }


def shown(value: Any, kind: str) -> str:
    """A figure as the bulletin prints it: shares as 96.5%, minutes to one place, nothing as —."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{100 * value:.1f}%"
    if kind == "min":
        return f"{value:.1f}"
    return str(value)
