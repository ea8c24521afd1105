"""The queue server's own subcommands: ``serve``, ``token create``, ``staff add``, ``backup`` and ``restore``."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from aiohttp import web

from .app import create_app
from .auth import ROLES, add_staff, create_token, set_staff_photo
from .backup import BackupError, backup, hold_server_lock, restore
from .cli import add_config_arguments, load_config_or_exit
from .clock import SystemClock
from .config import ConfigError
from .db import open_database

def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="run the queue server")
    add_config_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--open-all-hours", action="store_true", help="issue tickets outside business hours (drills, demos)")
    serve.add_argument("--public-url", help="the address phones reach the server at (overrides [hall] public_url)")
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
    add.add_argument("--photo", type=Path, help="JPG/PNG photo shown on the counter tablet")
    add.set_defaults(func=_staff_add)
    photo = staff_sub.add_parser("photo", help="set (or with --remove, clear) the photo shown on the counter tablet")
    add_config_arguments(photo)
    photo.add_argument("--staff-no", required=True, help="工号")
    photo.add_argument("--photo", type=Path, help="JPG/PNG file")
    photo.add_argument("--remove", action="store_true")
    photo.set_defaults(func=_staff_photo)

    backup_cmd = subparsers.add_parser("backup", help="online backup of the database (safe while the server runs)")
    add_config_arguments(backup_cmd)
    backup_cmd.add_argument("--to", type=Path, required=True, help="the backup file to create")
    backup_cmd.set_defaults(func=_backup)

    restore_cmd = subparsers.add_parser("restore", help="restore a verified backup (stop the server first)")
    add_config_arguments(restore_cmd)
    restore_cmd.add_argument("--from", dest="source", type=Path, required=True, help="the backup file")
    restore_cmd.add_argument("--force", action="store_true", help="overwrite an existing database")
    restore_cmd.set_defaults(func=_restore)



def _check_window(config, role: str, window: int | None) -> None:
    if window is not None and window not in config.windows:
        print(f"错误：配置中没有 {window} 号窗口", file=sys.stderr)
        raise SystemExit(2)
    if role in ("staff", "tablet") and window is None:
        print(f"错误：{role} 令牌需要 --window", file=sys.stderr)
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
        db = open_database(args.db)
        add_staff(db, SystemClock(), args.staff_no, args.name, args.role, args.password)
        if args.photo is not None:
            set_staff_photo(db, args.staff_no, args.photo)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"工号 {args.staff_no}（{args.name}，{args.role}）已保存")
    return 0


def _staff_photo(args: argparse.Namespace) -> int:
    load_config_or_exit(args.config)
    if (args.photo is None) == (not args.remove):
        print("错误：请给出 --photo 文件或 --remove", file=sys.stderr)
        return 2
    try:
        set_staff_photo(open_database(args.db), args.staff_no, None if args.remove else args.photo)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"工号 {args.staff_no} 的照片已{'清除' if args.remove else '保存'}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    try:
        info = backup(args.db, args.to)
    except BackupError as exc:
        print(f"备份失败：{exc}", file=sys.stderr)
        return 1
    print(f"备份完成：{info['path']}（{info['bytes']} 字节，{info['tickets']} 张号票），完整性检查通过")
    return 0


def _restore(args: argparse.Namespace) -> int:
    try:
        info = restore(args.source, args.db, force=args.force)
    except BackupError as exc:
        print(f"恢复失败：{exc}", file=sys.stderr)
        return 1
    open_database(args.db).close()  # apply any migrations newer than the backup
    print(f"恢复完成：{info['path']}（{info['tickets']} 张号票）")
    return 0


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
