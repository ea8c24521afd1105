"""``govhall simulate``: simulated days of the configured hall under one or more staffing policies.

    govhall simulate [--config F] [--days N] [--seed S] [--policy static|regular|tidal|clairvoyant|all]
                     [--busy] [--start DATE] [--tickets N] [--json] [--plot PNG | --no-plot]

Prints a table (mean, p90 and max wait, share over 20 minutes, staff-hours, tidal openings, estimate error,
run time) and writes a PNG of the first day's queue length and staffed windows. ``--json`` prints one JSON object
per policy instead (averaged over the days).
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from queue_server.core.config import ConfigError
from queue_server.simulation.model import expected_volume
from queue_server.simulation.report import plot, table
from queue_server.simulation.runner import DEFAULT_START, POLICY_NAMES, default_days, simulate_days
from queue_server.tidal.settings import simulation_profile, tidal_settings

DEFAULT_PLOT = Path("var") / "simulation.png"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``simulate`` to the ``govhall`` command."""
    from queue_server.core.commands import add_config_arguments

    p = subparsers.add_parser("simulate", help="simulate hall-days under a staffing policy (static, tidal, ...)")
    add_config_arguments(p, db=False)
    p.add_argument("--days", type=int, default=5, help="how many business days (default 5)")
    p.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same citizens")
    p.add_argument("--policy", default="tidal",
                   help=f"one of {', '.join(POLICY_NAMES)}, a comma-separated list, or 'all' (default tidal)")
    p.add_argument("--busy", action="store_true", help="only busy days (Mondays and month start)")
    p.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START, help="first date (YYYY-MM-DD)")
    p.add_argument("--tickets", type=int, help="scale each day to about this many tickets")
    p.add_argument("--json", action="store_true", help="print one JSON object per policy instead of the table")
    p.add_argument("--plot", type=Path, default=DEFAULT_PLOT, help=f"PNG to write (default {DEFAULT_PLOT})")
    p.add_argument("--no-plot", action="store_true", help="write no PNG")
    p.set_defaults(func=_simulate)


def _policies(text: str) -> list[str]:
    names = list(POLICY_NAMES) if text == "all" else [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in POLICY_NAMES]
    if unknown or not names:
        print(f"错误：未知策略 {unknown or text!r}；可选 {', '.join(POLICY_NAMES)} 或 all", file=sys.stderr)
        raise SystemExit(2)
    return names


def _simulate(args: argparse.Namespace) -> int:
    from queue_server.core.commands import load_config_or_exit

    config = load_config_or_exit(args.config)
    try:
        settings, profile = tidal_settings(config), simulation_profile(config)
    except ConfigError as exc:
        print(f"配置错误 (config error): {exc}", file=sys.stderr)
        return 2
    if args.days < 1:
        print("错误：--days 至少为 1", file=sys.stderr)
        return 2
    days = default_days(args.days, args.busy, args.start)
    minutes = {code: s.minutes for code, s in config.services.items()}
    scale = 1.0
    if args.tickets:
        scale = args.tickets / (sum(expected_volume(d, minutes, profile) for d in days) / len(days))
    summaries, first_days = [], {}
    for name in _policies(args.policy):
        summary, results = simulate_days(config, settings, profile, name, days, args.seed, scale)
        summaries.append(summary)
        first_days[name] = results[0]
        if args.json:
            print(json.dumps(summary.as_json(), ensure_ascii=False))
    if not args.json:
        kind = "busy days" if args.busy else "business days"
        print(f"{config.hall.name}: {len(days)} simulated {kind} from {days[0]}, seed {args.seed}")
        print(table(summaries))
    if not args.no_plot:
        path = plot(first_days, args.plot, f"{config.hall.name} {days[0]}")
        print(f"plot: {path}", file=sys.stderr if args.json else sys.stdout)
    return 0
