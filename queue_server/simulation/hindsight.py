"""The clairvoyant yardstick: the best staffing schedule found for one day while knowing that whole day.

A staffing *schedule* is the list of moves of one day: at the day's start window ``w`` takes service ``s`` up next
to its own for the whole day (``plan``, the day's support plan); at minute ``t`` window ``w`` is put on service
``s`` (its staff take it up after ``delay`` minutes) or taken off. Replaying the moves an online policy made
reproduces its day exactly (the simulator is deterministic), so a planner that knows the day can always do at least
as well as any online policy: it could simply have made the same moves.

:class:`ClairvoyantPolicy` searches, for each day, with the day's real citizens and service times in hand:

1. the schedules of the online policies run on that day (``static``: no moves; ``tidal`` with each rule it is
   given, its day plan included; ``crosstrained``: the day plan from history alone) — this makes it never worse
   than them on any day, by construction; and the day plan made from the day's actual work;
2. the tidal policy fed with perfect foresight (the next 10, 20 or 30 minutes of arrivals counted as already
   waiting) and staff who take up a move at once, on top of the day plan from history and on top of the one from
   the day's actual work;
3. a local search from the best of those: each tidal move in turn started 10 minutes earlier with no delay, or its
   closing 15 minutes later, kept when the day's count of waits over 20 minutes falls (ties: less total wait).

Every candidate is the same people on the same hours (only where they serve changes), so the budget is the same as
``static`` and ``tidal``. It is a bound in the sense "the best we found with hindsight": the true optimum can only
be lower, so the gap printed between ``tidal`` and ``clairvoyant`` underestimates the true gap.
"""
from __future__ import annotations

from dataclasses import replace

from queue_server.policy.tidal_state import OPEN, TidalSettings
from queue_server.simulation.engine import DayResult, HallSimulation
from queue_server.simulation.model import DayPlan, SimTicket
from queue_server.simulation.policies import ForesightTidalPolicy, TidalPolicy
from queue_server.simulation.schedule import PLAN, Move, ReplayPolicy, day_plan_moves, schedule_of

OVER_MIN = 20.0


def fresh_plan(plan: DayPlan) -> DayPlan:
    """The same day with untouched tickets (a simulation marks its tickets)."""
    tickets = [SimTicket(t.id, t.service, t.kind, t.arrival, t.service_min, t.no_show) for t in plan.tickets]
    return replace(plan, tickets=tickets)


def score(result: DayResult) -> tuple[int, float]:
    """What the search minimises: waits over 20 minutes, then total wait."""
    return sum(1 for w in result.waits if w > OVER_MIN), sum(result.waits)


class ClairvoyantPolicy:
    """The best schedule found for the day with the day known in advance (see the module docstring).

    :param settings: the hall's tidal rules (the online tidal policy it starts from).
    :param history: the arrivals-by-hour history the online tidal policy looks ahead with.
    :param horizons: foresight horizons (minutes) to try.
    :param search_evals: how many simulated days the local search may spend.
    :param also: further online tidal settings whose schedules it replays as candidates (e.g. the hall's own
        thresholds next to tuned ones), so it is never worse than those either.
    """

    name = "clairvoyant"

    def __init__(self, settings: TidalSettings, history=None, horizons: tuple[float, ...] = (10.0, 20.0, 30.0),
                 search_evals: int = 24, also: tuple[TidalSettings, ...] = ()) -> None:
        self.settings = settings
        self.history = history
        self.also = also
        self.horizons = horizons
        self.search_evals = search_evals
        self.best: list[Move] = []
        self._replay = ReplayPolicy([])
        self.evaluations = 0

    def _run(self, sim: HallSimulation, policy) -> DayResult:
        self.evaluations += 1
        twin = HallSimulation(fresh_plan(sim.plan), policy, sim.tz, sim.ack_delay_min, sim.quote, sim.tick_min,
                              sim.no_show_wait_min)
        return twin.run()

    def start(self, sim: HallSimulation) -> None:
        """Search the day, then replay the best schedule found."""
        self.evaluations = 0
        candidates: list[tuple[tuple[int, float], list[Move]]] = [(score(self._run(sim, ReplayPolicy([]))), [])]
        for settings in (self.settings, *self.also):
            online = self._run(sim, TidalPolicy(settings, self.history))
            candidates.append((score(online), schedule_of(online, sim.ack_delay_min)))
        for horizon in self.horizons:
            for known_day in (False, True):
                seen = self._run(sim, ForesightTidalPolicy(self.settings, horizon, self.history, known_day))
                candidates.append((score(seen), schedule_of(seen, 0.0)))
        plans = [day_plan_moves(sim.plan)]
        if self.history is not None:  # the online day plan, so it is never worse than ``crosstrained`` either
            plans.append(day_plan_moves(sim.plan, self.history))
        for moves in plans:
            candidates.append((score(self._run(sim, ReplayPolicy(moves))), moves))
        best_score, best = min(candidates, key=lambda c: c[0])
        budget = self.search_evals
        for i in range(len(best)):
            if budget <= 0:
                break
            m = best[i]
            if m.kind == PLAN:
                continue
            tries = []
            if m.kind == OPEN:
                tries.append(replace(m, t=max(0.0, m.t - 10.0), delay=0.0))
            else:
                tries.append(replace(m, t=m.t + 15.0))
            for alt in tries:
                if budget <= 0:
                    break
                budget -= 1
                trial = best[:i] + [alt] + best[i + 1:]
                s = score(self._run(sim, ReplayPolicy(trial)))
                if s < best_score:
                    best_score, best = s, trial
        self.best = best
        self._replay = ReplayPolicy(best)
        self._replay.start(sim)

    def tick(self, sim: HallSimulation, t: float) -> None:
        """Replay the chosen schedule."""
        self._replay.tick(sim, t)
