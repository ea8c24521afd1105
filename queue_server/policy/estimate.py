"""Wait estimates (预计等候时间): pure arithmetic over queues, windows and recent service times.

The model: a service's windows work through its queue at ``capacity / mean_service_min`` tickets a minute, where
``capacity`` counts each open window serving it, a window shared by several services counting fractionally (in
proportion to the work each of its services has queued, never less than half an equal share). Idle capacity
serves the first tickets at once. Mean service times come from the day's recent services, clipped against
outliers and blended with the configured minutes so a cold start (no history yet that day) quotes the configured
figure. :class:`EstimateAccuracy` tracks quoted against actual waits (mean absolute error, share under-estimated).

Used alike by the queue server (``Hall.service_loads()``), the tidal runner and the hall simulator.
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Iterable, Mapping, Sequence

# How many of the latest services per service feed the mean, and how much weight the configured minutes keep.
RECENT_SERVICES = 30
PRIOR_WEIGHT = 4.0
# Durations beyond this multiple of the median are clipped (a forgotten "finish" must not blow up the estimate).
OUTLIER_FACTOR = 3.0
# A quoted estimate is "under" when the citizen waited more than this many minutes longer than quoted.
UNDER_TOLERANCE_MIN = 0.0


@dataclass(frozen=True)
class ServiceLoad:
    """One service's queue and the capacity working on it.

    :param service: the service code.
    :param waiting: tickets waiting.
    :param capacity: windows serving it now, a shared window counting fractionally.
    :param idle: the part of ``capacity`` that is free right now.
    :param mean_service_min: the robust mean service time, minutes.
    """

    service: str
    waiting: int
    capacity: float
    mean_service_min: float
    idle: float = 0.0


@dataclass(frozen=True)
class WindowView:
    """A window as the estimator sees it.

    :param services: what it serves now, in priority order (a tidal service included).
    :param available: whether it is staffed and calling (open, not paused or closed).
    :param busy: whether it is calling or serving a ticket right now.
    """

    services: tuple[str, ...]
    available: bool
    busy: bool


def robust_mean_minutes(recent: Sequence[float], configured_min: float, prior_weight: float = PRIOR_WEIGHT) -> float:
    """The mean service time to plan with, from recent durations (minutes).

    Takes the latest :data:`RECENT_SERVICES` durations, clips each to ``OUTLIER_FACTOR`` × their median (and to at
    least 0.2 min), and blends their mean with ``configured_min`` weighted as ``prior_weight`` services, so the
    first services of a day move the figure only a little.

    :param recent: durations in minutes, oldest first.
    :param configured_min: the service's configured minutes (the cold-start figure).
    :param prior_weight: how many services the configured figure counts as.
    """
    sample = list(recent)[-RECENT_SERVICES:]
    if not sample:
        return configured_min
    cap = max(OUTLIER_FACTOR * median(sample), 0.5)
    clipped = [min(max(d, 0.2), cap) for d in sample]
    return (configured_min * prior_weight + sum(clipped)) / (prior_weight + len(clipped))


def capacity_shares(
    windows: Iterable[WindowView], waiting: Mapping[str, int], mean_min: Mapping[str, float]
) -> tuple[dict[str, float], dict[str, float]]:
    """Each service's share of the available windows, and the idle part of it.

    :param windows: every window.
    :param waiting: tickets waiting, by service.
    :param mean_min: mean service minutes, by service.
    :returns: ``(capacity, idle)`` dicts by service code.
    """
    capacity: dict[str, float] = {}
    idle: dict[str, float] = {}
    for w in windows:
        if not w.available or not w.services:
            continue
        k = len(w.services)
        weights = [(waiting.get(s, 0) + 0.5) * mean_min.get(s, 10.0) for s in w.services]
        total = sum(weights)
        floor = 0.5 / k
        raw = [max(x / total, floor) for x in weights]
        norm = sum(raw)
        for s, share in zip(w.services, raw):
            share /= norm
            capacity[s] = capacity.get(s, 0.0) + share
            if not w.busy:
                idle[s] = idle.get(s, 0.0) + share
    return capacity, idle


def build_loads(
    windows: Sequence[WindowView], waiting: Mapping[str, int], mean_min: Mapping[str, float]
) -> dict[str, ServiceLoad]:
    """A :class:`ServiceLoad` for every service in ``mean_min``.

    :param windows: every window.
    :param waiting: tickets waiting, by service.
    :param mean_min: the robust mean service minutes of every service (see :func:`robust_mean_minutes`).
    """
    capacity, idle = capacity_shares(windows, waiting, mean_min)
    return {
        s: ServiceLoad(s, waiting.get(s, 0), capacity.get(s, 0.0), m, idle.get(s, 0.0))
        for s, m in mean_min.items()
    }


def estimate_wait_minutes(load: ServiceLoad, ahead: int | None = None) -> float:
    """Estimated minutes until a ticket with ``ahead`` tickets before it is called.

    With no window serving the service the estimate assumes one window will (a ticket is never quoted "never").

    :param load: the service's queue and capacity.
    :param ahead: tickets ahead of it; default ``load.waiting`` (a ticket taken now).
    """
    n = load.waiting if ahead is None else ahead
    capacity = load.capacity if load.capacity > 0 else 1.0
    slots = n + 1 - min(load.idle, capacity)
    if slots <= 0:
        return 0.0
    return slots * load.mean_service_min / capacity


@dataclass
class EstimateAccuracy:
    """Quoted estimates against the waits that followed, for served tickets.

    :param count: tickets counted.
    :param abs_error_sum: the sum of |actual − quoted| in minutes.
    :param under: how many waited longer than quoted (by more than :data:`UNDER_TOLERANCE_MIN`).
    :param error_sum: the sum of (actual − quoted): positive means estimates run low.
    """

    count: int = 0
    abs_error_sum: float = 0.0
    under: int = 0
    error_sum: float = 0.0

    def add(self, quoted_min: float, actual_min: float) -> None:
        """Count one served ticket.

        :param quoted_min: the estimate given at issue.
        :param actual_min: the wait until its first call.
        """
        self.count += 1
        diff = actual_min - quoted_min
        self.abs_error_sum += abs(diff)
        self.error_sum += diff
        if diff > UNDER_TOLERANCE_MIN:
            self.under += 1

    @property
    def mean_abs_error_min(self) -> float | None:
        """Mean absolute error in minutes, or None with nothing counted."""
        return self.abs_error_sum / self.count if self.count else None

    @property
    def share_under(self) -> float | None:
        """Share of tickets that waited longer than quoted, or None with nothing counted."""
        return self.under / self.count if self.count else None

    @property
    def bias_min(self) -> float | None:
        """Mean (actual − quoted) in minutes, or None with nothing counted."""
        return self.error_sum / self.count if self.count else None

    def as_dict(self) -> dict:
        """The figures as JSON-ready numbers."""
        r = lambda x: None if x is None else round(x, 3)  # noqa: E731
        return {
            "tickets": self.count,
            "mean_abs_error_min": r(self.mean_abs_error_min),
            "share_under_estimated": r(self.share_under),
            "bias_min": r(self.bias_min),
        }
