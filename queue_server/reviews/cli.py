"""`govhall reviews …`: export a ledger to a file, and list overdue cases (for a daily cron alert).

Exit codes, for scripts: ``overdue`` exits 1 when anything is overdue, else 0; 2 for a bad config or argument.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from queue_server.core.clock import SystemClock
from queue_server.core.commands import add_config_arguments, load_config_or_exit
from queue_server.core.config import ConfigError
from queue_server.reviews import complaints, exports, rectification
from queue_server.reviews.settings import load_review_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `reviews export|overdue`."""
    reviews = subparsers.add_parser("reviews", help="好差评: export ledgers, list overdue cases")
    sub = reviews.add_subparsers(dest="reviews_command", required=True)

    exp = sub.add_parser("export", help="write a ledger to a .csv or .xlsx file")
    add_config_arguments(exp)
    exp.add_argument("ledger", choices=sorted(exports.LEDGERS))
    exp.add_argument("file", type=Path, help="output file; .csv or .xlsx decides the format")
    exp.add_argument("--from", dest="day_from", type=date.fromisoformat, help="first business day (default: 30 days ago)")
    exp.add_argument("--to", dest="day_to", type=date.fromisoformat, help="last business day (default: today)")
    exp.set_defaults(func=_export)

    late = sub.add_parser("overdue", help="overdue call-backs, rectifications and complaints (exit 1 if any)")
    add_config_arguments(late)
    late.add_argument("--json", action="store_true", help="as JSON")
    late.set_defaults(func=_overdue)


def _setup(args: argparse.Namespace):
    from queue_server.app import open_database

    config = load_config_or_exit(args.config)
    try:
        settings = load_review_settings(config)
    except ConfigError as exc:
        print(f"配置错误 (config error): {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return config, settings, open_database(args.db)


def _export(args: argparse.Namespace) -> int:
    suffix = args.file.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        print("输出文件须为 .csv 或 .xlsx", file=sys.stderr)
        return 2
    config, settings, db = _setup(args)
    now = SystemClock().now()
    today = now.astimezone(config.hall.tz).date()
    day_to = args.day_to or today
    day_from = args.day_from or day_to - timedelta(days=30)
    table = exports.build(args.ledger, db, config, settings, day_from.isoformat(), day_to.isoformat(), now)
    data = exports.to_csv(table) if suffix == ".csv" else exports.to_xlsx(table, exports.LEDGERS[args.ledger])
    args.file.parent.mkdir(parents=True, exist_ok=True)
    args.file.write_bytes(data)
    print(f"已导出 {exports.LEDGERS[args.ledger]} {len(table[1])} 行 → {args.file}")
    return 0


def _overdue(args: argparse.Namespace) -> int:
    config, _, db = _setup(args)
    now, tz = SystemClock().now(), config.hall.tz
    cases = [rectification.case_json(c, tz, now) for c in rectification.list_cases(db, state="open")]
    cases = [c for c in cases if c["overdue"]]
    late = [complaints.complaint_json(c, tz, now) for c in complaints.list_rows(db, state="open")]
    late = [c for c in late if c["overdue"]]
    if args.json:
        print(json.dumps({"rectifications": cases, "complaints": late}, ensure_ascii=False, indent=1))
    else:
        for c in cases:
            what = "回访逾期" if c["overdue"] == "callback" else "整改逾期"
            due = c["callback_due"] if c["overdue"] == "callback" else c["rectify_due"]
            print(f"差评整改 #{c['id']} {c['ticket']} {c['window']}号窗口 {c['level_name']} {what}（时限 {due}）"
                  f" 责任人 {c['responsible'] or '未指定'}")
        for c in late:
            print(f"诉求 #{c['id']} {c['kind_name']} 责任人 {c['responsible']} 逾期（时限 {c['due_at']}）")
        print(f"共 {len(cases)} 件差评整改、{len(late)} 件诉求逾期。")
    return 1 if cases or late else 0
