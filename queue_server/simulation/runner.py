"""Simulate whole days of a configured hall under a staffing policy and sum up the figures.

``simulate_days`` draws each day's tickets once per (seed, day) and runs the chosen policy on them, so two policies
run with the same seed face exactly the same citizens.
"""
from __future__ import annotations

import time as _time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from queue_server.policy.tidal_state import TidalSettings
from queue_server.policy.training import hall_cross_training
from queue_server.simulation.engine import DayResult, HallSimulation
from queue_server.simulation.hindsight import ClairvoyantPolicy
from queue_server.simulation.model import (ArrivalHistory, DayPlan, SimTicket, SimulationProfile, WindowPlan, busy_days,
                                           expected_arrivals, generate_tickets, is_workday)
from queue_server.simulation.policies import ForesightTidalPolicy, StaticPolicy, TidalPolicy
from queue_server.simulation.schedule import StandingSupportPolicy

OVER_MIN = 20.0
DEFAULT_START = date(2026, 3, 2)


POLICY_NAMES = ("static", "regular", "tidal", "crosstrained", "clairvoyant", "foresight")


def make_policy(name: str, settings: TidalSettings, history: ArrivalHistory | None = None,
                also: tuple[TidalSettings, ...] = ()):
    """The policy called ``name`` (one of :data:`POLICY_NAMES`).

    :param name: the policy's name.
    :param settings: the hall's tidal rules (used by ``tidal`` and the policies built on it).
    :param history: the hall's arrivals-by-hour history (the tidal policy's look-ahead).
    :param also: for ``clairvoyant``: further online tidal settings to be never worse than.
    """
    if name in ("static", "regular"):
        policy = StaticPolicy()
        policy.name = name
        return policy
    if name == "tidal":
        return TidalPolicy(settings, history)
    if name == "crosstrained":
        if history is None:
            raise ValueError("crosstrained needs the arrivals-by-hour history")
        return StandingSupportPolicy(history)
    if name == "clairvoyant":
        return ClairvoyantPolicy(settings, history, also=also)
    if name == "foresight":
        return ForesightTidalPolicy(settings, history=history)
    raise ValueError(f"unknown policy {name!r}; choose from {', '.join(POLICY_NAMES)}")


def _minutes(t) -> float:
    return t.hour * 60 + t.minute + t.second / 60


def sessions_of(config) -> tuple[tuple[float, float], ...]:
    """The hall's business hours as minute spans."""
    return tuple((_minutes(a), _minutes(b)) for a, b in config.hall.business_hours)


def break_plan(
    config, sessions: tuple[tuple[float, float], ...], break_min: float, spans: tuple[tuple[float, float], ...] = (),
) -> dict[int, tuple[tuple[float, float], ...]]:
    """Each staffed window's breaks: ``window -> ((start, minutes), ...)``, one per session.

    With a planned ``span`` inside a session (the hall's break plan, e.g. 11:00–12:00 after the morning rush) the
    span is cut into ``break_min`` slots; the windows of one department take consecutive slots, so a department is
    never left without its staff while another counter of it could have covered, and departments start at different
    slots, so the hall loses about the same number of counters in each slot. Without a span the breaks fall across
    the session's middle half, staggered by window (what happens when nobody plans them: most in the rush).

    :param config: the hall configuration.
    :param sessions: business-hour spans.
    :param break_min: break length (0 for none).
    :param spans: planned break spans, minutes since midnight.
    """
    if break_min <= 0:
        return {}
    ordered = sorted(config.windows.values(), key=lambda w: w.number)
    departments: dict[str, list[int]] = {}
    for w in ordered:
        first = (w.services or w.tidal_services or [""])[0]
        key = "standby" if w.standby else getattr(config.services.get(first), "department", first)
        departments.setdefault(key, []).append(w.number)
    slot_of = {n: rank + k for k, numbers in enumerate(departments.values()) for rank, n in enumerate(numbers)}
    out: dict[int, tuple[tuple[float, float], ...]] = {}
    for i, w in enumerate(ordered):
        stagger = (i * 0.618034) % 1.0
        breaks = []
        for s, e in sessions:
            span = next(((a, b) for a, b in spans if s <= a and b <= e and b - a >= break_min), None)
            if span is not None:
                slots = int((span[1] - span[0]) // break_min)
                breaks.append((span[0] + (slot_of[w.number] % slots) * break_min, break_min))
            elif e - s > 2 * break_min:
                breaks.append((s + (e - s) * (0.25 + 0.5 * stagger), break_min))
        out[w.number] = tuple(breaks)
    return out


def windows_for(
    config, policy: str, sessions: tuple[tuple[float, float], ...], break_min: float,
    break_spans: tuple[tuple[float, float], ...] = (),
) -> list[WindowPlan]:
    """The windows' shifts and breaks under ``policy``: the same people on the same hours, and the same break plan,
    for every policy but ``regular``.

    Every staffed window works every session with one break per session (:func:`break_plan`). A standby window's
    staff serve its ``tidal_services`` as fixed services (today's practice), until the tidal policy gives it one
    service to call first. Under ``regular`` (the hall without standby staff) standby windows have no shift.

    :param config: the hall configuration.
    :param policy: the policy name.
    :param sessions: business-hour spans.
    :param break_min: break length (0 for none).
    :param break_spans: planned break spans (see :func:`break_plan`).
    """
    plans = []
    support = hall_cross_training(config)
    breaks_of = break_plan(config, sessions, break_min, break_spans)
    for w in sorted(config.windows.values(), key=lambda w: w.number):
        staffed = not w.standby or policy != "regular"
        services = tuple(w.services) if not w.standby else (tuple(w.tidal_services) if staffed else ())
        shifts = tuple(sessions) if staffed else ()
        breaks = breaks_of.get(w.number, ()) if staffed else ()
        plans.append(WindowPlan(w.number, services, w.standby, tuple(w.tidal_services), shifts, breaks,
                                support.get(w.number, ())))
    return plans


def class_order_of(config) -> tuple[str, ...]:
    """The hall's ticket class order (priority, appointment, walk-in by default)."""
    order = getattr(getattr(config, "queue", None), "class_order", None)
    return tuple(order) if order else ("priority", "appointment", "walk_in")


def draw_day(config, profile: SimulationProfile, day: date, seed: int, scale: float = 1.0) -> list[SimTicket]:
    """The tickets of ``day`` for ``seed`` (the same for every policy).

    :param config: the hall configuration.
    :param profile: the demand profile.
    :param day: the simulated date.
    :param seed: the seed.
    :param scale: multiplies the day's volume.
    """
    rng = np.random.default_rng([seed, day.toordinal()])
    mean_min = {code: float(s.minutes) for code, s in config.services.items()}
    return generate_tickets(day, sessions_of(config), mean_min, profile, rng, scale)


def run_day(
    config, settings: TidalSettings, profile: SimulationProfile, policy: str, day: date, tickets: list[SimTicket],
    also: tuple[TidalSettings, ...] = (),
) -> DayResult:
    """Run one day's ``tickets`` under ``policy``.

    :param config: the hall configuration.
    :param settings: tidal settings (for the ``tidal`` policy).
    :param profile: the demand profile (breaks, no-show wait, acknowledgement delay).
    :param policy: the policy name.
    :param day: the date.
    :param tickets: the day's tickets (copied, so the list can be reused for another policy).
    :param also: for ``clairvoyant``: further online tidal settings it must never be worse than.
    """
    sessions = sessions_of(config)
    fresh = [SimTicket(t.id, t.service, t.kind, t.arrival, t.service_min, t.no_show) for t in tickets]
    plan = DayPlan(
        day, fresh, windows_for(config, policy, sessions, profile.break_min, profile.break_spans), sessions,
        {code: float(s.minutes) for code, s in config.services.items()}, class_order_of(config),
        bool(getattr(getattr(config, "queue", None), "service_order_first", False)),
        {code: s.name for code, s in config.services.items()},
    )
    history = expected_arrivals(day, sessions, plan.mean_min, profile)
    sim = HallSimulation(plan, make_policy(policy, settings, history, also), config.hall.tz, profile.ack_delay_min,
                         no_show_wait_min=profile.no_show_wait_min)
    return sim.run()


@dataclass
class Summary:
    """Figures over simulated days (per-day averages; waits pooled over all days)."""

    policy: str
    days: int
    tickets: float
    mean_wait_min: float
    p90_wait_min: float
    max_wait_min: float
    share_over_20_min: float
    staff_hours: float
    tidal_openings: float
    seconds: float
    estimate_mae_min: float | None
    estimate_share_under: float | None

    def as_json(self) -> dict:
        """The ``--json`` object."""
        return {
            "policy": self.policy, "days": self.days, "tickets": round(self.tickets, 1),
            "mean_wait_min": round(self.mean_wait_min, 2), "p90_wait_min": round(self.p90_wait_min, 2),
            "max_wait_min": round(self.max_wait_min, 2), "share_over_20_min": round(self.share_over_20_min, 4),
            "staff_hours": round(self.staff_hours, 2), "tidal_openings": round(self.tidal_openings, 2),
            "seconds": round(self.seconds, 4),
            "estimate_mae_min": None if self.estimate_mae_min is None else round(self.estimate_mae_min, 2),
            "estimate_share_under": None if self.estimate_share_under is None else round(self.estimate_share_under, 3),
        }


def summarize(policy: str, results: list[DayResult], seconds: list[float]) -> Summary:
    """Average ``results`` over their days.

    :param policy: the policy name.
    :param results: one result per day.
    :param seconds: the simulation's run time per day.
    """
    n = len(results) or 1
    per_day = lambda f: sum(f(r) for r in results) / n  # noqa: E731
    mean = per_day(lambda r: sum(r.waits) / len(r.waits) if r.waits else 0.0)
    p90 = per_day(lambda r: float(np.percentile(r.waits, 90)) if r.waits else 0.0)
    mx = per_day(lambda r: max(r.waits, default=0.0))
    over = per_day(lambda r: sum(1 for w in r.waits if w > OVER_MIN) / len(r.waits) if r.waits else 0.0)
    counted = sum(r.accuracy.count for r in results)
    mae = sum(r.accuracy.abs_error_sum for r in results) / counted if counted else None
    under = sum(r.accuracy.under for r in results) / counted if counted else None
    return Summary(
        policy, len(results), per_day(lambda r: r.tickets), mean, p90, mx, over,
        per_day(lambda r: r.staff_min / 60), per_day(lambda r: r.tidal_openings), sum(seconds) / n, mae, under,
    )


def simulate_days(
    config, settings: TidalSettings, profile: SimulationProfile, policy: str, days: list[date], seed: int,
    scale: float = 1.0, also: tuple[TidalSettings, ...] = (),
) -> tuple[Summary, list[DayResult]]:
    """Simulate ``days`` under ``policy`` and summarise.

    :param config: the hall configuration.
    :param settings: tidal settings.
    :param profile: the demand profile.
    :param policy: the policy name.
    :param days: the dates to simulate.
    :param seed: the seed (the same seed gives the same citizens under every policy).
    :param scale: multiplies each day's volume.
    :param also: for ``clairvoyant``: further online tidal settings it must never be worse than.
    """
    results, seconds = [], []
    for day in days:
        started = _time.perf_counter()
        tickets = draw_day(config, profile, day, seed, scale)
        results.append(run_day(config, settings, profile, policy, day, tickets, also))
        seconds.append(_time.perf_counter() - started)
    return summarize(policy, results, seconds), results


def default_days(count: int, busy: bool, start: date = DEFAULT_START) -> list[date]:
    """``count`` business days from ``start``: only busy ones (Mondays, month start) when ``busy``."""
    if busy:
        return busy_days(start, count)
    out, d = [], start
    while len(out) < count:
        if is_workday(d):
            out.append(d)
        d += timedelta(days=1)
    return out
