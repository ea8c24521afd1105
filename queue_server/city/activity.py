"""What the halls record besides their queues, as the city reads it for a span of days: training sessions (and the
units none covered), the 咨询导办 desk's consultations by outcome, and the questionnaires' weak points per unit —
the same rules as the hall's own bulletin (:mod:`queue_server.bulletin.report`), over every hall's shipped records.

The 无数据 rule: a hall that recorded no session, no consultation or no answer in the span has ``no_data`` for
that part — the city cannot tell a hall that held none from one that does not keep the register, so it neither
counts a 0 nor flags the hall's units as untrained; it says 无数据.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import asyncpg

from queue_server.city.reports import unit_name
from queue_server.consult.rules import OUTCOMES
from queue_server.surveys.store import point_text
from queue_server.training.register import KINDS as TRAINING_KINDS

_HALL = "($3::text IS NULL OR hall = $3)"
_TRAINING = f"""SELECT hall, kind, units FROM training_sessions
    WHERE business_day BETWEEN $1 AND $2 AND {_HALL}"""
_CONSULTATIONS = f"""SELECT hall, outcome, count(*) AS n FROM consultations
    WHERE business_day BETWEEN $1 AND $2 AND {_HALL} GROUP BY 1, 2"""
_ANSWERS = f"""SELECT hall, survey, count(*) AS n FROM survey_answers
    WHERE business_day BETWEEN $1 AND $2 AND {_HALL} GROUP BY 1, 2"""
# per hall, questionnaire, unit and question: how many answered it and the mean rating, or the satisfied share
_QUESTIONS = f"""
SELECT hall, survey, department, '平均分' AS measure, q.key AS question, count(*) AS n,
       avg(q.value::integer) AS value
FROM survey_answers, jsonb_each_text(ratings) q WHERE business_day BETWEEN $1 AND $2 AND {_HALL} GROUP BY 1, 2, 3, 5
UNION ALL
SELECT hall, survey, department, '满意选项占比', q.key, count(*), avg(CASE WHEN q.value::boolean THEN 1 ELSE 0 END)
FROM survey_answers, jsonb_each_text(good) q WHERE business_day BETWEEN $1 AND $2 AND {_HALL} GROUP BY 1, 2, 3, 5
ORDER BY 1, 2, 3, 5"""


def _training(rows: list[asyncpg.Record], units: Mapping[str, str]) -> dict[str, Any]:
    """One hall's sessions: by kind, and each of its units with its count (``flagged`` with none)."""
    if not rows:
        return {"no_data": True, "sessions": None, "by_kind": {}, "units": []}
    per_unit = dict.fromkeys(units or {}, 0)
    by_kind: dict[str, int] = {}
    for row in rows:
        name = TRAINING_KINDS.get(row["kind"], row["kind"])
        by_kind[name] = by_kind.get(name, 0) + 1
        for unit in row["units"]:
            per_unit[unit] = per_unit.get(unit, 0) + 1
    return {"no_data": False, "sessions": len(rows), "by_kind": by_kind,
            "units": [{"unit": code, "name": unit_name(units, code), "sessions": n, "flagged": not n}
                      for code, n in sorted(per_unit.items())]}  # jsonb keeps no order: by code


def _consultations(counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    return {"no_data": not total, "total": total or None,
            "outcomes": {k: counts.get(k, 0) for k in OUTCOMES}, "outcome_names": OUTCOMES}


def _surveys(answered: dict[str, int], questions: list[asyncpg.Record], definitions: Mapping[str, Any],
             units: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each questionnaire answered in the span with its units' weak points, as the hall judges them
    (:func:`queue_server.surveys.store.weak_points`: at least ``min_answers`` answers, below the threshold)."""
    out = []
    for code, n in sorted(answered.items()):
        survey = (definitions or {}).get(code) or {}
        weak: dict[str, list[str]] = {}
        for q in (r for r in questions if r["survey"] == code):
            rating = q["measure"] == "平均分"
            value = round(float(q["value"]), 2 if rating else 3)
            threshold = survey.get("weak_rating", 4.0) if rating else survey.get("weak_share", 0.8)
            if q["n"] < survey.get("min_answers", 3) or value >= threshold:
                continue
            text = (survey.get("questions") or {}).get(q["question"], q["question"])
            weak.setdefault(q["department"], []).append(point_text(
                {"measure": q["measure"], "text": text, "value": value, "threshold": threshold}))
        out.append({"code": code, "title": survey.get("title", code), "answers": n,
                    "units": [{"unit": u, "name": unit_name(units, u), "points": points}
                              for u, points in weak.items()]})
    return out


async def activity(conn: asyncpg.Connection, day_from: date, day_to: date, hall: str | None = None
                   ) -> dict[str, dict[str, Any]]:
    """Per hall (every registered hall, or ``hall``): ``training``, ``consultations`` and ``surveys`` over
    [day_from, day_to], each part with ``no_data`` where the hall recorded none."""
    args = (day_from, day_to, hall)
    halls = await conn.fetch("SELECT code, name, units, surveys FROM halls WHERE ($1::text IS NULL OR code = $1) "
                             "ORDER BY code", hall)
    training: dict[str, list[asyncpg.Record]] = {}
    for row in await conn.fetch(_TRAINING, *args):
        training.setdefault(row["hall"], []).append(row)
    consulted: dict[str, dict[str, int]] = {}
    for row in await conn.fetch(_CONSULTATIONS, *args):
        consulted.setdefault(row["hall"], {})[row["outcome"]] = row["n"]
    answered: dict[str, dict[str, int]] = {}
    for row in await conn.fetch(_ANSWERS, *args):
        answered.setdefault(row["hall"], {})[row["survey"]] = row["n"]
    questions = await conn.fetch(_QUESTIONS, *args)
    out = {}
    for h in halls:
        surveys = _surveys(answered.get(h["code"], {}), [q for q in questions if q["hall"] == h["code"]],
                           h["surveys"], h["units"])
        out[h["code"]] = {"name": h["name"], "training": _training(training.get(h["code"], []), h["units"]),
                          "consultations": _consultations(consulted.get(h["code"], {})),
                          "surveys": surveys, "surveys_no_data": not surveys}
    return out
