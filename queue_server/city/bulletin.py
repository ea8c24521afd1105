"""The city's quarterly bulletin (全市政务服务大厅季度通报): the hall's bulletin document
(:func:`queue_server.bulletin.document.write_docx`) filled with city-wide figures — the city's totals, each hall's
indicators and ranking, and how many promised-time cases, rectification cases and complaints each hall has
overdue."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from queue_server.city import reports
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


async def content(conn: asyncpg.Connection, quarter: Quarter, now: datetime, city: str) -> dict[str, Any]:
    """What the city's bulletin of ``quarter`` says, in the shape the document builder takes."""
    day_from, day_to = quarter.first_day, quarter.last_day
    totals = await reports.kpis(conn, day_from, day_to, now)
    ranked = await reports.rankings(conn, day_from, day_to, now, "hall")
    for row in ranked:
        row["training_sessions"] = None  # training is the hall's own register: not shipped to the city
    overdue = [r for r in await conn.fetch(_OVERDUE, now, list(OPEN_CASES), list(OPEN_COMPLAINTS))
               if r["cases"] or r["rectifications"] or r["complaints"]]
    return {
        "title": f"{city}{quarter.title}政务服务大厅工作情况通报",
        "quarter": str(quarter),
        "span": quarter.span,
        "unit_word": "大厅",
        "totals": totals,
        "promised_cases": {"cases": totals["promised_cases"], "on_time_rate": totals["case_on_time_rate"]},
        "consultations": {"total": 0, "outcomes": {}},  # the consult desk's ledger stays in the hall
        "units": sorted(ranked, key=lambda r: r["key"]),
        "ranking": ranked,
        "weights": {ranking.INDICATORS[k]: w for k, w in ranking.DEFAULT_WEIGHTS.items()},
        "untrained_units": [],
        "survey_weak_points": [],
        "overdue_table": (["大厅", "逾期承诺件", "逾期差评整改", "逾期诉求"],
                          [[r["name"], str(r["cases"]), str(r["rectifications"]), str(r["complaints"])]
                           for r in overdue]),
    }
