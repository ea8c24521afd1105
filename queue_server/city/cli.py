"""``govhall city …``: run the city server, register a hall, make a city admin's token (API.md), load the mapping
of the halls' units to the city-wide units and list it."""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from pathlib import Path

import asyncpg
from aiohttp import web

from queue_server.city import accounts, migrate, units
from queue_server.city.app import create_city_app
from queue_server.city.keys import CitySettings
from queue_server.core.clock import SystemClock

_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``city serve``, ``city hall add`` and ``city token create``."""
    city = subparsers.add_parser("city", help="市级汇总 the city server over PostgreSQL")
    commands = city.add_subparsers(dest="city_command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the city server")
    _dsn(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090)
    serve.add_argument("--name", default="全市", help="the city's name as the bulletin titles it, e.g. 某某市")
    serve.set_defaults(func=_serve)

    hall = commands.add_parser("hall", help="the halls that ship to the city").add_subparsers(
        dest="hall_command", required=True, metavar="COMMAND")
    add = hall.add_parser("add", help="register a hall (or give it a new token); prints the token last")
    _dsn(add)
    add.add_argument("--code", required=True, help="the hall's code, as its hall file's [city] hall_code")
    add.add_argument("--name", required=True, help="the hall's name, e.g. 某某县政务服务中心")
    add.set_defaults(func=_hall_add)
    rejoin = hall.add_parser("rejoin", help="after a hall was restored from a replica: accept its numbering again")
    _dsn(rejoin)
    rejoin.add_argument("--code", required=True)
    rejoin.set_defaults(func=_hall_rejoin)

    unit = commands.add_parser("unit", help="全市统一单位 the halls' units mapped to city-wide units").add_subparsers(
        dest="unit_command", required=True, metavar="COMMAND")
    load = unit.add_parser("load", help="replace the mapping with a CSV file: hall,unit,city_unit,city_unit_name")
    _dsn(load)
    load.add_argument("file", type=Path)
    load.set_defaults(func=_unit_load)
    listed = unit.add_parser("list", help="every hall's unit and the city-wide unit it is mapped to, or 未对应")
    _dsn(listed)
    listed.add_argument("--unmapped", action="store_true", help="only the units with no city-wide unit")
    listed.set_defaults(func=_unit_list)

    token = commands.add_parser("token", help="city tokens").add_subparsers(
        dest="token_command", required=True, metavar="COMMAND")
    create = token.add_parser("create", help="a city admin's token; prints it last")
    _dsn(create)
    create.add_argument("--role", required=True, choices=accounts.CITY_ROLES)
    create.add_argument("--name", default="市级管理员", help="who holds it (for the record)")
    create.set_defaults(func=_token_create)


def _dsn(cmd: argparse.ArgumentParser) -> None:
    # from the environment too, so a service file need not show a password on the command line
    default = os.environ.get("GOVHALL_CITY_DSN")
    cmd.add_argument("--dsn", required=default is None, default=default,
                     help="postgresql://user:password@host:port/database (default: $GOVHALL_CITY_DSN)")


def _serve(args: argparse.Namespace) -> int:
    app = create_city_app(CitySettings(dsn=args.dsn, name=args.name), clock=SystemClock())
    print(f"市级汇总服务已启动：http://{args.host}:{args.port}/city", flush=True)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None)
    return 0


async def _with_connection(dsn: str, work) -> str:
    conn = await migrate.connect(dsn)
    try:
        return await work(conn)
    finally:
        await conn.close()


def _run(dsn: str, work) -> str | None:
    try:
        return asyncio.run(_with_connection(dsn, work))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"无法连接或写入市级数据库：{exc}", file=sys.stderr)
        return None


def _hall_add(args: argparse.Namespace) -> int:
    if not _CODE.match(args.code):
        print("错误：大厅代码只能由字母、数字、下划线、点和连字符组成（最多64个字符）", file=sys.stderr)
        return 2
    now = SystemClock().now()
    token = _run(args.dsn, lambda conn: accounts.add_hall(conn, args.code, args.name.strip(), now))
    if token is None:
        return 1
    print(f"已登记大厅 {args.code}（{args.name}）。请把下面的令牌写入该大厅配置文件的 [city] token：")
    print(token)
    return 0


def _hall_rejoin(args: argparse.Namespace) -> int:
    done = _run(args.dsn, lambda conn: accounts.rejoin(conn, args.code))
    if done is None:
        return 1
    if not done:
        print(f"错误：没有代码为 {args.code} 的大厅", file=sys.stderr)
        return 2
    print(f"大厅 {args.code} 已重新接入：其后上报的记录按新的序号接收。")
    return 0


def _token_create(args: argparse.Namespace) -> int:
    now = SystemClock().now()
    token = _run(args.dsn, lambda conn: accounts.create_token(conn, args.role, args.name, now))
    if token is None:
        return 1
    print(f"已创建市级{args.role}令牌（{args.name}）：")
    print(token)
    return 0


def _unit_load(args: argparse.Namespace) -> int:
    try:
        mapping = units.parse_mapping(args.file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"错误：无法读取 {args.file}：{exc}", file=sys.stderr)
        return 2
    except units.MappingError as exc:
        print(f"错误：{args.file} {exc}", file=sys.stderr)
        return 2

    async def work(conn):
        try:
            return await units.load(conn, mapping)
        except LookupError as exc:
            return exc

    unnamed = _run(args.dsn, work)
    if unnamed is None:
        return 1
    if isinstance(unnamed, LookupError):
        print(f"错误：{unnamed}（请先 govhall city hall add）", file=sys.stderr)
        return 2
    for key in unnamed:
        print(f"注意：{key} 尚未出现在该大厅上报的单位中（代码有误，或大厅尚未接入）")
    print(f"已载入全市单位 {len(mapping.units)} 个，大厅单位对应 {len(mapping.pairs)} 条。")
    return 0


def _unit_list(args: argparse.Namespace) -> int:
    rows = _run(args.dsn, units.listing)
    if rows is None:
        return 1
    for r in rows:
        if args.unmapped and r["city_unit"]:
            continue
        target = f"{r['city_unit']} {r['city_unit_name']}" if r["city_unit"] else "未对应"
        print(f"{r['hall']}\t{r['hall_name']}\t{r['unit']}\t{r['unit_name']}\t{target}")
    return 0
