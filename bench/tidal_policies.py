"""Staffing policies compared on the demo hall's simulated busy days, same seeds for every policy.

    python -m bench.tidal_policies [--seeds 3] [--days 5]

Every policy but ``regular`` has the same people on the same hours (the same staff-hours budget): the regular
windows' staff and the standby staff, who serve their standby window's group of services all day.

- ``static``: today's practice: everybody at a fixed window with fixed services all day.
- ``regular``: for reference, the hall without the standby staff (fewer staff-hours).
- ``tidal``: the server's tidal policy with the hall's configured rule (DOMAIN.md's thresholds and hold, up to 3
  windows per service, the day's support plan 每日兼办 on).
- ``tidal, no day plan``: the same rule with ``day_plan`` off (what the plan adds).
- ``tidal, tuned``: the same policy with the rule chosen by ``bench.tidal_tuning`` on training seeds 101–103;
  this benchmark evaluates on seeds 1–3.
- ``day plan only``: the day's support plan and no tidal moves (policy ``crosstrained``): every trained regular
  counter also serves the trained service with the most expected work per window, all day.
- ``clairvoyant``: the best schedule of tidal moves found for each day knowing the whole day
  (:mod:`queue_server.simulation.hindsight`); it replays the online policies' own schedules among its candidates, so
  it is never worse than them on any day. The "bound check" lines verify that day by day.

Then the simulator's speed on hall-days scaled to 2,000 tickets, against same-run baselines: drawing the day's
tickets, and the day run with no policy (``static``).
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace

from bench.tidal_tuning import TUNED_ARGS, tuned_settings
from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.simulation.model import expected_volume
from queue_server.simulation.report import table
from queue_server.simulation.runner import default_days, draw_day, run_day, simulate_days, summarize
from queue_server.tidal.settings import simulation_profile, tidal_settings

EVAL_SEEDS = 3  # seeds 1..3; the tuning (bench.tidal_tuning) used seeds 101..103


def compare(seeds: int, days: int) -> dict:
    """Run every policy on the same busy days and seeds and print the table, the bound check and the goals."""
    config = load_config(DEMO_CONFIG_PATH)
    settings, profile = tidal_settings(config), simulation_profile(config)
    best = tuned_settings(config)
    dates = default_days(days, busy=True)
    print(f"{config.hall.name}: {len(dates)} busy days ({dates[0]} … {dates[-1]}) × evaluation seeds 1..{seeds}, "
          "same citizens for every policy")
    print(f"tuned rule (chosen on training seeds 101–103 by bench.tidal_tuning): {TUNED_ARGS}")
    unplanned = replace(settings, day_plan=False)
    runs = {  # label: (policy, settings, also)
        "static": ("static", settings, ()),
        "regular": ("regular", settings, ()),
        "tidal, no day plan": ("tidal", unplanned, ()),
        "tidal": ("tidal", settings, ()),
        "tidal, tuned": ("tidal", best, ()),
        "day plan only": ("crosstrained", settings, ()),
        "clairvoyant": ("clairvoyant", best, (settings, unplanned)),
    }
    summaries, per_day = {}, {}
    for label, (policy, chosen, also) in runs.items():
        results, seconds = [], []
        for seed in range(1, seeds + 1):
            summary, res = simulate_days(config, chosen, profile, policy, dates, seed, also=also)
            results += res
            seconds += [summary.seconds] * len(res)
        summaries[label] = summarize(label, results, seconds)
        per_day[label] = [sum(1 for w in r.waits if w > 20) / len(r.waits) for r in results]
    print(table(list(summaries.values())))
    over = {k: v.share_over_20_min for k, v in summaries.items()}
    hours = {k: v.staff_hours for k, v in summaries.items()}
    print()
    print("bound check (clairvoyant share over 20 min against each online policy with the same people, day by day):")
    for label in ("static", "tidal, no day plan", "tidal", "tidal, tuned", "day plan only"):
        worse = sum(1 for c, o in zip(per_day["clairvoyant"], per_day[label]) if c > o + 1e-12)
        print(f"  vs {label:18}: clairvoyant worse on {worse} of {len(per_day[label])} days; "
              f"mean {over['clairvoyant']:.2%} vs {over[label]:.2%}")
    print()
    print("goals (share of citizens waiting over 20 min; staff-hours at windows per day):")
    for label in ("tidal", "tidal, tuned"):
        ratio = over[label] / over["static"]
        print(f"  {label:13} vs static: share {over[label]:.2%} vs {over['static']:.2%} (ratio {ratio:.2f}, goal "
              f"<= 0.50: {'met' if ratio <= 0.5 else 'NOT met'}); staff-hours {hours[label]:.1f} vs "
              f"{hours['static']:.1f} ({hours[label] / hours['static'] - 1:+.1%}; goal no more: "
              f"{'met' if hours[label] <= hours['static'] + 0.5 else 'NOT met'})")
    for label in ("tidal", "tidal, tuned"):
        gap = over[label] / over["clairvoyant"] - 1
        print(f"  {label:13} vs clairvoyant: share {over[label]:.2%} vs {over['clairvoyant']:.2%} ({gap:+.0%}; "
              f"goal within 10 %: {'met' if gap <= 0.10 else 'NOT met'})")
    return summaries


def speed(target: int, repeats: int) -> None:
    config = load_config(DEMO_CONFIG_PATH)
    settings, profile = tidal_settings(config), simulation_profile(config)
    day = default_days(1, busy=True)[0]
    minutes = {c: s.minutes for c, s in config.services.items()}
    scale = target / expected_volume(day, minutes, profile)
    print()
    print(f"speed: one hall-day scaled to ~{target} tickets ({day}), best of {repeats}")
    timings: dict[str, float] = {}
    sizes = []
    for seed in range(1, repeats + 1):
        started = time.perf_counter()
        tickets = draw_day(config, profile, day, seed, scale)
        timings["draw tickets (baseline)"] = min(timings.get("draw tickets (baseline)", 1e9), time.perf_counter() - started)
        sizes.append(len(tickets))
        for policy, chosen in (("static", settings), ("tidal", settings), ("tidal", tuned_settings(config))):
            started = time.perf_counter()
            run_day(config, chosen, profile, policy, day, tickets)
            label = f"run day, {policy}" + (" (no-policy baseline)" if policy == "static" else "")
            label += ", tuned" if chosen is not settings else ""
            timings[label] = min(timings.get(label, 1e9), time.perf_counter() - started)
    print(f"  tickets per day: {min(sizes)}–{max(sizes)}")
    for label, seconds in timings.items():
        print(f"  {label:38} {seconds * 1000:8.1f} ms")
    total = timings["draw tickets (baseline)"] + max(timings["run day, tidal"], timings["run day, tidal, tuned"])
    print(f"  whole tidal hall-day (draw + run): {total * 1000:.1f} ms (goal < 1000 ms: {'met' if total < 1 else 'NOT met'})")


def main(argv: list[str] | None = None) -> None:
    """Run the comparison and the speed figures (``argv``: command-line options; none from ``python -m bench``)."""
    parser = argparse.ArgumentParser(prog="python -m bench.tidal_policies", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=EVAL_SEEDS)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv or [])
    compare(args.seeds, args.days)
    speed(args.tickets, args.repeats)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
