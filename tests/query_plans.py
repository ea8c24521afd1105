"""Catch which index SQLite picks for the statements a piece of code sends (a plan that fell back to a scan would
pass every other test and only show as a slow hall)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sqlite_utils import Database


def record_plans(db: Database, kind: Callable[[str], str | None] = lambda sql: "all",
                 method: str = "execute") -> dict[str, list[str]]:
    """From now on, keep the ``EXPLAIN QUERY PLAN`` lines of every statement sent through ``db.<method>``, under
    ``kind(sql)`` (statements it names ``None`` are not kept); the statements still run as before."""
    plans: dict[str, list[str]] = defaultdict(list)
    original = getattr(db, method)

    def explain(sql, params=None):
        key = kind(sql)
        if key is not None:
            plans[key].extend(row[3] for row in db.conn.execute(f"explain query plan {sql}", params or []))
        return original(sql, params)

    setattr(db, method, explain)
    return plans
