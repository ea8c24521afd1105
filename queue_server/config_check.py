"""``govhall config check``: validate every section of a hall configuration before it goes live.

``serve`` reads the core sections and ``[tidal]``, ``[reviews]`` and ``[guides]``; ``devices`` reads ``[devices]``;
each kiosk reads ``[kiosk]``. An engineer editing ``/etc/govhall/hall.toml`` should not have to start all of them
to find a mistake: this command runs every section's own validator and names the first problem (file, field,
what is wrong), or sums up the hall it read.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from queue_server.core.clock import SystemClock
from queue_server.core.commands import add_config_arguments, load_config_or_exit
from queue_server.core.config import ConfigError, HallConfig
from queue_server.core.hall_time import business_day
from queue_server.core.workdays import holiday_data_warnings
from queue_server.reviews.settings import load_review_settings


def _section_checks() -> list[tuple[str, Callable[[HallConfig], Any]]]:
    """Each extension section and the validator its own part of govhall runs at start-up."""
    from devices.config import parse_devices
    from queue_server.booking.settings import booking_settings
    from kiosk.common.settings import kiosk_settings
    from queue_server.guides.store import guides_settings
    from queue_server.outbound.registry import build_channels
    from queue_server.practices.settings import practice_kinds
    from queue_server.surveys.settings import surveys
    from queue_server.tidal.settings import simulation_profile, tidal_settings
    from queue_server.web.security import security_settings

    return [("[tidal]", tidal_settings), ("[tidal.simulation]", simulation_profile), ("[reviews]", load_review_settings),
            ("[guides]", guides_settings), ("[practices]", practice_kinds), ("[[surveys]]", surveys),
            ("[devices]", parse_devices), ("[kiosk]", kiosk_settings), ("[security]", security_settings),
            ("[outbound]", build_channels),
            ("[booking]", booking_settings)]


def check(config: HallConfig) -> list[str]:
    """Run every section's validator on ``config``; the sections checked, in order.

    :raises ConfigError: the first problem, naming its file and field.
    """
    checked = []
    for name, validate in _section_checks():
        validate(config)
        checked.append(name)
    return checked


def _check(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args.config)
    try:
        sections = check(config)
    except ConfigError as exc:
        print(f"配置错误 (config error): {exc}", file=sys.stderr)
        return 2
    standby = sum(1 for w in config.windows.values() if w.standby)
    print(f"配置有效：{args.config}")
    print(f"  {config.hall.name}：{len(config.departments)} 个部门，{len(config.services)} 项业务，"
          f"{len(config.windows)} 个窗口（其中备用 {standby} 个）")
    print(f"  已检查：核心各节、{'、'.join(sections)}")
    today = business_day(SystemClock().now(), config.hall)
    for line in holiday_data_warnings(today, config.hall, load_review_settings(config).calendar):
        print(f"注意：{line}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``config check``."""
    config = subparsers.add_parser("config", help="hall configuration tools")
    sub = config.add_subparsers(dest="config_command", required=True)
    check_cmd = sub.add_parser("check", help="validate every section of a hall configuration (exit 2 on a problem)")
    add_config_arguments(check_cmd, db=False)
    check_cmd.set_defaults(func=_check)
