"""``govhall bulletin --quarter 2026Q4 --out FILE.docx``: write a quarter's bulletin (通报) from the records."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from queue_server.app import open_database
from queue_server.bulletin.document import write_docx
from queue_server.bulletin.report import gather
from queue_server.core.clock import SystemClock
from queue_server.core.commands import add_config_arguments, load_config_or_exit
from queue_server.core.config import ConfigError
from queue_server.core.hall_time import Quarter
from queue_server.reviews.settings import load_review_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``bulletin``."""
    cmd = subparsers.add_parser("bulletin", help="write the quarterly bulletin as a Word document")
    add_config_arguments(cmd)
    cmd.add_argument("--quarter", required=True, help="the quarter, e.g. 2026Q4")
    cmd.add_argument("--out", type=Path, required=True, help="the .docx file to write")
    cmd.set_defaults(func=_bulletin)


def _bulletin(args: argparse.Namespace) -> int:
    try:
        quarter = Quarter.parse(args.quarter)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if args.out.suffix.lower() != ".docx":
        print("错误：输出文件须为 .docx", file=sys.stderr)
        return 2
    config = load_config_or_exit(args.config)
    try:
        settings = load_review_settings(config)
    except ConfigError as exc:
        print(f"配置错误 (config error): {exc}", file=sys.stderr)
        return 2
    db = open_database(args.db)
    try:
        content = gather(db, config, settings, quarter, SystemClock().now())
    finally:
        db.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(write_docx(content))
    ranked = sum(1 for r in content["ranking"] if not r["no_data"])
    print(f"已生成 {content['title']}：{len(content['units'])} 个单位（{ranked} 个参与排名）→ {args.out}")
    return 0
