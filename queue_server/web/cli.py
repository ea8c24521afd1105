"""Accounts: ``govhall token create|list|revoke`` (the devices' and scripts' tokens, and staff sessions),
``govhall staff add`` (工号) and ``govhall staff photo`` (the counter tablet's photo)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from queue_server.app import open_database
from queue_server.core.clock import SystemClock
from queue_server.core.commands import add_config_arguments, load_config_or_exit
from queue_server.web.auth import ROLES, add_staff, create_token, set_staff_photo
from queue_server.web.auth import list_tokens, revoke_token


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``token create``, ``staff add`` and ``staff photo``."""
    token = subparsers.add_parser("token", help="manage API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="create a token; it is printed alone on the last line")
    add_config_arguments(create)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--window", type=int)
    create.add_argument("--name")
    create.set_defaults(func=_token_create)
    listing = token_sub.add_parser("list", help="list tokens that still work (masked; --all adds revoked and expired)")
    add_config_arguments(listing)
    listing.add_argument("--all", action="store_true", help="include revoked and expired tokens")
    listing.set_defaults(func=_token_list)
    revoke = token_sub.add_parser("revoke", help="revoke a token by the ID that `token list` shows")
    add_config_arguments(revoke)
    revoke.add_argument("id", type=int)
    revoke.set_defaults(func=_token_revoke)

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


def _when(value, tz) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def _token_list(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args.config)
    clock, tz = SystemClock(), config.hall.tz
    now = clock.now()
    rows = list_tokens(open_database(args.db), now, include_ended=args.all)
    print("ID\t令牌\t角色\t窗口\t名称\t工号\t创建\t最近使用\t到期\t状态")
    for t in rows:
        print("\t".join([str(t.id), t.masked, t.role, str(t.window or "-"), t.name, t.staff_no or "-",
                         _when(t.created_at, tz), _when(t.last_used_at, tz), _when(t.expires_at, tz) if t.expires_at
                         else "不过期", {"active": "有效", "expired": "已过期", "revoked": "已注销"}[t.state(now)]]))
    print(f"共 {len(rows)} 个令牌")
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    load_config_or_exit(args.config)
    if not revoke_token(open_database(args.db), SystemClock(), args.id):
        print(f"错误：没有 ID 为 {args.id} 的有效令牌", file=sys.stderr)
        return 2
    print(f"令牌 {args.id} 已注销")
    return 0


def _staff_add(args: argparse.Namespace) -> int:
    load_config_or_exit(args.config)
    try:
        db = open_database(args.db)
        revoked = add_staff(db, SystemClock(), args.staff_no, args.name, args.role, args.password)
        if args.photo is not None:
            set_staff_photo(db, args.staff_no, args.photo)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"工号 {args.staff_no}（{args.name}，{args.role}）已保存")
    if revoked:
        print(f"已注销该工号的 {revoked} 个登录会话，请用新密码重新登录")
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
