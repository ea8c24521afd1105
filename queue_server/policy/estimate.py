"""Wait estimates (预计等候时间): pure arithmetic over queues, windows and recent service times.

The model: a service's open windows work through its queue at ``capacity / minutes_per_ticket`` tickets a minute,
where ``capacity`` counts each open window serving it, a window shared by several services counting fractionally
(``1 / k`` of a window serving ``k`` services). A ticket with ``ahead`` tickets before it is called after about
``ahead × minutes / capacity`` minutes. The minutes per ticket come from the day's recent services, clipped against
outliers and blended with the configured minutes, so a cold start (no history yet that day) quotes the configured
figure and one forgotten "finish" cannot blow the estimate up. :class:`EstimateAccuracy` tracks quoted against
actual waits (mean absolute error, share under-estimated).

Used alike by the queue server (``HallView.service_loads()``), the tidal runner and the hall simulator.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from statistics import median

#: how many of the latest services per service feed the mean
RECENT_SAMPLES = 30
#: how many services the configured minutes count as, against the day's history
PRIOR_WEIGHT = 4.0
#: durations beyond this multiple of the recent median are clipped
OUTLIER_FACTOR = 3.0


def robust_mean_minutes(recent: Sequence[float], configured_min: float, prior_weight: float = PRIOR_WEIGHT) -> float:
    """The mean service time to plan with, from recent durations (minutes).

    Takes the latest :data:`RECENT_SAMPLES` durations, clips each to ``OUTLIER_FACTOR`` × their median (and to at
    least 0.2 min), and blends their mean with ``configured_min`` weighted as ``prior_weight`` services. The mean,
    not the median, is what a queue drains at: service times are skewed (log-normal), so a median would run low.

    :param recent: durations in minutes, oldest first.
    :param configured_min: the service's configured minutes (the cold-start figure).
    :param prior_weight: how many services the configured figure counts as.
    """
    sample = list(recent)[-RECENT_SAMPLES:]
    if not sample:
        return configured_min
    cap = max(OUTLIER_FACTOR * median(sample), 0.5)
    clipped = [min(max(d, 0.2), cap) for d in sample]
    return (configured_min * prior_weight + sum(clipped)) / (prior_weight + len(clipped))


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
    recent_minutes: tuple[float, ...] = ()
    default_minutes: float = 10.0

    @cached_property
    def mean_service_min(self) -> float:
        """The robust mean service time (see :func:`robust_mean_minutes`)."""
        return robust_mean_minutes(self.recent_minutes, self.default_minutes)


def minutes_per_ticket(load: ServiceLoad) -> float:
    """The robust mean service time of ``load``'s service.

    :param load: the service's queue.
    """
    return load.mean_service_min


def expected_wait_minutes(load: ServiceLoad, ahead: int | None = None) -> float:
    """Estimated minutes (unrounded) until a ticket with ``ahead`` tickets before it is called.

    With no open window serving the service it assumes one will open, so an unstaffed service still shows a
    growing wait (the tidal policy needs that figure); the public API shows ``None`` instead.

    :param load: the service's queue and capacity.
    :param ahead: tickets ahead of it; default ``load.waiting`` (a ticket taken now).
    """
    n = load.waiting if ahead is None else ahead
    capacity = load.capacity if load.capacity > 0 else 1.0
    return n * load.mean_service_min / capacity


def projected_wait_minutes(load: ServiceLoad, arrivals_per_min: float, lookahead_min: float) -> float:
    """The estimated wait of a ticket taken ``lookahead_min`` from now, if citizens keep arriving at the rate the
    hall's history shows for this time of day and the windows open now keep serving (a fluid projection).

    :param load: the service's queue and capacity now.
    :param arrivals_per_min: expected arrivals per minute over the look-ahead (from arrivals-by-hour history).
    :param lookahead_min: how far ahead to look.
    """
    capacity = load.capacity if load.capacity > 0 else 1.0
    m = load.mean_service_min
    work = (load.waiting + arrivals_per_min * lookahead_min) * m - capacity * lookahead_min
    return max(0.0, work) / capacity


def estimate_wait_minutes(ahead: int, load: ServiceLoad) -> int | None:
    """Whole minutes until a ticket with ``ahead`` people in front is called; ``None`` when no window serves it now.

    :param ahead: tickets before it in its queue.
    :param load: the service's queue and capacity.
    """
    if load.capacity <= 0:
        return None
    return int(round(expected_wait_minutes(load, ahead)))


def capacity_share(services_of_windows: Sequence[Sequence[str]], service: str) -> float:
    """Fractional window capacity for ``service`` from the service lists of the open windows.

    :param services_of_windows: what each open window serves now (a tidal service included).
    :param service: the service code.
    """
    return sum(1 / len(served) for served in services_of_windows if served and service in served)


def capacities(services_of_windows: Sequence[Sequence[str]]) -> dict[str, float]:
    """:func:`capacity_share` for every service at once.

    :param services_of_windows: what each open window serves now.
    """
    out: dict[str, float] = {}
    for served in services_of_windows:
        for s in served:
            out[s] = out.get(s, 0.0) + 1 / len(served)
    return out


@dataclass
class EstimateAccuracy:
    """Quoted estimates against the waits that followed, for served tickets.

    :param count: tickets counted.
    :param abs_error_sum: the sum of |actual − quoted| in minutes.
    :param under: how many waited longer than quoted.
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
        if diff > 0:
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

        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 3)

        return {
            "tickets": self.count,
            "mean_abs_error_min": r(self.mean_abs_error_min),
            "share_under_estimated": r(self.share_under),
            "bias_min": r(self.bias_min),
        }
