"""The simulator against queueing theory: M/M/c mean waits agree with the Erlang C formula on long runs."""
from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from queue_server.policy.erlang import erlang_c, mean_wait, share_waiting_over
from queue_server.simulation.engine import HallSimulation
from queue_server.simulation.model import DayPlan, SimTicket, WindowPlan
from queue_server.simulation.policies import StaticPolicy


def mmc_run(lam: float, mu: float, c: int, customers: int, seed: int) -> tuple[float, float]:
    """Simulate an M/M/c queue through the hall simulator; return (mean wait, share waiting at all)."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, customers))
    services = rng.exponential(1 / mu, customers)
    tickets = [SimTicket(i, "s", "walk_in", float(a), float(d)) for i, (a, d) in enumerate(zip(arrivals, services))]
    horizon = float(arrivals[-1]) + 1
    windows = [WindowPlan(n, ("s",), shifts=((0.0, horizon),)) for n in range(1, c + 1)]
    plan = DayPlan(date(2026, 3, 2), tickets, windows, ((0.0, horizon),), {"s": 1 / mu})
    result = HallSimulation(plan, StaticPolicy(), quote=False, tick_min=None).run()
    waits = np.asarray(result.waits)
    warm = customers // 20  # drop the first 5 %: the hall starts empty
    return float(waits[warm:].mean()), float((waits[warm:] > 1e-9).mean())


def test_erlang_c_formula_against_known_values():
    # M/M/1: P(wait) = rho, Wq = rho / (mu - lambda).
    assert erlang_c(0.8, 1.0, 1) == pytest.approx(0.8)
    assert mean_wait(0.8, 1.0, 1) == pytest.approx(4.0)
    # A textbook M/M/2 with a = 1 Erlang: C = 1/3.
    assert erlang_c(1.0, 1.0, 2) == pytest.approx(1 / 3)
    assert share_waiting_over(1.0, 1.0, 2, 0.0) == pytest.approx(1 / 3)
    assert mean_wait(2.0, 1.0, 2) == float("inf")


@pytest.mark.parametrize(
    ("lam", "mu", "c"),
    [
        (0.14, 1 / 5, 1),  # one window, 5-minute services, load 0.7
        (0.42, 1 / 5, 3),  # three windows, load 0.7
        (0.3, 1 / 10, 5),  # five windows, 10-minute services, load 0.6
    ],
)
def test_simulated_mean_wait_matches_erlang_c(lam, mu, c):
    """GIVEN Poisson arrivals and exponential services at c windows WHEN 4 × 100,000 citizens go through the
    simulator THEN the mean wait is within 5 % of Erlang C and the share who wait at all within 2 points."""
    runs = [mmc_run(lam, mu, c, 100_000, seed) for seed in range(4)]
    assert np.mean([w for w, _ in runs]) == pytest.approx(mean_wait(lam, mu, c), rel=0.05)
    assert np.mean([p for _, p in runs]) == pytest.approx(erlang_c(lam, mu, c), abs=0.02)


def test_an_overloaded_queue_is_not_mistaken_for_a_stable_one():
    """The comparison can fail: at load 0.95 the same run is far from the load-0.7 formula."""
    wait, _ = mmc_run(0.19, 1 / 5, 1, 20_000, 0)
    assert wait > 3 * mean_wait(0.14, 1 / 5, 1)
