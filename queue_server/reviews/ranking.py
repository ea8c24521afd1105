"""The quarterly ranking of units (单位考核排名), from the records only.

A unit's score is a weighted mean of its rates, the weights from ``[reviews] ranking_weights``. Two rules keep it
fair:

- a unit with no served ticket in the period has nothing to be judged on: it is listed as 无数据, with no score and
  no place, never ranked first for an empty record;
- a rate with nothing to count is judged by what its absence means. With no bad review there is nothing to
  rectify, and with no complaint nothing to answer late: those rates earn full marks (the incident did not
  happen). A rate whose absence says nothing (no review at all, no ticket called) is left out, and the remaining
  weights are scaled up, so a unit is never rewarded for having fewer records.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from queue_server.reviews.kpis import Facts, breakdown

#: rates a unit can be ranked by (higher is better), with their names in the hall's words
INDICATORS = {
    "good_rate": "好评率",
    "active_review_rate": "主动评价率",
    "within_20_min_rate": "20分钟内叫号率",
    "callback_on_time_rate": "差评按期回访率",
    "on_time_rectification_rate": "差评按期整改率",
    "rectification_satisfaction_rate": "整改满意率",
    "complaints_on_time_rate": "有诉即办按期办结率",
}
#: rates that have nothing to count only when nothing went wrong (no bad review, no complaint): full marks then
INCIDENT_RATES = frozenset({"callback_on_time_rate", "on_time_rectification_rate", "rectification_satisfaction_rate",
                            "complaints_on_time_rate"})
DEFAULT_WEIGHTS = {"good_rate": 0.4, "on_time_rectification_rate": 0.2, "complaints_on_time_rate": 0.2,
                   "within_20_min_rate": 0.2}


def unit_score(rates: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """The weighted score (0–100) of one unit's rates; ``None`` when no weighted rate can be judged."""
    total = weight_used = 0.0
    for name, weight in weights.items():
        value = rates.get(name)
        if value is None:
            if name not in INCIDENT_RATES:
                continue  # nothing known: leave the weight out rather than guess
            value = 1.0
        total += weight * value
        weight_used += weight
    return None if weight_used == 0 else 100 * total / weight_used


def ranking(facts: Facts, now: datetime, weights: Mapping[str, float] = DEFAULT_WEIGHTS,
            units: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Every unit's figures, ranked units first (best score first), then the units without data.

    :param facts: the period's records.
    :param now: the clock's time (for deadlines still running).
    :param weights: indicator → weight.
    :param units: every unit the hall has, so that one without any record is listed too (as 无数据).
    """
    rows = {row["key"]: row for row in breakdown(facts, "department", now)}
    for unit in units:
        rows.setdefault(unit, {"key": unit, "tickets": 0, "served": 0})
    return rank_rows(rows.values(), weights)


def rank_rows(rows: Iterable[Mapping[str, Any]], weights: Mapping[str, float] = DEFAULT_WEIGHTS
              ) -> list[dict[str, Any]]:
    """Rank rows of figures (each with ``key``, ``served``, ``share_over_20_min`` and the weighted rates): ranked
    rows first (best score first, equal scores share a place), then the rows without data (no served ticket),
    as 无数据. The hall ranks its units with it, the city its halls and every hall's units."""
    ranked, unranked = [], []
    for row in rows:
        over = row.get("share_over_20_min")
        row = {**row, "within_20_min_rate": None if over is None else 1 - over}
        score = unit_score(row, weights) if row.get("served") else None
        if score is None:
            unranked.append({**row, "score": None, "rank": None, "no_data": True})
        else:
            ranked.append({**row, "score": round(score, 2), "no_data": False})
    ranked.sort(key=lambda r: (-r["score"], str(r["key"])))
    for place, row in enumerate(ranked, start=1):
        # equal scores share a place (1, 1, 3), as a published ranking lists them 并列
        same = place > 1 and row["score"] == ranked[place - 2]["score"]
        row["rank"] = ranked[place - 2]["rank"] if same else place
    unranked.sort(key=lambda r: str(r["key"]))
    return ranked + unranked
