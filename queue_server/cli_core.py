"""The queue server's own subcommands: ``serve``, ``token create``, ``staff add`` and ``demo``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aiohttp import web

from .app import create_app
from .auth import ROLES, add_staff, create_token
from .backup import BackupError, backup, hold_server_lock, restore
from .cli import add_config_arguments, load_config_or_exit
from .clock import SystemClock
from .db import open_database

DEMO_DIR = Path("var") / "demo"


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="run the queue server")
    add_config_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--open-all-hours", action="store_true", help="issue tickets outside business hours (drills, demos)")
    serve.set_defaults(func=_serve)

    token = subparsers.add_parser("token", help="manage API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="create a token; it is printed alone on the last line")
    add_config_arguments(create)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--window", type=int)
    create.add_argument("--name")
    create.set_defaults(func=_token_create)

    staff = subparsers.add_parser("staff", help="manage staff accounts (工号)")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="create or replace a staff account")
    add_config_arguments(add)
    add.add_argument("--staff-no", required=True, help="工号")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=("staff", "admin"), default="staff")
    add.add_argument("--password", required=True)
    add.set_defaults(func=_staff_add)

    backup_cmd = subparsers.add_parser("backup", help="online backup of the database (safe while the server runs)")
    add_config_arguments(backup_cmd)
    backup_cmd.add_argument("--to", type=Path, required=True, help="the backup file to create")
    backup_cmd.set_defaults(func=_backup)

    restore_cmd = subparsers.add_parser("restore", help="restore a verified backup (stop the server first)")
    add_config_arguments(restore_cmd)
    restore_cmd.add_argument("--from", dest="source", type=Path, required=True, help="the backup file")
    restore_cmd.add_argument("--force", action="store_true", help="overwrite an existing database")
    restore_cmd.set_defaults(func=_restore)

    demo = subparsers.add_parser("demo", help="run the demo hall on this machine (open at any hour)")
    add_config_arguments(demo, db=False)
    demo.add_argument("--dir", type=Path, default=DEMO_DIR, help=f"where the demo keeps its files (default: {DEMO_DIR})")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.set_defaults(func=_demo)


def _check_window(config, role: str, window: int | None) -> None:
    if window is not None and window not in config.windows:
        print(f"错误: 配置中没有 {window} 号窗口", file=sys.stderr)
        raise SystemExit(2)
    if role in ("staff", "tablet") and window is None:
        print(f"错误: {role} 令牌需要 --window", file=sys.stderr)
        raise SystemExit(2)


def _token_create(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args.config)
    _check_window(config, args.role, args.window)
    db = open_database(args.db)
    token = create_token(db, SystemClock(), args.role, args.window, args.name)
    print(f"role={args.role} window={args.window or '-'} db={args.db}")
    print(token)
    return 0


def _staff_add(args: argparse.Namespace) -> int:
    load_config_or_exit(args.config)
    try:
        add_staff(open_database(args.db), SystemClock(), args.staff_no, args.name, args.role, args.password)
    except ValueError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 2
    print(f"工号 {args.staff_no} ({args.name}, {args.role}) 已保存")
    return 0


def _backup(args: argparse.Namespace) -> int:
    try:
        info = backup(args.db, args.to)
    except BackupError as exc:
        print(f"备份失败: {exc}", file=sys.stderr)
        return 1
    print(f"备份完成: {info['path']} ({info['bytes']} 字节, {info['tickets']} 张号票), 完整性检查通过")
    return 0


def _restore(args: argparse.Namespace) -> int:
    try:
        info = restore(args.source, args.db, force=args.force)
    except BackupError as exc:
        print(f"恢复失败: {exc}", file=sys.stderr)
        return 1
    open_database(args.db).close()  # apply any migrations newer than the backup
    print(f"恢复完成: {info['path']} ({info['tickets']} 张号票)")
    return 0


def run_server(config_path: Path, db_path: Path, host: str, port: int, open_all_hours: bool, banner: str = "") -> None:
    """Start the server and block until interrupted."""
    config = load_config_or_exit(config_path)
    try:
        lock = hold_server_lock(db_path)  # noqa: F841 - held until the process ends
    except BackupError as exc:
        print(f"无法启动: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    db = open_database(db_path)
    app = create_app(config, db=db, clock=SystemClock(), open_all_hours=open_all_hours)
    base = f"http://{host}:{port}"
    print(f"{config.hall.name} 排队服务已启动: {base}/api/hall  接口文档: {base}/api/docs  数据库: {db_path}", flush=True)
    if banner:
        print(banner, flush=True)
    web.run_app(app, host=host, port=port, access_log=None, print=None)


def _serve(args: argparse.Namespace) -> int:
    run_server(args.config, args.db, args.host, args.port, args.open_all_hours)
    return 0


def _demo(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args.config)
    args.dir.mkdir(parents=True, exist_ok=True)
    db_path = args.dir / "govhall.db"
    db = open_database(db_path)
    clock = SystemClock()
    if not db.execute("select 1 from staff where staff_no = 'admin'").fetchone():
        add_staff(db, clock, "admin", "大厅管理员", "admin", "govhall-demo")
        add_staff(db, clock, "1001", "张晓明", "staff", "govhall-demo")
    kiosk = create_token(db, clock, "kiosk", name="demo kiosk")
    db.close()
    banner = (f"演示账号: 管理员 工号 admin / 窗口人员 工号 1001, 密码 govhall-demo\n"
              f"取号机令牌 (kiosk token): {kiosk}\n"
              f"试一试: curl -X POST -H 'Authorization: Bearer {kiosk}' -d '{{\"service\":\"bdc_transfer\",\"request_id\":\"demo-1\"}}' "
              f"http://{args.host}:{args.port}/api/tickets")
    run_server(args.config, db_path, args.host, args.port, True, banner)
    return 0
