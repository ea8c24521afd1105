"""Tune the tidal policy on TRAINING seeds (the evaluation in ``bench.tidal_policies`` uses other seeds).

    python -m bench.tidal_tuning [--seeds 101,102,103] [--days 5]

A small grid over what a county hall manager can set: the upper and lower thresholds, the hold time, how many
windows one service may hold, the look-ahead from arrivals-by-hour history, and whether calm cross-trained counters
may support (跨窗口支援). Choices a manager would not accept are left out of the grid: holds under 5 minutes (staff
would be switched back and forth) and more than 3 windows for one service. Every candidate runs the same simulated
busy days (same citizens); the objective is the share of citizens waiting over 20 minutes, then the mean wait.
The per-service overrides of the hall's config are dropped (one rule for every service).

:data:`TUNED_ARGS` is the winner of the last run (27 Nov 2026, seeds 101–103, the demo hall with its 综合受理 standby
groups and break plan); the benchmark prints whether
today's run still picks it. ``bench.tidal_policies`` reports it on seeds 1–3 next to the hall's configured rule.
"""
from __future__ import annotations

import argparse
import itertools
from dataclasses import replace

from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.policy.tidal_state import Thresholds, TidalSettings
from queue_server.simulation.runner import default_days, simulate_days
from queue_server.tidal.settings import simulation_profile, tidal_settings

TRAINING_SEEDS = (101, 102, 103)
THRESHOLDS = (  # open wait, open waiting, close wait, close waiting
    (20.0, 10, 10.0, 5), (15.0, 8, 8.0, 4), (12.0, 6, 6.0, 3), (10.0, 5, 5.0, 2), (8.0, 4, 4.0, 2),
)
HOLDS = (5.0, 10.0)
MAX_WINDOWS = (1, 3)
LOOKAHEADS = (0.0, 15.0)


def tuned(base: TidalSettings, open_wait: float, open_waiting: int, close_wait: float, close_waiting: int,
          hold: float, max_windows: int, lookahead: float = 0.0, support: bool = True,
          day_plan: bool = True) -> TidalSettings:
    """``base`` with one rule for every service.

    :param base: the hall's configured settings (acknowledgement timeout, check interval kept).
    """
    return replace(base, defaults=Thresholds(open_wait, open_waiting, close_wait, close_waiting, hold), overrides={},
                   max_windows_per_service=max_windows, lookahead_min=lookahead, cross_window_support=support,
                   day_plan=day_plan)


# The winner of the last tuning run on the training seeds (see the module docstring).
# Re-tuned with the day's support plan (每日兼办) on (27 Nov 2026): DOMAIN.md's thresholds (20 min / 10 waiting,
# 10 min / 5) held 5 min, up to 3 windows: 2.38 % over 20 min on the training seeds against 8.83 % for static
# staffing. The demo hall's own rule differs only in DOMAIN.md's 10-minute hold (2.53 %). Without the plan the best
# rule was 10 min / 5 waiting, 5 min / 2, hold 5, 3 windows (3.40 %).
TUNED_ARGS = dict(open_wait=20.0, open_waiting=10, close_wait=10.0, close_waiting=5, hold=5.0, max_windows=3,
                  lookahead=0.0, support=True, day_plan=True)


def tuned_settings(config) -> TidalSettings:
    """:data:`TUNED_ARGS` applied to the hall's configured settings."""
    return tuned(tidal_settings(config), **TUNED_ARGS)


def evaluate(config, settings: TidalSettings, profile, days, seeds) -> tuple[float, float, float, float]:
    """Share over 20 min, mean wait, staff-hours and tidal openings per day, averaged over ``seeds``."""
    rows = [simulate_days(config, settings, profile, "tidal", days, seed)[0] for seed in seeds]
    n = len(rows)
    return (sum(r.share_over_20_min for r in rows) / n, sum(r.mean_wait_min for r in rows) / n,
            sum(r.staff_hours for r in rows) / n, sum(r.tidal_openings for r in rows) / n)


def main(argv: list[str] | None = None) -> None:
    """Run the grid and print it, best first (``argv``: command-line options)."""
    parser = argparse.ArgumentParser(prog="python -m bench.tidal_tuning", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(map(str, TRAINING_SEEDS)))
    parser.add_argument("--days", type=int, default=5)
    args = parser.parse_args(argv or [])
    seeds = tuple(int(s) for s in args.seeds.split(","))
    config = load_config(DEMO_CONFIG_PATH)
    base, profile = tidal_settings(config), simulation_profile(config)
    days = default_days(args.days, busy=True)
    static = [simulate_days(config, base, profile, "static", days, seed)[0] for seed in seeds]
    static_share = sum(r.share_over_20_min for r in static) / len(static)
    print(f"training seeds {seeds}, {len(days)} busy days; baseline static (today's practice): "
          f"{static_share:.2%} over 20 min, {sum(r.staff_hours for r in static) / len(static):.1f} staff-h/day")
    print(f"hall's configured rule: {evaluate(config, base, profile, days, seeds)[0]:.2%} over 20 min")
    results = []
    for (ow, on, cw, cn), hold, mx in itertools.product(THRESHOLDS, HOLDS, MAX_WINDOWS):
        grid = dict(open_wait=ow, open_waiting=on, close_wait=cw, close_waiting=cn, hold=hold, max_windows=mx)
        results.append((evaluate(config, tuned(base, **grid), profile, days, seeds), grid))
    best = min(results, key=lambda r: r[0][:2])[1]
    for extra in [dict(lookahead=la) for la in LOOKAHEADS if la] + [dict(support=False), dict(day_plan=False)]:
        grid = best | extra
        results.append((evaluate(config, tuned(base, **grid), profile, days, seeds), grid))
    results.sort(key=lambda r: r[0][:2])
    print(f"{'>20 min':>8} {'mean':>5} {'staff-h':>7} {'opens':>5}  settings")
    for (share, mean, hours, opens), grid in results:
        print(f"{share:8.2%} {mean:5.1f} {hours:7.1f} {opens:5.1f}  {grid}")
    winner = results[0][1]
    same = all(winner.get(k, TUNED_ARGS[k]) == v for k, v in TUNED_ARGS.items() if k in winner)
    print(f"winner: {winner} ({'matches' if same else 'differs from'} TUNED_ARGS {TUNED_ARGS})")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
