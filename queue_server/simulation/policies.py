"""Staffing policies the simulator compares.

- ``static``: today's practice. Every window, standby ones included, is staffed for the whole business hours and
  serves a fixed list of services (a standby window its ``tidal_services``).
- ``regular``: only the regular windows are staffed; standby staff stay in the back office all day.
- ``tidal``: regular windows as in ``regular``; standby windows are opened and closed by
  :func:`queue_server.policy.tidal.decide`, the same code the server runs, fed with the same estimates.
- ``clairvoyant``: a yardstick that knows the day's arrivals in advance and, slot by slot, puts each standby window
  on the service where one more window saves the most waits over 20 minutes by the Erlang C formula.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from queue_server.policy.erlang import share_waiting_over_fractional
from queue_server.policy.estimate import expected_wait_minutes
from queue_server.policy.tidal import CLOSE, OPEN, ServiceState, TidalSettings, TidalState, WindowState
from queue_server.policy.tidal import decide
from queue_server.simulation.engine import HallSimulation

TARGET_WAIT_MIN = 20.0


class StaticPolicy:
    """Fixed staffing all day; nothing moves. Whether standby windows are staffed is decided by the day plan."""

    name = "static"

    def start(self, sim: HallSimulation) -> None:
        """Nothing to prepare."""

    def tick(self, sim: HallSimulation, t: float) -> None:
        """Nothing to decide."""


class TidalPolicy:
    """Runs the tidal policy every simulated minute and applies its decisions.

    :param settings: the hall's tidal rules.
    """

    name = "tidal"

    def __init__(self, settings: TidalSettings) -> None:
        self.settings = settings
        self.openings: tuple = ()

    def start(self, sim: HallSimulation) -> None:
        """Start the day with no tidal window open."""
        self.openings = ()

    def state(self, sim: HallSimulation, t: float) -> TidalState:
        """The policy's view of the simulated hall at minute ``t``."""
        loads = sim.loads()
        tidal_desks = {d.tidal for d in sim.desks.values() if d.tidal is not None}
        without = sim.loads(tidal=False) if tidal_desks else {}
        services = {
            s: ServiceState(
                s, load.waiting, expected_wait_minutes(load),
                expected_wait_minutes(without[s]) if s in tidal_desks else None,
            )
            for s, load in loads.items()
        }
        windows = {}
        for d in sim.desks.values():
            state = "open" if d.available else ("paused" if d.staffed else "closed")
            windows[d.number] = WindowState(
                d.number, d.plan.standby, d.plan.tidal_services, d.own, state, d.current is not None,
                d.plan.support_services,
            )
        now = sim.now(t)
        # Simulated staff acknowledge when they reach the window.
        openings = tuple(
            replace(op, acknowledged_at=now) if op.acknowledged_at is None and sim.desks[op.window].staffed else op
            for op in self.openings
        )
        return TidalState(self.settings, services, windows, openings)

    def tick(self, sim: HallSimulation, t: float) -> None:
        """Decide and apply."""
        decision = decide(self.state(sim, t), sim.now(t))
        for a in decision.actions:
            if a.kind == OPEN:
                sim.assign_tidal(a.window, a.service, t)
                sim.tidal_openings += 1
            elif a.kind == CLOSE:
                sim.release_tidal(a.window, t)
            sim.events.append((t, a.kind, a.service, a.window, a.reason))
        self.openings = decision.openings


def _over_count(lam: float, m: float, c: float, backlog: float, minutes: float) -> float:
    """Expected arrivals in a slot that wait over 20 minutes: the larger of the Erlang C figure (random waits of
    a stable queue) and a fluid figure (the backlog and any overload draining at capacity ``c``).

    :param lam: arrivals per minute.
    :param m: mean service minutes.
    :param c: windows (fractional).
    :param backlog: minutes of work already queued at the slot's start.
    :param minutes: the slot's length.
    """
    n = lam * minutes
    if n <= 0:
        return 0.0
    if c <= 0:
        return n
    erlang = share_waiting_over_fractional(lam, 1 / m, c, TARGET_WAIT_MIN)
    # Fluid wait of a ticket arriving at τ: (backlog + (λm − c)τ) / c minutes; the share of τ where it exceeds 20.
    start, end = backlog / c, (backlog + (lam * m - c) * minutes) / c
    if start > TARGET_WAIT_MIN and end > TARGET_WAIT_MIN:
        fluid = 1.0
    elif start <= TARGET_WAIT_MIN and end <= TARGET_WAIT_MIN:
        fluid = 0.0
    else:
        crossing = (TARGET_WAIT_MIN - start) / (end - start)
        fluid = 1 - crossing if end > start else crossing
    return n * max(erlang, fluid)


class ClairvoyantPolicy:
    """Standby staffing planned slot by slot from the day's actual arrivals (a hindsight yardstick).

    For each slot (30 minutes by default), in time order, it knows every ticket that will arrive and how long each
    will take. It carries each service's backlog forward as a fluid (work left over from the slot before), and
    puts standby windows, one at a time, on the service where one more window saves the most waits over 20
    minutes by the Erlang C formula on that slot's arrivals plus backlog. Planned staff are at the window when the
    slot starts (no acknowledgement delay).

    :param slot_min: planning slot length in minutes.
    :param min_saving: a standby window is staffed only if it saves at least this many waits over 20 minutes in
        the slot (so the plan does not buy staff-hours for nothing).
    """

    name = "clairvoyant"

    def __init__(self, slot_min: float = 30.0, min_saving: float = 0.1) -> None:
        self.slot_min = slot_min
        self.min_saving = min_saving
        self.plan: dict[int, dict[int, str]] = {}
        self._applied: dict[int, str] = {}

    def start(self, sim: HallSimulation) -> None:
        """Plan every slot of the day."""
        day = sim.plan
        counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        work: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for tk in day.tickets:
            k = int(tk.arrival // self.slot_min)
            counts[k][tk.service] += 1
            work[k][tk.service] += tk.service_min
        regular: dict[str, float] = defaultdict(float)
        for w in day.windows:
            if not w.standby and w.services:
                for s in w.services:
                    regular[s] += 1.0 / len(w.services)
        standby = [w for w in day.windows if w.standby]
        backlog: dict[str, float] = defaultdict(float)  # minutes of work left over
        self.plan = {}
        for k in range(min(counts, default=0), max(counts, default=-1) + 1):
            t0, t1 = k * self.slot_min, (k + 1) * self.slot_min
            minutes = sum(max(0.0, min(e, t1) - max(s, t0)) for s, e in day.sessions)
            if minutes <= 0:
                continue
            mean = {s: work[k][s] / n for s, n in counts[k].items()}
            services = set(counts[k]) | {s for s, b in backlog.items() if b > 0}
            cap = dict(regular)
            assignment: dict[int, str] = {}
            free = list(standby)
            while free:
                best = None
                for w in free:
                    for s in w.tidal_services:
                        if s not in services:
                            continue
                        m = mean.get(s) or day.mean_min[s]
                        lam = counts[k].get(s, 0) / minutes
                        c = cap.get(s, 0.0)
                        saving = _over_count(lam, m, c, backlog[s], minutes) - _over_count(
                            lam, m, c + 1, backlog[s], minutes)
                        if best is None or saving > best[0]:
                            best = (saving, w, s)
                if best is None or best[0] < self.min_saving:
                    break
                _, w, s = best
                assignment[w.number] = s
                cap[s] = cap.get(s, 0.0) + 1.0
                free.remove(w)
            self.plan[k] = assignment
            for s in services:
                backlog[s] = max(0.0, backlog[s] + work[k].get(s, 0.0) - cap.get(s, 0.0) * minutes)
        self._applied = {}

    def tick(self, sim: HallSimulation, t: float) -> None:
        """Staff the planned standby windows for the current slot (nobody out of business hours)."""
        in_hours = any(start <= t < end for start, end in sim.plan.sessions)
        wanted = self.plan.get(int(t // self.slot_min), {}) if in_hours else {}
        for number, service in list(self._applied.items()):
            if wanted.get(number) != service:
                sim.release_tidal(number, t)
                del self._applied[number]
        for number, service in wanted.items():
            if self._applied.get(number) != service:
                sim.assign_tidal(number, service, t, delay=0.0)
                sim.tidal_openings += 1
                self._applied[number] = service


class ForesightTidalPolicy(TidalPolicy):
    """The tidal policy fed with perfect foresight: each service's queue as it will be ``horizon_min`` minutes
    ahead (the tickets that will arrive by then counted as waiting already), and staff who arrive at once.

    :param settings: the hall's tidal rules.
    :param horizon_min: how far ahead it sees.
    """

    name = "foresight"

    def __init__(self, settings: TidalSettings, horizon_min: float = 20.0) -> None:
        super().__init__(settings)
        self.horizon_min = horizon_min

    def start(self, sim: HallSimulation) -> None:
        """Index arrivals by time."""
        super().start(sim)
        self._arrivals = sorted((t.arrival, t.service) for t in sim.plan.tickets)
        self._next = 0
        sim.ack_delay_min = 0.0

    def state(self, sim: HallSimulation, t: float) -> TidalState:
        """The hall as it will be: waiting counts include the next ``horizon_min`` minutes of arrivals."""
        while self._next < len(self._arrivals) and self._arrivals[self._next][0] <= t:
            self._next += 1
        coming: dict[str, int] = defaultdict(int)
        i = self._next
        while i < len(self._arrivals) and self._arrivals[i][0] <= t + self.horizon_min:
            coming[self._arrivals[i][1]] += 1
            i += 1
        base = super().state(sim, t)
        loads = sim.loads()
        services = {}
        for code, svc in base.services.items():
            extra = coming.get(code, 0)
            if not extra:
                services[code] = svc
                continue
            factor = (svc.waiting + extra) / svc.waiting if svc.waiting else None
            load = loads[code]
            wait = expected_wait_minutes(load, svc.waiting + extra)
            without = None if svc.wait_without_tidal_min is None else (
                svc.wait_without_tidal_min * factor if factor else wait)
            services[code] = ServiceState(code, svc.waiting + extra, wait, without)
        return replace(base, services=services)


POLICY_NAMES = ("static", "regular", "tidal", "clairvoyant", "foresight")


def make_policy(name: str, settings: TidalSettings):
    """The policy called ``name`` (one of :data:`POLICY_NAMES`).

    :param name: the policy's name.
    :param settings: the hall's tidal rules (used by ``tidal``).
    """
    if name in ("static", "regular"):
        policy = StaticPolicy()
        policy.name = name
        return policy
    if name == "tidal":
        return TidalPolicy(settings)
    if name == "clairvoyant":
        return ClairvoyantPolicy()
    if name == "foresight":
        return ForesightTidalPolicy(settings)
    raise ValueError(f"unknown policy {name!r}; choose from {', '.join(POLICY_NAMES)}")

