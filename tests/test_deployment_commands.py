"""Every ``govhall`` command that README.md, docs/deployment.md and the files in deploy/ show parses as written.

A command line with a wrong subcommand, option name or choice fails here instead of on the hall's machine. The
commands are parsed by the real ``govhall`` argument parser (nothing runs); ``...`` in the guide stands for the
``--config``/``--db`` pair of the line before it, as the guide says.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from queue_server.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("README.md", "docs/deployment.md", "docs/devices.md", "docs/kiosk.md", "deploy/systemd/govhall-server.service",
           "deploy/systemd/govhall-devices.service", "deploy/systemd/govhall-backup.service",
           "deploy/systemd/govhall-replica-check.service",
           "deploy/autostart/govhall-kiosk.desktop")
GUIDE_PAIR = "--config /etc/govhall/hall.toml --db /var/lib/govhall/govhall.db"
#: `govhall` (or `.venv/bin/govhall`, `./run govhall`) and its arguments, up to a comment, backquote or line end
COMMAND = re.compile(r"(?:bin/govhall|run govhall|^govhall|`govhall) ([^`#\n]+)")


def shown_commands() -> list[tuple[str, str]]:
    """(where, argument string) of each govhall command line in the sources."""
    found = []
    for name in SOURCES:
        text = (ROOT / name).read_text(encoding="utf-8").replace("\\\n", " ")
        for number, line in enumerate(text.splitlines(), 1):
            for match in COMMAND.finditer(line):
                args = match.group(1).strip().rstrip("）。，")
                if args.count("'") % 2:  # the closing quote of a `sh -c '…'` around the command
                    args = args[:args.rindex("'")].strip()
                if (not re.match(r"[a-z-]", args) or " " not in args or "…" in args or "ROLE" in args
                        or args.startswith(("kiosk --role ticket|", "--help"))):
                    continue  # prose ("govhall 的…", "`govhall kiosk`"), placeholders, or the bare --help
                found.append((f"{name}:{number}", args.replace("...", GUIDE_PAIR).replace("--window N", "--window 3")))
    return found


COMMANDS = shown_commands()


def test_the_sources_show_the_commands_an_engineer_runs() -> None:
    subcommands = {shlex.split(args)[0] for _, args in COMMANDS}
    assert {"serve", "token", "staff", "devices", "backup", "restore", "replica", "kiosk", "reviews", "guides"} <= subcommands


@pytest.mark.parametrize("where, args", COMMANDS, ids=[where for where, _ in COMMANDS])
def test_shown_command_parses(where: str, args: str) -> None:
    argv = [part for part in shlex.split(args.replace("$(date +%Y%m%d-%H%M)", "20261127-2130")
                                         .replace("$(date +%%Y%%m%%d-%%H%%M)", "20261127-2130"))]
    try:
        parsed = build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"{where}: govhall {args} does not parse (exit {exc.code})")
    assert callable(parsed.func)
