"""``govhall``: one command, many subcommands; each area (and the devices and kiosk packages) registers its own."""
from __future__ import annotations

import argparse
import importlib
import logging
import sqlite3
import sys

#: modules with ``register(subparsers)``; each adds its own subcommands
SUBCOMMAND_MODULES = [
    "queue_server.serve",
    "queue_server.web.cli",
    "queue_server.backup.cli",
    "queue_server.config_check",
    "devices.cli",
    "queue_server.guides.cli",
    "queue_server.simulation.cli",
    "queue_server.reviews.cli",
    "queue_server.bulletin.cli",
    "queue_server.city.cli",
    "queue_server.tasks.cli",
    "queue_server.outbound.province_cli",
    "kiosk.cli",
    "queue_server.demo.cli",
]


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
