"""Estimated waits: people ahead, the window capacity serving a service, and recent service times.

Pure code. A window shared by several services lends each of them a fraction of itself.
"""
from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: below this many finished tickets today, the configured typical minutes weigh in
WARM_UP_SAMPLES = 5
#: only the most recent service times count, so the estimate follows the day
RECENT_SAMPLES = 12


@dataclass(frozen=True)
class ServiceLoad:
    """The state of one service's queue.

    :param service: service code.
    :param waiting: tickets waiting for it.
    :param capacity: open windows serving it, each counted as 1 / (number of services it serves).
    :param recent_minutes: service times of its most recent finished tickets, oldest first.
    :param default_minutes: the configured typical service time.
    """

    service: str
    waiting: int
    capacity: float
    recent_minutes: tuple[float, ...]
    default_minutes: float


def minutes_per_ticket(load: ServiceLoad) -> float:
    """A robust service time: the median of recent times, blended with the default while samples are few."""
    recent = load.recent_minutes[-RECENT_SAMPLES:]
    if not recent:
        return load.default_minutes
    median = statistics.median(recent)
    weight = min(len(recent), WARM_UP_SAMPLES) / WARM_UP_SAMPLES
    return weight * median + (1 - weight) * load.default_minutes


def estimate_wait_minutes(ahead: int, load: ServiceLoad) -> int | None:
    """Minutes until a ticket with ``ahead`` people in front is called; ``None`` when no window serves it now."""
    if load.capacity <= 0:
        return None
    return int(round(ahead * minutes_per_ticket(load) / load.capacity))


def capacity_share(services_of_windows: Sequence[Sequence[str]], service: str) -> float:
    """Fractional window capacity for ``service`` from the service lists of the open windows."""
    return sum(1 / len(served) for served in services_of_windows if service in served and served)
