"""``govhall serve``: run the hall's queue server (the demo starts it the same way)."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from aiohttp import web

from queue_server.app import create_app, open_database
from queue_server.backup.archive import BackupError, hold_server_lock
from queue_server.core.clock import SystemClock
from queue_server.core.commands import add_config_arguments, load_config_or_exit
from queue_server.core.config import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve``."""
    serve = subparsers.add_parser("serve", help="run the queue server")
    add_config_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--open-all-hours", action="store_true", help="issue tickets outside business hours (drills, demos)")
    serve.add_argument("--public-url", help="the address phones reach the server at (overrides [hall] public_url)")
    serve.set_defaults(func=_serve)


def run_server(config_path: Path, db_path: Path, host: str, port: int, open_all_hours: bool, banner: str = "",
               public_url: str | None = None) -> None:
    """Start the server and block until interrupted; ``public_url`` replaces ``[hall] public_url`` (QR codes)."""
    config = load_config_or_exit(config_path)
    if public_url:
        if not public_url.startswith(("http://", "https://")):
            print(f"--public-url 应以 http:// 或 https:// 开头：{public_url!r}", file=sys.stderr)
            raise SystemExit(2)
        config = replace(config, hall=replace(config.hall, public_url=public_url.rstrip("/")))
    try:
        lock = hold_server_lock(db_path)  # noqa: F841 - held until the process ends
    except BackupError as exc:
        print(f"无法启动：{exc}", file=sys.stderr)
        raise SystemExit(1) from None
    db = open_database(db_path)
    try:
        app = create_app(config, db=db, clock=SystemClock(), open_all_hours=open_all_hours)
    except ConfigError as exc:  # an area's own section ([tidal], [reviews]…) is checked as the app is built
        print(f"配置错误 (config error): {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    base = f"http://{host}:{port}"
    print(f"{config.hall.name} 排队服务已启动：{base}/api/hall  接口文档：{base}/api/docs  数据库：{db_path}", flush=True)
    if banner:
        print(banner, flush=True)
    web.run_app(app, host=host, port=port, access_log=None, print=None)


def _serve(args: argparse.Namespace) -> int:
    run_server(args.config, args.db, args.host, args.port, args.open_all_hours, public_url=args.public_url)
    return 0
