"""What every ``govhall`` subcommand shares: the ``--config`` / ``--db`` pair, and loading the hall file with a
clear message instead of a traceback."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from queue_server.core.config import DEMO_CONFIG_PATH, ConfigError, HallConfig, load_config

DEFAULT_DB = Path("var") / "govhall.db"


def add_config_arguments(parser: argparse.ArgumentParser, *, db: bool = True) -> None:
    """The ``--config`` / ``--db`` pair every subcommand shares."""
    parser.add_argument("--config", type=Path, default=DEMO_CONFIG_PATH,
                        help="hall configuration TOML (default: the demo hall)")
    if db:
        parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"SQLite file (default: {DEFAULT_DB})")


def load_config_or_exit(path: Path) -> HallConfig:
    """Load the config; on a problem print which file, field and what is wrong, and exit 2."""
    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"配置错误 (config error): {exc}", file=sys.stderr)
        raise SystemExit(2) from None
