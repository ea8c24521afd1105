"""The day's support plan (每日兼办): pure code, no I/O.

Before the hall opens, every regular counter whose staff are trained beyond their own items
(:func:`queue_server.policy.training.cross_trained`) is given, for the whole business day, the one trained service with
the most expected work per window serving it. The counter calls it next to its own services (oldest first across
them), so the services with the most work for the windows they have get help before any queue builds; the tide
(:func:`queue_server.policy.tidal.decide`) then acts on top of the plan when a queue still grows. Nobody moves and
nobody is added: the counter's staff take the item up at their own desk, as in 跨窗口支援.

The expected work per service is the tickets expected today times each service's minutes. The live server learns
the tickets from its own past business days (:func:`expected_from_history`) once it has enough of them; before that,
and in the hall simulator, they come from the configured demand profile. Both call the same planning function.
"""
from __future__ import annotations

from datetime import date
from typing import Callable, Iterable, Mapping

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


def expected_from_history(
    past: Mapping[date, Mapping[str, int]], surge: Callable[[date, str], float], day: date, services: Iterable[str],
) -> dict[str, float]:
    """Tickets expected per service on ``day``, learned from the counts of past business days.

    Each past count is divided by that day's surge factor for the service (the Monday and month-start surges the
    hall's demand profile names), the results are averaged over the past days (a day without the service counts as
    none), and the mean is multiplied by today's factor: a month-start Monday expects more 社保 tickets than the
    average day shows, an ordinary Wednesday fewer.

    :param past: per past business day, tickets issued per service.
    :param surge: the surge factor of a day for a service.
    :param day: the day to plan.
    :param services: the services to expect tickets for.
    """
    if not past:
        return {s: 0.0 for s in services}
    return {s: sum(counts.get(s, 0) / surge(d, s) for d, counts in past.items()) / len(past) * surge(day, s)
            for s in services}
