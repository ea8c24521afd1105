"""`govhall guides …`: import, export, lint and the same-source diff of the guide catalogue.

`diff LOCAL PROVINCIAL` takes LOCAL as a file, or the word `db` for the database's catalogue (`--db`); with
`--apply` the provincial version is written back there, and provincial-only items are added only when their
hall service is one of the config's.

Exit codes, for scripts: 0 all well; 1 lint findings, or differences left unapplied; 2 a file that cannot be
read or does not validate (every problem is printed, by item or by sheet/row/column, and nothing is imported).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from queue_server.core.clock import SystemClock, to_iso
from queue_server.core.commands import add_config_arguments, load_config_or_exit
from queue_server.guides.diff import apply_provincial, diff_catalogues, format_differences
from queue_server.guides.exchange import read_catalogue, write_catalogue
from queue_server.guides.lint import format_report, lint_catalogue
from queue_server.guides.model import Catalogue, CatalogueError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `guides import|export|lint|diff`."""
    guides = subparsers.add_parser("guides", help="service guides: import, export, lint, same-source diff")
    sub = guides.add_subparsers(dest="guides_command", required=True)

    imp = sub.add_parser("import", help="replace the catalogue in the database with a JSON or .xlsx file")
    add_config_arguments(imp)
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=_import)

    exp = sub.add_parser("export", help="write the database's catalogue to a JSON or .xlsx file")
    add_config_arguments(exp)
    exp.add_argument("file", type=Path)
    exp.set_defaults(func=_export)

    lint = sub.add_parser("lint", help="quality lint of a catalogue file (default: the database's)")
    add_config_arguments(lint)
    lint.add_argument("file", type=Path, nargs="?")
    lint.add_argument("--json", action="store_true", help="findings as JSON")
    lint.set_defaults(func=_lint)

    diff = sub.add_parser("diff", help="same-source check: the hall's catalogue against a provincial export")
    add_config_arguments(diff)
    diff.add_argument("local", help="the hall's catalogue: a JSON or .xlsx file, or the word db for the database")
    diff.add_argument("provincial", type=Path, help="the provincial platform's export (JSON or .xlsx)")
    diff.add_argument("--apply", action="store_true", help="after listing, write the provincial version to LOCAL")
    diff.add_argument("--json", action="store_true", help="differences as JSON")
    diff.set_defaults(func=_diff)


def _read_or_exit(path: Path, services: set[str] | None = None, hall: bool = True) -> Catalogue:
    try:
        return read_catalogue(path, services, hall)
    except CatalogueError as exc:
        print(f"{path}: {len(exc.problems)} 处问题，未导入任何内容：", file=sys.stderr)
        for p in exc.problems:
            print(f"  {p}", file=sys.stderr)
        raise SystemExit(2) from None


def _open_db(args: argparse.Namespace):
    from queue_server.app import open_database

    return open_database(args.db)


def _import(args: argparse.Namespace) -> int:
    from queue_server.guides.store import replace_catalogue

    config = load_config_or_exit(args.config)
    cat = _read_or_exit(args.file, set(config.services))
    db = _open_db(args)
    revision = replace_catalogue(db, cat, to_iso(SystemClock().now()) or "")
    print(f"已导入 {len(cat.guides)} 个事项、{len(cat.departments)} 个部门、{len(cat.bundles)} 个一件事"
          f"（版本 {revision}）。")
    return 0


def _stored(args: argparse.Namespace) -> Catalogue:
    from queue_server.guides.store import ensure_catalogue, load_catalogue

    config = load_config_or_exit(args.config)
    db = _open_db(args)
    ensure_catalogue(db, config)
    return load_catalogue(db)


def _export(args: argparse.Namespace) -> int:
    cat = _stored(args)
    write_catalogue(cat, args.file)
    print(f"已导出 {len(cat.guides)} 个事项到 {args.file}。")
    return 0


def _lint(args: argparse.Namespace) -> int:
    cat = _read_or_exit(args.file) if args.file else _stored(args)
    findings = lint_catalogue(cat)
    if args.json:
        print(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1))
    else:
        print(format_report(findings, len(cat.guides)))
    return 1 if findings else 0


def _diff(args: argparse.Namespace) -> int:
    in_db = args.local == "db"
    local = _stored(args) if in_db else _read_or_exit(Path(args.local))
    provincial = _read_or_exit(args.provincial, hall=False)
    diffs = diff_catalogues(local, provincial)
    if args.json:
        print(json.dumps([d.as_dict() for d in diffs], ensure_ascii=False, indent=1))
    else:
        print(format_differences(diffs))
    if not args.apply:
        return 1 if diffs else 0
    config = load_config_or_exit(args.config)
    merged, notes = apply_provincial(local, provincial, set(config.services))
    for note in notes:
        print(f"未采用：{note}", file=sys.stderr)
    if in_db:
        from queue_server.guides.store import replace_catalogue

        replace_catalogue(_open_db(args), merged, to_iso(SystemClock().now()) or "")
    else:
        write_catalogue(merged, Path(args.local))
    print(f"已按省级版本更新 {'数据库中的指南' if in_db else args.local}。", file=sys.stderr if args.json else sys.stdout)
    return 0
