"""The discrete-event hall simulator: one day of tickets, windows and a staffing policy.

Events (arrivals, services finishing, shifts and breaks starting and ending, policy ticks) run from a heap in time
order. A window that is free calls the ticket that should go first among the services it serves, by the hall's
class order (priority, appointment, walk-in; oldest first within a class, see :mod:`.ordering`); each ticket is
quoted a wait at issue by :mod:`queue_server.policy.estimate`, the same code the server uses. A staffing policy
(:mod:`.policies`) gets a tick every simulated minute and may put standby windows on tidal duty or take them off.
"""
from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from queue_server.policy.estimate import (EstimateAccuracy, ServiceLoad, capacities, capacity_share,
                                          expected_wait_minutes, robust_mean_minutes)
from queue_server.policy.ordering import OrderRule
from queue_server.simulation.model import DayPlan, SimTicket, WindowPlan
from queue_server.simulation.ordering import pick_next

ARRIVAL, DONE, SHIFT_START, SHIFT_END, BREAK_START, BREAK_END, TICK, STAFF_ARRIVES, SAMPLE = range(9)
SAMPLE_EVERY_MIN = 5.0


class StaffingPolicy(Protocol):
    """What the simulator asks of a staffing policy."""

    name: str

    def start(self, sim: HallSimulation) -> None:
        """Called once before the day runs (may schedule things)."""

    def tick(self, sim: HallSimulation, t: float) -> None:
        """Called every simulated minute while the hall works."""


class Desk:
    """A window at run time: who staffs it, what it serves, what it is doing."""

    __slots__ = (
        "plan", "number", "own", "tidal", "serves", "staffed", "on_break", "closing", "current",
        "on_since", "staff_min", "assigned", "in_shift",
    )

    def __init__(self, plan: WindowPlan) -> None:
        self.plan = plan
        self.number = plan.number
        self.own = plan.services
        self.tidal: str | None = None
        self.serves: tuple[str, ...] = plan.services
        self.staffed = False
        self.on_break = False
        self.closing = False
        self.assigned = False  # on tidal duty (staff on the way, or at the window)
        self.in_shift = False  # inside one of its own shifts (its own staff are here anyway)
        self.current: SimTicket | None = None
        self.on_since: float | None = None
        self.staff_min = 0.0

    @property
    def available(self) -> bool:
        return self.staffed and not self.on_break


@dataclass
class DayResult:
    """What one simulated day produced.

    :param waits: minutes from joining the queue to the first call, for every ticket whose citizen came.
    :param tickets: tickets issued.
    :param staff_min: staffed window-minutes (breaks excluded).
    :param tidal_openings: tidal windows opened during the day.
    :param timeline: (minute, tickets waiting, windows staffed) samples every five minutes.
    :param accuracy: quoted estimates against actual waits.
    :param events: the policy's audit trail (minute, action, service, window, reason).
    :param waits_by_service: (service, wait) for every ticket in ``waits``.
    """

    waits: list[float]
    tickets: int
    staff_min: float
    tidal_openings: int
    timeline: list[tuple[float, int, int]]
    accuracy: EstimateAccuracy
    events: list[tuple[float, str, str, int, str]] = field(default_factory=list)
    waits_by_service: list[tuple[str, float]] = field(default_factory=list)


class HallSimulation:
    """One simulated day.

    :param plan: the day's tickets, windows and business hours.
    :param policy: the staffing policy under test.
    :param tz: the hall's time zone (for the datetimes handed to the tidal policy).
    :param ack_delay_min: how long standby staff take to arrive after a tidal opening.
    :param quote: whether to quote an estimate to every ticket (off in pure queueing-theory runs).
    :param tick_min: minutes between policy ticks (and five times that between timeline samples); None for
        neither (a policy that never acts, in long queueing-theory runs).
    :param no_show_wait_min: how long a window waits for a citizen who does not come before skipping.
    """

    def __init__(
        self, plan: DayPlan, policy: StaffingPolicy, tz: ZoneInfo | timezone = timezone.utc,
        ack_delay_min: float = 1.5, quote: bool = True, tick_min: float | None = 1.0, no_show_wait_min: float = 2.0,
    ) -> None:
        self.plan = plan
        self.policy = policy
        self.tz = tz
        self.ack_delay_min = ack_delay_min
        self.quote = quote
        self.tick_min = tick_min
        self.no_show_wait_min = no_show_wait_min
        self.rule = OrderRule(plan.class_order, plan.service_order_first)
        self.desks = {w.number: Desk(w) for w in plan.windows}
        self.services = list(plan.mean_min)
        self.queues: dict[str, dict[str, deque[SimTicket]]] = {
            s: {k: deque() for k in plan.class_order} for s in self.services
        }
        self.waiting = {s: 0 for s in self.services}
        self.durations: dict[str, deque[float]] = {s: deque(maxlen=30) for s in self.services}
        self._mean_cache: dict[str, float] = dict(plan.mean_min)
        self.serving: dict[str, list[Desk]] = {s: [] for s in self.services}
        for d in self.desks.values():
            self._reindex(d, (), d.serves)
        self._heap: list[tuple[float, int, int, object]] = []
        self._seq = 0
        self.waits: list[float] = []
        self.waits_by_service: list[tuple[str, float]] = []
        self.timeline: list[tuple[float, int, int]] = []
        self.accuracy = EstimateAccuracy()
        self.tidal_openings = 0
        self.events: list[tuple[float, str, str, int, str]] = []
        self.t = 0.0
        self._midnight = datetime.combine(plan.day, time(0), tzinfo=tz).astimezone(timezone.utc)
        self._last_session_end = max((e for _, e in plan.sessions), default=0.0)

    # -- scheduling -------------------------------------------------------------------------------------------
    def schedule(self, t: float, kind: int, obj: object = None) -> None:
        """Queue an event at minute ``t``."""
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, kind, obj))

    def now(self, t: float) -> datetime:
        """The aware UTC datetime of simulated minute ``t``."""
        return self._midnight + timedelta(minutes=t)

    # -- state the policies read -------------------------------------------------------------------------------
    def mean_minutes(self) -> dict[str, float]:
        """Robust mean service minutes by service, from the day's finished services so far."""
        return dict(self._mean_cache)

    def loads(self, tidal: bool = True) -> dict[str, ServiceLoad]:
        """Every service's :class:`~queue_server.policy.estimate.ServiceLoad` now (``tidal=False``: as if no
        tidal window were open)."""
        cap = capacities([d.serves for d in self.desks.values() if d.available and (tidal or d.tidal is None)])
        return {
            s: ServiceLoad(s, self.waiting[s], cap.get(s, 0.0), (), self._mean_cache[s]) for s in self.services
        }

    def any_waiting(self, services: tuple[str, ...]) -> bool:
        """Whether any ticket waits for one of ``services``."""
        return any(self.waiting[s] for s in services)

    # -- actions the policies take ----------------------------------------------------------------------------
    def assign_tidal(self, number: int, service: str, t: float, delay: float | None = None) -> None:
        """Put window ``number`` on tidal duty for ``service``: after ``delay`` minutes (its staff acknowledge, or
        arrive at an unstaffed standby window) it calls ``service`` first, then its own services."""
        d = self.desks[number]
        d.tidal = service
        if not d.plan.shifts:  # a window with shifts of its own keeps closing when its shift has ended
            d.closing = False
        d.assigned = True
        wait = self.ack_delay_min if delay is None else delay
        if wait <= 0:
            self._take_up(d, t)
        else:
            self.schedule(t + wait, STAFF_ARRIVES, (d, service))

    def add_day_service(self, number: int, service: str) -> None:
        """Window ``number``'s staff take ``service`` up next to their own for the rest of the day (the day's
        support plan, :mod:`queue_server.policy.day_plan`)."""
        d = self.desks[number]
        if service in d.own:
            return
        d.own = d.own + (service,)
        if service in d.serves:  # already its tidal service
            return
        self._set_serves(d, d.serves + (service,))

    def release_tidal(self, number: int, t: float) -> None:
        """Take window ``number`` off tidal duty: it goes back to its own services; a window with no shift of its
        own (or past its shift) finishes its ticket, then its staff leave."""
        d = self.desks[number]
        d.tidal = None
        self._set_serves(d, d.own)
        d.assigned = False
        if d.in_shift:
            return
        d.closing = True
        if d.staffed and d.current is None:
            self._off(d, t)

    def _take_up(self, d: Desk, t: float) -> None:
        self._set_serves(d, (d.tidal,) + tuple(s for s in d.own if s != d.tidal))
        if d.staffed:
            self._try_call(d, t)
        elif not d.plan.shifts:  # a standby window with no staff of its own: its staff come now
            self._on(d, t)
        # else its own staff are off (lunch, evening): they take the service up when their shift starts

    # -- internals ------------------------------------------------------------------------------------------
    def _reindex(self, d: Desk, old: tuple[str, ...], new: tuple[str, ...]) -> None:
        for s in old:
            self.serving[s].remove(d)
        for s in new:
            self.serving[s].append(d)

    def _set_serves(self, d: Desk, serves: tuple[str, ...]) -> None:
        self._reindex(d, d.serves, serves)
        d.serves = serves

    def _on(self, d: Desk, t: float) -> None:
        d.staffed = True
        if d.on_since is None and not d.on_break:
            d.on_since = t
        self._try_call(d, t)

    def _off(self, d: Desk, t: float) -> None:
        if d.on_since is not None:
            d.staff_min += t - d.on_since
            d.on_since = None
        d.staffed = False
        d.closing = False

    def _try_call(self, d: Desk, t: float) -> None:
        if d.current is not None or not d.available:
            return
        ticket = pick_next(d.number, d.serves, self.queues, self.rule) if self.any_waiting(d.serves) else None
        if ticket is None:
            if d.closing:
                self._off(d, t)
            return
        self.waiting[ticket.service] -= 1
        ticket.called = t
        d.current = ticket
        if ticket.no_show:
            self.schedule(t + self.no_show_wait_min, DONE, d)
        else:
            self.waits.append(t - ticket.arrival)
            self.waits_by_service.append((ticket.service, t - ticket.arrival))
            if self.quote:
                self.accuracy.add(ticket.quoted_min, t - ticket.arrival)
            self.schedule(t + ticket.service_min, DONE, d)

    def _arrive(self, tk: SimTicket, t: float) -> None:
        if self.quote:
            ahead = 0
            for k in self.plan.class_order:
                ahead += len(self.queues[tk.service][k])
                if k == tk.kind:
                    break
            s = tk.service
            cap = capacity_share([d.serves for d in self.serving[s] if d.available], s)
            tk.quoted_min = expected_wait_minutes(ServiceLoad(s, self.waiting[s], cap, (), self._mean_cache[s]), ahead)
        self.queues[tk.service][tk.kind].append(tk)
        self.waiting[tk.service] += 1
        for d in self.serving[tk.service]:
            if d.current is None and d.available:
                self._try_call(d, t)
                break

    def _done(self, d: Desk, t: float) -> None:
        tk = d.current
        d.current = None
        if tk is not None and not tk.no_show:
            dur = self.durations[tk.service]
            dur.append(tk.service_min)
            self._mean_cache[tk.service] = robust_mean_minutes(dur, self.plan.mean_min[tk.service])
        if d.closing and not self.any_waiting(d.serves) or d.closing and d.plan.standby and d.tidal is None:
            self._off(d, t)
            return
        self._try_call(d, t)

    def run(self) -> DayResult:
        """Run the day to its end and return its figures."""
        for tk in self.plan.tickets:
            self.schedule(tk.arrival, ARRIVAL, tk)
        for d in self.desks.values():
            for start, end in d.plan.shifts:
                self.schedule(start, SHIFT_START, d)
                self.schedule(end, SHIFT_END, d)
            for start, minutes in d.plan.breaks:
                self.schedule(start, BREAK_START, d)
                self.schedule(start + minutes, BREAK_END, d)
        first = min((s for s, _ in self.plan.sessions), default=0.0)
        if self.tick_min is not None:
            self.schedule(first, TICK)
            self.schedule(first, SAMPLE)
        self.policy.start(self)
        heap = self._heap
        while heap:
            t, _, kind, obj = heapq.heappop(heap)
            self.t = t
            if kind == ARRIVAL:
                self._arrive(obj, t)  # type: ignore[arg-type]
            elif kind == DONE:
                self._done(obj, t)  # type: ignore[arg-type]
            elif kind == TICK:
                self.policy.tick(self, t)
                if t < self._last_session_end or any(self.waiting.values()):
                    self.schedule(t + self.tick_min, TICK)
                else:  # the day's work is done: send tidal staff home
                    for d in self.desks.values():
                        if d.tidal is not None:
                            self.release_tidal(d.number, t)
            elif kind == SAMPLE:
                staffed = sum(1 for d in self.desks.values() if d.staffed)
                self.timeline.append((t, sum(self.waiting.values()), staffed))
                if t < self._last_session_end or any(self.waiting.values()) or staffed:
                    self.schedule(t + SAMPLE_EVERY_MIN * self.tick_min, SAMPLE)
            elif kind == SHIFT_START:
                obj.closing = False  # type: ignore[union-attr]
                obj.in_shift = True  # type: ignore[union-attr]
                self._on(obj, t)  # type: ignore[arg-type]
            elif kind == SHIFT_END:
                d = obj  # type: ignore[assignment]
                d.closing = True
                d.in_shift = False
                if d.current is None and not (d.available and self.any_waiting(d.serves)):
                    self._off(d, t)
                else:
                    self._try_call(d, t)
            elif kind == BREAK_START:
                d = obj  # type: ignore[assignment]
                if d.staffed and d.on_since is not None:
                    d.staff_min += t - d.on_since
                    d.on_since = None
                d.on_break = True
            elif kind == BREAK_END:
                d = obj  # type: ignore[assignment]
                d.on_break = False
                if d.staffed:
                    d.on_since = t
                    self._try_call(d, t)
            elif kind == STAFF_ARRIVES:
                d, service = obj  # type: ignore[misc]
                if d.assigned and d.tidal == service:
                    self._take_up(d, t)
        for d in self.desks.values():
            if d.on_since is not None:
                d.staff_min += self.t - d.on_since
                d.on_since = None
        return DayResult(
            self.waits, len(self.plan.tickets), sum(d.staff_min for d in self.desks.values()),
            self.tidal_openings, self.timeline, self.accuracy, self.events, self.waits_by_service,
        )
