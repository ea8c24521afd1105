"""The city's quarterly bulletin (全市政务服务大厅季度通报): the hall's bulletin document
(:func:`queue_server.bulletin.document.write_docx`) filled with city-wide figures — the city's totals, each hall's
indicators and ranking, its training sessions and the units none covered, its consultations and questionnaire
answers and their weak points (:mod:`queue_server.city.activity`: 无数据 where a hall recorded none), and how
many promised-time cases, rectification cases and complaints each hall has overdue."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from queue_server.city import activity, reports
from queue_server.consult.rules import OUTCOMES
from queue_server.core.hall_time import Quarter
from queue_server.reviews import ranking
from queue_server.reviews.complaints import OPEN_STATES as OPEN_COMPLAINTS
from queue_server.reviews.rectification import OPEN_STATES as OPEN_CASES

_OVERDUE = """
SELECT h.code, h.name,
  (SELECT count(*) FROM promised_cases c WHERE c.hall = h.code AND c.state <> 'issued' AND c.deadline < $1) AS cases,
  (SELECT count(*) FROM rectifications r WHERE r.hall = h.code AND r.state = ANY($2::text[])
     AND (r.rectify_due < $1 OR (r.state = 'opened' AND r.callback_due < $1))) AS rectifications,
  (SELECT count(*) FROM complaints p WHERE p.hall = h.code AND p.state = ANY($3::text[]) AND p.due_at < $1)
     AS complaints
FROM halls h ORDER BY h.code"""


#: what the bulletin prints where a hall recorded none of something (not 0: it may not keep that register)
NO_DATA = "无数据"


def _activity_row(hall: dict[str, Any]) -> list[str]:
    """A hall's consultations by outcome and its questionnaire answers and weak points, or 无数据."""
    c = hall["consultations"]
    consults = [NO_DATA] * 4 if c["no_data"] else [str(c["total"]), *(str(c["outcomes"][k]) for k in OUTCOMES)]
    surveys = hall["surveys"]
    answers = [NO_DATA] * 2 if not surveys else [
        str(sum(s["answers"] for s in surveys)),
        str(sum(len(u["points"]) for s in surveys for u in s["units"]))]
    return [hall["name"], *consults, *answers]


async def content(conn: asyncpg.Connection, quarter: Quarter, now: datetime, city: str) -> dict[str, Any]:
    """What the city's bulletin of ``quarter`` says, in the shape the document builder takes."""
    day_from, day_to = quarter.first_day, quarter.last_day
    totals = await reports.kpis(conn, day_from, day_to, now)
    ranked = await reports.rankings(conn, day_from, day_to, now, "hall")
    done = await activity.activity(conn, day_from, day_to)
    for row in ranked:
        row["training_sessions"] = done[row["key"]]["training"]["sessions"] or NO_DATA
    consulted = {k: sum(h["consultations"]["outcomes"][k] for h in done.values()) for k in OUTCOMES}
    overdue = [r for r in await conn.fetch(_OVERDUE, now, list(OPEN_CASES), list(OPEN_COMPLAINTS))
               if r["cases"] or r["rectifications"] or r["complaints"]]
    return {
        "title": f"{city}{quarter.title}政务服务大厅工作情况通报",
        "quarter": str(quarter),
        "span": quarter.span,
        "unit_word": "大厅",
        "totals": totals,
        "promised_cases": {"cases": totals["promised_cases"], "on_time_rate": totals["case_on_time_rate"]},
        "consultations": {"total": sum(consulted.values()), "outcomes": consulted},
        "units": sorted(ranked, key=lambda r: r["key"]),
        "ranking": ranked,
        "weights": {ranking.INDICATORS[k]: w for k, w in ranking.DEFAULT_WEIGHTS.items()},
        # a hall that recorded no training is 无数据 in the table, its units not flagged (it may keep no register)
        "untrained_units": [f"{h['name']} · {u['name']}" for h in done.values() for u in h["training"]["units"]
                            if u["flagged"]],
        "survey_weak_points": [{**s, "hall": h["name"]} for h in done.values() for s in h["surveys"]],
        "activity_table": (["大厅", "咨询导办（次）", "当场解答", "引导至窗口", "帮助网上申办", "问卷答卷（份）",
                            "薄弱环节（项）"], [_activity_row(h) for h in done.values()]),
        "overdue_table": (["大厅", "逾期承诺件", "逾期差评整改", "逾期诉求"],
                          [[r["name"], str(r["cases"]), str(r["rectifications"]), str(r["complaints"])]
                           for r in overdue]),
    }
