"""The day's support plan (每日兼办): pure code, no I/O.

Before the hall opens, every regular counter whose staff are trained beyond their own items
(:func:`queue_server.policy.tidal.cross_trained`) is given, for the whole business day, the one trained service with
the most expected work per window serving it. The counter calls it next to its own services (oldest first across
them), so the services with the most work for the windows they have get help before any queue builds; the tide
(:func:`queue_server.policy.tidal.decide`) then acts on top of the plan when a queue still grows. Nobody moves and
nobody is added: the counter's staff take the item up at their own desk, as in 跨窗口支援.

The expected work per service comes from the hall's expected arrivals for a day like today (the configured demand
profile) times each service's minutes; the live server and the hall simulator call the same function.
"""
from __future__ import annotations

from typing import Mapping

# A window a plan has already given an extra service counts as half a window more for it (its staff still serve
# their own items too), so the next counter is steered to the next-busiest service.
PLANNED_SHARE = 0.5


def plan_day_support(
    serves: Mapping[int, tuple[str, ...]], trained: Mapping[int, tuple[str, ...]], work_min: Mapping[str, float],
) -> dict[int, str]:
    """The service each trained regular window takes up for the day, by window number.

    Windows are planned in number order. Each takes the trained service with the most expected minutes of work per
    window serving it (own windows count fractionally when they serve several services; a window planned for the
    service already counts :data:`PLANNED_SHARE`); ties go to the service code, so a plan is reproducible.

    :param serves: the services every staffed window serves all day (a standby window: its whole group).
    :param trained: the services each regular window's staff may take up beyond their own (empty: not planned).
    :param work_min: expected minutes of work per service over the day.
    """
    serving: dict[str, float] = {}
    for services in serves.values():
        for s in services:
            serving[s] = serving.get(s, 0.0) + 1.0 / len(services)
    plan: dict[int, str] = {}
    for number in sorted(trained):
        options = [s for s in trained[number] if s not in serves.get(number, ())]
        if not options:
            continue
        best = max(options, key=lambda s: (work_min.get(s, 0.0) / (serving.get(s, 0.0) + 1.0), s))
        serving[best] = serving.get(best, 0.0) + PLANNED_SHARE
        plan[number] = best
    return plan
