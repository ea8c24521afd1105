"""What a simulated hall-day is made of: the demand profile, the tickets of one day, and the windows' shifts.

A day's arrivals are a non-homogeneous Poisson process per service: a daily volume spread over the business hours
by an hourly profile (a morning and an afternoon peak), with Monday and month-start surges, a day-to-day and an
hour-to-hour log-normal wobble per service (so one service peaks while another is calm), appointments spread
evenly over the day, a share of priority tickets (绿色通道), log-normal service times around each service's
configured minutes, and no-shows. All draws come from one seeded generator, so the same seed gives the same day
whatever staffing policy is then tested on it.

Times inside the simulator are minutes since local midnight of the simulated date.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Mapping

import chinese_calendar
import numpy as np

# Relative arrival intensity by local hour (the morning peak 9–11, a smaller one after lunch).
DEFAULT_HOURLY = {8: 1.0, 9: 1.6, 10: 1.5, 11: 1.0, 12: 0.5, 13: 0.8, 14: 1.3, 15: 1.2, 16: 0.9, 17: 0.4}
WALK_IN, APPOINTMENT, PRIORITY = "walk_in", "appointment", "priority"


@dataclass(frozen=True)
class SimulationProfile:
    """Demand and staffing habits of a hall, from ``[tidal.simulation]``.

    :param tickets_per_day: walk-in, appointment and priority tickets of an ordinary day, all services together.
    :param mix: relative share of each service (by code); services left out get weight 1.
    :param hourly: relative arrival intensity by local hour.
    :param monday_factor: volume factor on Mondays (first business day of the week).
    :param month_start_factor: volume factor on the first ``month_start_days`` business days of a month.
    :param month_start_days: how many business days count as month start.
    :param month_start_services: services the month-start surge applies to (all when empty).
    :param day_sigma: log-normal sigma of each service's volume from day to day.
    :param hour_sigma: log-normal sigma of each service's intensity from hour to hour.
    :param service_cv: coefficient of variation of the log-normal service time.
    :param no_show_rate: share of called tickets whose citizen does not come.
    :param no_show_wait_min: how long a window waits (recalls) before skipping a no-show.
    :param appointment_share: share of tickets that are checked-in appointments.
    :param priority_share: share of tickets with a priority category.
    :param break_min: each regular window's break, once in the morning and once in the afternoon session.
    :param break_spans: ``(start, end)`` minutes since midnight within which the hall's break plan puts each
        session's breaks (e.g. 11:00–12:00 and 16:00–17:30, after the rushes); a session without a span spreads its
        breaks over its middle half, as most halls do when nobody plans them.
    :param ack_delay_min: how long standby staff take to acknowledge and start at a tidal window.
    :param busy_days: how many busy days the benchmark and ``--busy`` simulate.
    """

    tickets_per_day: float = 900.0
    mix: Mapping[str, float] = field(default_factory=dict)
    hourly: Mapping[int, float] = field(default_factory=lambda: dict(DEFAULT_HOURLY))
    monday_factor: float = 1.25
    month_start_factor: float = 1.2
    month_start_days: int = 3
    month_start_services: tuple[str, ...] = ()
    day_sigma: float = 0.25
    hour_sigma: float = 0.3
    service_cv: float = 0.6
    no_show_rate: float = 0.04
    no_show_wait_min: float = 2.0
    appointment_share: float = 0.1
    priority_share: float = 0.04
    break_min: float = 15.0
    break_spans: tuple[tuple[float, float], ...] = ()
    ack_delay_min: float = 1.5
    busy_days: int = 5


@dataclass(slots=True)
class SimTicket:
    """One citizen's ticket in a simulated day.

    :param id: running number within the day.
    :param service: the service code.
    :param kind: ``walk_in``, ``appointment`` or ``priority``.
    :param arrival: minutes since midnight it joined the queue.
    :param service_min: how long serving it takes (drawn in advance, so every policy sees the same day).
    :param no_show: whether its citizen is gone when called.
    :param quoted_min: the wait estimate it was given at issue (set by the simulator).
    :param called: the minute it was first called, -1 until then (set by the simulator).
    """

    id: int
    service: str
    kind: str
    arrival: float
    service_min: float
    no_show: bool = False
    quoted_min: float = 0.0
    called: float = -1.0


@dataclass(frozen=True)
class WindowPlan:
    """A window's place in a simulated day.

    :param number: the window number.
    :param services: its own services in priority order (empty for a standby window).
    :param standby: whether it stands by for tidal duty.
    :param tidal_services: what it may be opened for.
    :param shifts: (start, end) minutes when its staff take new tickets (a standby window has none by default).
    :param breaks: (start, minutes) of its staff's breaks.
    :param support_services: what a regular window's staff may take up as cross-window support.
    """

    number: int
    services: tuple[str, ...]
    standby: bool = False
    tidal_services: tuple[str, ...] = ()
    shifts: tuple[tuple[float, float], ...] = ()
    breaks: tuple[tuple[float, float], ...] = ()
    support_services: tuple[str, ...] = ()


@dataclass
class DayPlan:
    """Everything that happens to the hall on one simulated day, before any policy acts.

    :param day: the simulated date (its weekday and month start shape demand).
    :param tickets: every ticket, by arrival time.
    :param windows: every window's plan.
    :param sessions: the business-hour spans, minutes since midnight.
    :param mean_min: each service's configured minutes (the estimator's cold-start figure).
    :param class_order: ticket classes, first served first (the hall's ``[queue]`` rule).
    :param service_order_first: whether a window empties its first service before its second.
    :param service_names: each service's name (for the reasons in the day's audit trail).
    """

    day: date
    tickets: list[SimTicket]
    windows: list[WindowPlan]
    sessions: tuple[tuple[float, float], ...]
    mean_min: dict[str, float]
    class_order: tuple[str, ...] = (PRIORITY, APPOINTMENT, WALK_IN)
    service_order_first: bool = False
    service_names: Mapping[str, str] = field(default_factory=dict)


def is_workday(day: date) -> bool:
    """Whether ``day`` is a Chinese business day (statutory calendar; plain Mon–Fri beyond its data).

    :param day: the date.
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def day_factor(day: date, profile: SimulationProfile, service: str) -> float:
    """The surge factor of ``day`` for ``service``: Monday × month start.

    :param day: the date.
    :param profile: the demand profile.
    :param service: the service code.
    """
    factor = 1.0
    # The first business day after a weekend or holiday (normally a Monday) gets the Monday surge.
    gap = 1
    while gap < 10 and not is_workday(day - timedelta(days=gap)):
        gap += 1
    if gap > 1:
        factor *= profile.monday_factor
    business_days_before = sum(
        1 for d in range(1, day.day) if is_workday(day.replace(day=d))
    )
    if business_days_before < profile.month_start_days and (
        not profile.month_start_services or service in profile.month_start_services
    ):
        factor *= profile.month_start_factor
    return factor


def busy_days(start: date, count: int) -> list[date]:
    """The first ``count`` busy business days from ``start``: Mondays and month-start days.

    :param start: the first date to consider.
    :param count: how many to return.
    """
    out: list[date] = []
    d = start
    while len(out) < count:
        if is_workday(d) and d.weekday() < 5 and (d.weekday() == 0 or d.day <= 5):
            out.append(d)
        d += timedelta(days=1)
    return out


def expected_volume(day: date, services: Mapping[str, float], profile: SimulationProfile) -> float:
    """The expected number of tickets on ``day`` (before the random wobbles, which keep their mean).

    :param day: the date.
    :param services: configured minutes by service code (only the codes matter).
    :param profile: the demand profile.
    """
    weights = {s: float(profile.mix.get(s, 1.0)) for s in services}
    total = sum(weights.values()) or 1.0
    return sum(profile.tickets_per_day * w / total * day_factor(day, profile, s) for s, w in weights.items())


def _lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    sigma2 = math.log(1 + cv * cv)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def _hour_segments(sessions, profile) -> list[tuple[float, float, float]]:
    """Business-hours minutes cut at each clock hour: (start, end, the hourly profile's weight)."""
    segments: list[tuple[float, float, float]] = []
    for start, end in sessions:
        t = start
        while t < end - 1e-9:
            hour_end = min(end, (math.floor(t / 60) + 1) * 60)
            segments.append((t, hour_end, profile.hourly.get(int(t // 60), 0.5)))
            t = hour_end
    return segments


def generate_tickets(
    day: date,
    sessions: tuple[tuple[float, float], ...],
    services: Mapping[str, float],
    profile: SimulationProfile,
    rng: np.random.Generator,
    scale: float = 1.0,
) -> list[SimTicket]:
    """Draw one day's tickets.

    :param day: the simulated date.
    :param sessions: business-hour spans in minutes since midnight.
    :param services: configured minutes by service code.
    :param profile: the demand profile.
    :param rng: the seeded generator (its state advances).
    :param scale: multiplies the whole day's volume (used to size a day to a ticket count).
    """
    weights = {s: float(profile.mix.get(s, 1.0)) for s in services}
    total_w = sum(weights.values()) or 1.0
    segments = _hour_segments(sessions, profile)
    mass = sum((e - s) * w for s, e, w in segments) or 1.0
    tickets: list[SimTicket] = []
    open_minutes = sum(e - s for s, e in sessions) or 1.0
    for code in sorted(services):
        volume = profile.tickets_per_day * scale * weights[code] / total_w * day_factor(day, profile, code)
        volume *= float(rng.lognormal(-profile.day_sigma**2 / 2, profile.day_sigma))
        mu, sigma = _lognormal_params(services[code], profile.service_cv)
        walk_volume = volume * (1 - profile.appointment_share)
        mine: list[SimTicket] = []
        for s, e, w in segments:
            wobble = float(rng.lognormal(-profile.hour_sigma**2 / 2, profile.hour_sigma))
            n = int(rng.poisson(walk_volume * (e - s) * w / mass * wobble))
            for t in rng.uniform(s, e, n):
                kind = PRIORITY if rng.random() < profile.priority_share else WALK_IN
                mine.append(SimTicket(0, code, kind, float(t), 0.0))
        for s, e in sessions:
            n = int(rng.poisson(volume * profile.appointment_share * (e - s) / open_minutes))
            mine.extend(SimTicket(0, code, APPOINTMENT, float(t), 0.0) for t in rng.uniform(s, e, n))
        durations = rng.lognormal(mu, sigma, len(mine))
        no_shows = rng.random(len(mine)) < profile.no_show_rate
        for tk, d, ns in zip(mine, durations, no_shows):
            tk.service_min = float(d)
            tk.no_show = bool(ns)
        tickets.extend(mine)
    tickets.sort(key=lambda t: t.arrival)
    for i, tk in enumerate(tickets):
        tk.id = i
    return tickets


@dataclass(frozen=True)
class ArrivalHistory:
    """Expected arrivals per minute by service and clock hour: what a hall learns from its past days' tickets (the
    simulator takes it from the demand profile, without the day's random wobbles).

    :param per_min: ``service -> ((start, end, arrivals per minute), ...)`` spans in minutes since midnight.
    """

    per_min: Mapping[str, tuple[tuple[float, float, float], ...]]

    def rate(self, service: str, t: float, lookahead_min: float) -> float:
        """Mean arrivals per minute of ``service`` over ``[t, t + lookahead_min)``.

        :param service: the service code.
        :param t: minutes since midnight.
        :param lookahead_min: the span's length.
        """
        if lookahead_min <= 0:
            return 0.0
        end = t + lookahead_min
        total = sum(r * max(0.0, min(e, end) - max(s, t)) for s, e, r in self.per_min.get(service, ()))
        return total / lookahead_min

    def work_minutes(self, minutes: Mapping[str, float]) -> dict[str, float]:
        """Expected minutes of work per service over the day: expected arrivals times each service's minutes.

        :param minutes: minutes per service (the configured ones).
        """
        return {s: sum(r * (e - b) for b, e, r in spans) * minutes.get(s, 10.0) for s, spans in self.per_min.items()}


def expected_arrivals(
    day: date, sessions: tuple[tuple[float, float], ...], services: Mapping[str, float], profile: SimulationProfile,
) -> ArrivalHistory:
    """The hall's arrivals-by-hour history for a day like ``day`` (same weekday and month-start surges).

    :param day: the date.
    :param sessions: business-hour spans.
    :param services: configured minutes by service code (only the codes matter).
    :param profile: the demand profile.
    """
    weights = {s: float(profile.mix.get(s, 1.0)) for s in services}
    total_w = sum(weights.values()) or 1.0
    segments = _hour_segments(sessions, profile)
    mass = sum((e - s) * w for s, e, w in segments) or 1.0
    open_minutes = sum(e - s for s, e in sessions) or 1.0
    out = {}
    for code in services:
        volume = profile.tickets_per_day * weights[code] / total_w * day_factor(day, profile, code)
        walk = volume * (1 - profile.appointment_share)
        booked = volume * profile.appointment_share / open_minutes
        out[code] = tuple((s, e, walk * w / mass + booked) for s, e, w in segments)
    return ArrivalHistory(out)
