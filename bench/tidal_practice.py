"""What a county hall's own practice changes, step by step, on the demo hall's busy days (evaluation seeds 1–3).

    python -m bench.tidal_practice [--seeds 3] [--days 5]

The steps, each on top of the one before, all with the same people on the same hours under every policy:

1. ``narrow groups, breaks in the rush``: the demo hall as the first two follow-ups left it: four standby windows
   whose groups leave 15 services (综合受理 and 咨询导办 among them) without any standby window, and one break per
   window and session that falls, unplanned, across the middle of the session (mostly in the 9–11 rush).
2. ``综合受理 standby groups``: standby windows are 综合受理 / 无差别 windows: each does general intake and 咨询导办
   and is trained for a family of related items (``assets/halls/demo.toml``), so every high-volume service can reach
   one. Static staffing uses the same standby staff on the same (broader) groups.
3. ``+ break plan``: the hall plans its breaks after the rushes (11:00–12:00 and 16:00–17:30, a department's
   counters in different slots).
4. ``+ day support plan``: every trained counter takes up its busiest trained item for the whole day (每日兼办,
   ``day_plan``): the demo hall as configured now. Steps 1–3 run with ``day_plan`` off, both rules alike.

Policies: ``static`` (today's practice), ``tidal`` (the hall's configured rule), ``tidal, tuned`` (the rule
:data:`bench.tidal_tuning.TUNED_ARGS`, tuned on training seeds 101–103 for the current hall). The baseline of each
step is its own ``static`` row, measured in the same run. The clairvoyant bound is in ``bench.tidal_policies``.
"""
from __future__ import annotations

import argparse
import tomllib
import unicodedata
from dataclasses import replace
from typing import Any

from bench.tidal_tuning import tuned_settings
from queue_server.core.config import DEMO_CONFIG_PATH, parse_config
from queue_server.simulation.runner import default_days, simulate_days
from queue_server.tidal.settings import simulation_profile, tidal_settings

# The standby groups before this change (the first two follow-ups of issue 5).
NARROW_GROUPS = {
    31: ["bdc_transfer", "bdc_mortgage", "tax_property"],
    32: ["si_card", "si_enroll", "mi_enroll", "mi_reimburse", "hpf_withdraw"],
    33: ["company_setup", "company_change", "tax_invoice"],
    34: ["id_card", "passport", "hk_macau", "license_renew"],
}


def hall_variant(narrow_groups: bool, break_plan: bool, day_plan: bool = False) -> Any:
    """The demo hall with the old standby groups and/or without its break plan or its day support plan.

    :param narrow_groups: use :data:`NARROW_GROUPS` for the standby windows.
    :param break_plan: keep the configured ``break_spans`` (else breaks fall across the middle of each session).
    :param day_plan: keep the day's support plan.
    """
    raw = tomllib.loads(DEMO_CONFIG_PATH.read_text(encoding="utf-8"))
    if narrow_groups:
        for window in raw["windows"]:
            if window["number"] in NARROW_GROUPS:
                window["tidal_services"] = NARROW_GROUPS[window["number"]]
    if not break_plan:
        raw["tidal"]["simulation"].pop("break_spans", None)
    raw["tidal"]["day_plan"] = day_plan
    return parse_config(raw, DEMO_CONFIG_PATH)


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (CJK characters take two)."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)


def unreachable(config) -> list[str]:
    """Services no standby window may take."""
    reachable = {s for w in config.windows.values() if w.standby for s in w.tidal_services}
    return sorted(set(config.services) - reachable)


def main(argv: list[str] | None = None) -> None:
    """Measure each step and print its table (``argv``: command-line options)."""
    parser = argparse.ArgumentParser(prog="python -m bench.tidal_practice", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--days", type=int, default=5)
    args = parser.parse_args(argv or [])
    dates = default_days(args.days, busy=True)
    steps = {
        "1 narrow groups, breaks in the rush": hall_variant(narrow_groups=True, break_plan=False),
        "2 综合受理 standby groups": hall_variant(narrow_groups=False, break_plan=False),
        "3 + break plan": hall_variant(narrow_groups=False, break_plan=True),
        "4 + day support plan (demo hall now)": hall_variant(narrow_groups=False, break_plan=True, day_plan=True),
    }
    print(f"{len(dates)} busy days × evaluation seeds 1..{args.seeds}; share of citizens waiting over 20 min "
          "(staff-hours per day)")
    print(f"{'step':38} {'static':>16} {'tidal':>16} {'tidal, tuned':>16} {'tuned/static':>12}  unreachable")
    for label, config in steps.items():
        settings, profile = tidal_settings(config), simulation_profile(config)
        cells = {}
        for name, policy, chosen in (("static", "static", settings), ("tidal", "tidal", settings),
                                     ("tuned", "tidal", replace(tuned_settings(config), day_plan=settings.day_plan))):
            rows = [simulate_days(config, chosen, profile, policy, dates, seed)[0] for seed in range(1, args.seeds + 1)]
            cells[name] = (sum(r.share_over_20_min for r in rows) / len(rows), sum(r.staff_hours for r in rows) / len(rows))
        text = "".join(f" {share:7.2%} ({hours:5.1f})" for share, hours in cells.values())
        print(f"{_pad(label, 38)}{text} {cells['tuned'][0] / cells['static'][0]:12.2f}  {len(unreachable(config))} services")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
