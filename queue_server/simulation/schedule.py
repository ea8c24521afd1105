"""Schedules of tidal moves: what an online policy did on a day (from its audit trail), a replay of such a schedule,
and the day's support plan (每日兼办) as ``plan`` moves at the day's start, with the policy that only plans
(``crosstrained``)."""
from __future__ import annotations

from dataclasses import dataclass

from queue_server.policy.day_plan import plan_day_support
from queue_server.policy.tidal_state import CLOSE, OPEN
from queue_server.simulation.engine import DayResult, HallSimulation
from queue_server.simulation.model import ArrivalHistory, DayPlan

PLAN = "plan"  # a window takes a service up next to its own for the whole day (the day's support plan)


@dataclass(frozen=True)
class Move:
    """One tidal move of a schedule.

    :param t: the simulated minute (a policy tick).
    :param kind: ``open`` or ``close``.
    :param service: the service.
    :param window: the window.
    :param delay: minutes until the staff take an opening up.
    """

    t: float
    kind: str
    service: str
    window: int
    delay: float = 0.0


def schedule_of(result: DayResult, delay: float) -> list[Move]:
    """The moves an online policy made on a day (from its audit trail), each opening taken up after ``delay``.

    :param result: the day the policy ran.
    :param delay: the acknowledgement delay the policy's staff had.
    """
    return [Move(t, kind, service, window, delay) for t, kind, service, window, _ in result.events
            if kind in (OPEN, CLOSE, PLAN)]


class ReplayPolicy:
    """Makes the moves of a schedule at their minutes (a close only undoes the opening it names).

    :param moves: the schedule.
    """

    name = "replay"

    def __init__(self, moves: list[Move]) -> None:
        self.moves = sorted(moves, key=lambda m: m.t)
        self._next = 0

    def start(self, sim: HallSimulation) -> None:
        """Apply the day's plan, then start from the first move."""
        apply_day_plan(sim, self.moves)
        self._next = 0

    def tick(self, sim: HallSimulation, t: float) -> None:
        """Make every move due by minute ``t``."""
        while self._next < len(self.moves) and self.moves[self._next].t <= t:
            m = self.moves[self._next]
            self._next += 1
            if m.kind == PLAN:
                continue
            if m.kind == OPEN:
                sim.assign_tidal(m.window, m.service, t, delay=m.delay)
                sim.tidal_openings += 1
            elif sim.desks[m.window].tidal == m.service:
                sim.release_tidal(m.window, t)
            sim.events.append((t, m.kind, m.service, m.window, "按事后最优排班"))


def day_plan_moves(plan: DayPlan, history: ArrivalHistory | None = None) -> list[Move]:
    """The day's support plan (:func:`queue_server.policy.day_plan.plan_day_support`) as ``plan`` moves at the
    day's start.

    :param plan: the day.
    :param history: the arrivals-by-hour history whose expected work the plan follows (the online plan); None: the
        day's actual tickets (known only in hindsight).
    """
    if history is not None:
        work_min = history.work_minutes(plan.mean_min)
    else:
        work_min = {}
        for tk in plan.tickets:
            work_min[tk.service] = work_min.get(tk.service, 0.0) + tk.service_min
    start = min((s for s, _ in plan.sessions), default=0.0)
    chosen = plan_day_support({w.number: w.services for w in plan.windows if w.shifts},
                              {w.number: w.support_services for w in plan.windows if not w.standby and w.shifts},
                              work_min)
    return [Move(start, PLAN, service, number) for number, service in chosen.items()]


def apply_day_plan(sim: HallSimulation, moves: list[Move]) -> None:
    """Give each window its planned service for the day, with the step in the day's audit trail."""
    for m in moves:
        if m.kind == PLAN:
            sim.add_day_service(m.window, m.service)
            sim.events.append((m.t, PLAN, m.service, m.window, "每日兼办计划"))


class StandingSupportPolicy(ReplayPolicy):
    """``crosstrained``: the day's support plan from arrivals-by-hour history and no tidal moves.

    :param history: the hall's arrivals-by-hour history.
    """

    name = "crosstrained"

    def __init__(self, history) -> None:
        super().__init__([])
        self.history = history

    def start(self, sim: HallSimulation) -> None:
        """Plan the day from history."""
        self.moves = day_plan_moves(sim.plan, self.history)
        super().start(sim)
