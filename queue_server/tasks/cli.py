"""``govhall tasks import|list|export``: the task ledger (对账销号) from and to the Excel file halls keep."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from queue_server.app import open_database
from queue_server.core.clock import SystemClock
from queue_server.core.commands import add_config_arguments, load_config_or_exit
from queue_server.core.db import write_transaction
from queue_server.tasks import ledger
from queue_server.tasks.excel import TaskImportError, read_tasks, write_tasks


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``tasks import``, ``tasks list`` and ``tasks export``."""
    tasks = subparsers.add_parser("tasks", help="the work-plan task ledger: import, list, export")
    sub = tasks.add_subparsers(dest="tasks_command", required=True)
    imp = sub.add_parser("import", help="add the tasks of an .xlsx ledger (rows already in the ledger are skipped)")
    add_config_arguments(imp)
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=_import)
    show = sub.add_parser("list", help="the ledger with each task's state (exit 1 with --overdue when any is late)")
    add_config_arguments(show)
    show.add_argument("--overdue", action="store_true", help="only overdue tasks")
    show.set_defaults(func=_list)
    exp = sub.add_parser("export", help="write the ledger to an .xlsx file")
    add_config_arguments(exp)
    exp.add_argument("file", type=Path)
    exp.set_defaults(func=_export)


def _import(args: argparse.Namespace) -> int:
    load_config_or_exit(args.config)
    try:
        tasks = read_tasks(args.file.read_bytes())
    except FileNotFoundError:
        print(f"错误：找不到文件 {args.file}", file=sys.stderr)
        return 2
    except TaskImportError as exc:
        print("导入失败，台账未改动：", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    db = open_database(args.db)
    with write_transaction(db):
        added, skipped = ledger.import_tasks(db, tasks, "govhall tasks import", SystemClock().now())
    print(f"已导入 {added} 项任务" + (f"，{skipped} 项已在台账中" if skipped else "") + f"：{args.file}")
    return 0


def _list(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args.config)
    rows = ledger.listing(open_database(args.db), SystemClock().now(), config.hall.tz, only_overdue=args.overdue)
    for row in rows:
        late = "（逾期）" if row["overdue"] else ""
        print(f"#{row['id']} [{row['state_name']}{late}] {row['title']} 责任单位 {row['unit']} 责任人 {row['owner']}"
              f" 时限 {row['deadline'] or '长期坚持'}")
    print(f"共 {len(rows)} 项任务。")
    return 1 if args.overdue and rows else 0


def _export(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args.config)
    if args.file.suffix.lower() != ".xlsx":
        print("错误：输出文件须为 .xlsx", file=sys.stderr)
        return 2
    rows = ledger.listing(open_database(args.db), SystemClock().now(), config.hall.tz)
    args.file.parent.mkdir(parents=True, exist_ok=True)
    args.file.write_bytes(write_tasks(rows))
    print(f"已导出任务台账 {len(rows)} 项 → {args.file}")
    return 0
