"""Staffing policies the simulator compares.

- ``static``: today's practice. Every window, standby ones included, is staffed for the whole business hours and
  serves a fixed list of services (a standby window its ``tidal_services``); nothing moves.
- ``regular``: only the regular windows are staffed; standby staff stay in the back office all day.
- ``tidal``: the same people as ``static``; with ``day_plan`` on, the day starts with the server's support plan
  (:mod:`queue_server.policy.day_plan`); then :func:`queue_server.policy.tidal.decide` (the server's code, fed
  with the same estimates) gives a standby window, or a calm cross-trained counter, one service to call first.
- ``clairvoyant``: the yardstick: the best schedule of tidal moves found for the day knowing the whole day
  (:mod:`.hindsight`); never worse than ``static`` or ``tidal`` on any day, by construction.
- ``crosstrained``: the day's support plan from history (every trained regular counter also serves one trained
  service all day) and no tidal moves, to show what the plan without the tide gives.
- ``foresight``: the tidal policy seeing the next 20 minutes of arrivals, with staff taking moves up at once.

Every policy but ``regular`` has the same people on the same hours: the regular windows' staff and the standby
staff, who serve their standby window's group of services until a move gives them one to call first.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from queue_server.policy.estimate import expected_wait_minutes, projected_wait_minutes
from queue_server.policy.tidal import decide
from queue_server.policy.tidal_state import CLOSE, OPEN, ServiceState, TidalSettings, TidalState, WindowState
from queue_server.simulation.engine import HallSimulation
from queue_server.simulation.model import ArrivalHistory
from queue_server.simulation.schedule import apply_day_plan, day_plan_moves

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
    :param history: the hall's arrivals-by-hour history (the day's support plan and the look-ahead use it).
    :param known_day: plan the day's support from the day's actual tickets (hindsight; the clairvoyant's
        candidates), whatever ``settings.day_plan`` says.
    """

    name = "tidal"

    def __init__(self, settings: TidalSettings, history: ArrivalHistory | None = None,
                 known_day: bool = False) -> None:
        self.settings = settings
        self.history = history
        self.known_day = known_day
        self.openings: tuple = ()

    def start(self, sim: HallSimulation) -> None:
        """Start the day with no tidal window open, after the day's support plan when the hall makes one."""
        self.openings = ()
        if self.known_day:
            apply_day_plan(sim, day_plan_moves(sim.plan))
        elif self.settings.day_plan and self.history is not None:
            apply_day_plan(sim, day_plan_moves(sim.plan, self.history))

    def state(self, sim: HallSimulation, t: float) -> TidalState:
        """The policy's view of the simulated hall at minute ``t``."""
        loads = sim.loads()
        tidal_desks = {d.tidal for d in sim.desks.values() if d.tidal is not None}
        without = sim.loads(tidal=False) if tidal_desks else {}
        ahead = self.settings.lookahead_min if self.history is not None else 0.0
        services = {
            s: ServiceState(
                s, load.waiting, expected_wait_minutes(load),
                expected_wait_minutes(without[s]) if s in tidal_desks else None,
                projected_wait_minutes(load, self.history.rate(s, t, ahead), ahead) if ahead > 0 else None,
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
        return TidalState(self.settings, services, windows, openings, service_names=sim.plan.service_names)

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


class ForesightTidalPolicy(TidalPolicy):
    """The tidal policy fed with perfect foresight: each service's queue as it will be ``horizon_min`` minutes
    ahead (the tickets that will arrive by then counted as waiting already), and staff who arrive at once.

    :param settings: the hall's tidal rules.
    :param horizon_min: how far ahead it sees.
    """

    name = "foresight"

    def __init__(self, settings: TidalSettings, horizon_min: float = 20.0,
                 history: ArrivalHistory | None = None, known_day: bool = False) -> None:
        super().__init__(settings, history, known_day)
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
