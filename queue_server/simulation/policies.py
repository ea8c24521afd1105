"""Staffing policies the simulator compares.

- ``static``: today's practice. Every window, standby ones included, is staffed for the whole business hours and
  serves a fixed list of services (a standby window its ``tidal_services``).
- ``regular``: only the regular windows are staffed; standby staff stay in the back office all day.
- ``tidal``: regular windows as in ``regular``; standby windows are opened and closed by
  :func:`queue_server.policy.tidal.decide`, the same code the server runs, fed with the same estimates.
- ``clairvoyant``: a bound that knows the day's arrivals in advance and, hour by hour, puts each standby window on
  the service where one more window saves the most waits over 20 minutes by the Erlang C formula.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from queue_server.policy.erlang import share_waiting_over_fractional
from queue_server.policy.estimate import expected_wait_minutes
from queue_server.policy.tidal import CLOSE, ESCALATE, OPEN, ServiceState, TidalSettings, TidalState, WindowState
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
                d.number, d.plan.standby, d.plan.tidal_services, d.own, state, d.current is not None
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


class ClairvoyantPolicy:
    """Hour-by-hour standby staffing planned from the day's actual arrivals (an Erlang C bound).

    :param min_saving_per_hour: a standby window is staffed only if it saves at least this many waits over
        20 minutes in the hour (so the bound does not buy staff-hours for nothing).
    """

    name = "clairvoyant"

    def __init__(self, min_saving_per_hour: float = 0.3) -> None:
        self.min_saving_per_hour = min_saving_per_hour
        self.plan: dict[int, dict[int, str]] = {}

    def start(self, sim: HallSimulation) -> None:
        """Plan every hour and schedule the assignments."""
        day = sim.plan
        counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        work: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for tk in day.tickets:
            h = int(tk.arrival // 60)
            counts[h][tk.service] += 1
            work[h][tk.service] += tk.service_min
        regular: dict[str, float] = defaultdict(float)
        for w in day.windows:
            if not w.standby and w.services:
                for s in w.services:
                    regular[s] += 1.0 / len(w.services)
        standby = [w for w in day.windows if w.standby]
        for h in sorted(counts):
            minutes = sum(max(0.0, min(e, (h + 1) * 60) - max(s, h * 60)) for s, e in day.sessions) or 60.0
            lam = {s: n / minutes for s, n in counts[h].items()}
            mean = {s: work[h][s] / counts[h][s] for s in counts[h]}
            cap = dict(regular)
            assignment: dict[int, str] = {}
            free = list(standby)
            while free:
                best = None
                for w in free:
                    for s in w.tidal_services:
                        if s not in lam:
                            continue
                        mu = 1.0 / mean[s]
                        c = cap.get(s, 0.0)
                        saving = lam[s] * 60 * (
                            share_waiting_over_fractional(lam[s], mu, c, TARGET_WAIT_MIN)
                            - share_waiting_over_fractional(lam[s], mu, c + 1, TARGET_WAIT_MIN)
                        )
                        if best is None or saving > best[0]:
                            best = (saving, w, s)
                if best is None or best[0] < self.min_saving_per_hour:
                    break
                _, w, s = best
                assignment[w.number] = s
                cap[s] = cap.get(s, 0.0) + 1.0
                free.remove(w)
            self.plan[h] = assignment
        self._applied: dict[int, str] = {}

    def tick(self, sim: HallSimulation, t: float) -> None:
        """At each hour, staff the planned standby windows (planned staff are there on time)."""
        if t % 60 > 1e-9 and self._applied:
            return
        wanted = self.plan.get(int(t // 60), {})
        for number, service in list(self._applied.items()):
            if wanted.get(number) != service:
                sim.release_tidal(number, t)
                del self._applied[number]
        for number, service in wanted.items():
            if self._applied.get(number) != service:
                sim.assign_tidal(number, service, t, delay=0.0)
                sim.tidal_openings += 1
                self._applied[number] = service


POLICY_NAMES = ("static", "regular", "tidal", "clairvoyant")


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
    raise ValueError(f"unknown policy {name!r}; choose from {', '.join(POLICY_NAMES)}")


__all__ = ["ClairvoyantPolicy", "StaticPolicy", "TidalPolicy", "make_policy", "POLICY_NAMES", "ESCALATE"]
