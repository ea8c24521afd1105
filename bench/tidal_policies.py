"""Staffing policies compared on the demo hall's simulated busy days, same seeds for every policy.

    python -m bench.tidal_policies [--seeds 3] [--days 5]

Policies: ``static`` (every window, standby included, staffed all day on fixed services), ``regular`` (standby
staff stay in the back office: the hall without tidal windows), ``tidal`` (the server's tidal policy), and
``clairvoyant`` (standby windows planned hour by hour from the day's actual arrivals with Erlang C). Then the
simulator's speed on hall-days scaled to 2,000 tickets, against a same-run baseline: the same day with no policy
(``regular``), and the bare cost of drawing the day's tickets.

``foresight`` is the tidal policy itself fed with perfect knowledge of the next 20 minutes of arrivals and staff
that arrive at once: together with ``clairvoyant`` it shows how much better any standby deployment could do.
"""
from __future__ import annotations

import argparse
import time

from queue_server.config import DEMO_CONFIG_PATH, load_config
from queue_server.simulation.model import expected_volume
from queue_server.simulation.report import table
from queue_server.simulation.runner import default_days, draw_day, run_day, simulate_days, summarize
from queue_server.tidal_config import simulation_profile, tidal_settings

POLICIES = ("static", "regular", "tidal", "clairvoyant", "foresight")


def compare(seeds: int, days: int) -> dict:
    config = load_config(DEMO_CONFIG_PATH)
    settings, profile = tidal_settings(config), simulation_profile(config)
    dates = default_days(days, busy=True)
    print(f"{config.hall.name}: {len(dates)} busy days ({dates[0]} … {dates[-1]}) × seeds 1..{seeds}, same citizens "
          "for every policy")
    summaries = {}
    split: dict[str, tuple[float, float]] = {}
    eligible = {s for w in config.windows.values() for s in w.tidal_services}
    for policy in POLICIES:
        results, seconds = [], []
        for seed in range(1, seeds + 1):
            summary, res = simulate_days(config, settings, profile, policy, dates, seed)
            results += res
            seconds += [summary.seconds] * len(res)
        summaries[policy] = summarize(policy, results, seconds)
        pairs = [p for r in results for p in r.waits_by_service]
        split[policy] = tuple(
            sum(1 for s, w in pairs if (s in eligible) == side and w > 20) / max(1, sum(1 for s, _ in pairs if (s in eligible) == side))
            for side in (True, False)
        )
    print(table(list(summaries.values())))
    print()
    print(f"share over 20 min split: the {len(eligible)} services a standby window may take | the "
          f"{len(config.services) - len(eligible)} it may not (no policy here can help those)")
    for policy, (yes, no) in split.items():
        print(f"  {policy:12} {yes:6.1%} | {no:6.1%}")
    s = {k: v for k, v in summaries.items()}
    over = {k: v.share_over_20_min for k, v in s.items()}
    hours = {k: v.staff_hours for k, v in s.items()}
    print()
    print("goals (share of citizens waiting over 20 min; staff-hours at windows per day):")
    for base in ("static", "regular"):
        print(f"  tidal vs {base:8}: share {over['tidal']:.1%} vs {over[base]:.1%} (ratio {over['tidal'] / over[base]:.2f}, "
              f"goal <= 0.50: {'met' if over['tidal'] <= 0.5 * over[base] else 'NOT met'}); staff-hours "
              f"{hours['tidal']:.1f} vs {hours[base]:.1f} (goal no more: "
              f"{'met' if hours['tidal'] <= hours[base] else 'NOT met'})")
    for bound in ("clairvoyant", "foresight"):
        gap = over["tidal"] / over[bound] - 1 if over[bound] else float("inf")
        verdict = "met" if gap <= 0.10 else "NOT met"
        note = " (tidal does better: this plan is no lower bound here)" if gap < 0 else ""
        print(f"  tidal vs {bound:11}: share {over['tidal']:.1%} vs {over[bound]:.1%} ({gap:+.0%}; goal within 10 %: "
              f"{verdict}{note}); staff-hours {hours['tidal']:.1f} vs {hours[bound]:.1f}")
    return s


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
        for policy in ("regular", "tidal"):
            started = time.perf_counter()
            run_day(config, settings, profile, policy, day, tickets)
            label = f"run day, {policy}" + (" (no-policy baseline)" if policy == "regular" else "")
            timings[label] = min(timings.get(label, 1e9), time.perf_counter() - started)
    print(f"  tickets per day: {min(sizes)}–{max(sizes)}")
    for label, seconds in timings.items():
        print(f"  {label:38} {seconds * 1000:8.1f} ms")
    total = timings["draw tickets (baseline)"] + timings["run day, tidal"]
    print(f"  whole tidal hall-day (draw + run): {total * 1000:.1f} ms (goal < 1000 ms: {'met' if total < 1 else 'NOT met'})")


def main(argv: list[str] | None = None) -> None:
    """Run the comparison and the speed figures (``argv``: command-line options; none from ``python -m bench``)."""
    parser = argparse.ArgumentParser(prog="python -m bench.tidal_policies", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv or [])
    compare(args.seeds, args.days)
    speed(args.tickets, args.repeats)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
