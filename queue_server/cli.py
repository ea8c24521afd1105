"""``govhall``: one command, many subcommands (serve, token, staff, demo, and those other packages register)."""
from __future__ import annotations

import argparse
import importlib
import logging
import sqlite3
import sys
from pathlib import Path

from .config import DEMO_CONFIG_PATH, ConfigError, HallConfig, load_config

#: modules with ``register(subparsers)``; each adds its own subcommands
SUBCOMMAND_MODULES = [
    "queue_server.cli_core",
    "queue_server.config_cli",
    "devices.cli",
    "queue_server.guides.cli",
    "queue_server.simulation.cli",
    "queue_server.reviews.cli",
    "kiosk.cli",
    "queue_server.demo.cli",
]

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govhall", description="政务服务大厅排队叫号系统 govhall")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except PermissionError as exc:  # e.g. a database made by root, then served by the govhall user
        print(f"没有权限 (permission denied)：{exc.filename or exc}。{_OWNER_HINT}", file=sys.stderr)
        return 1
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc):
            raise
        print(f"数据库只读 (read-only database)：{exc}。{_OWNER_HINT}", file=sys.stderr)
        return 1


#: what to do when a file belongs to another user (docs/deployment.md §4)
_OWNER_HINT = ("请用数据库文件的属主运行本命令（服务主机上：sudo -u govhall …），"
               "或把数据库目录交给该用户：sudo chown -R govhall:govhall /var/lib/govhall")


if __name__ == "__main__":
    sys.exit(main())
