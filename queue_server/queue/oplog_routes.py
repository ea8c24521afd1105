"""Routes of the operation log for supervision (admins only): one day's ticket and window log, filtered by window,
staff member (工号) and action, a page at a time, and the same filtered day as an Excel file."""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from aiohttp import web

from queue_server.core.errors import invalid
from queue_server.core.hall_time import business_day
from queue_server.keys import CLOCK, CONFIG, DB
from queue_server.queue import oplog
from queue_server.web.auth import require
from queue_server.web.json_io import json_response

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(request: web.Request, name: str, label: str, low: int, high: int) -> int | None:
    text = request.query.get(name, "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise invalid(name, f"{label}应为 {low} 到 {high} 之间的整数，收到 {text[:20]!r}")
    return int(text)


def _filters(request: web.Request) -> oplog.Filters:
    """``?day=&window=&staff=&action=`` checked; the day defaults to today's business day."""
    config, q = request.app[CONFIG], request.query
    text = q.get("day", "").strip()
    if not text:
        day = business_day(request.app[CLOCK].now(), config.hall)
    else:
        try:
            day = date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise invalid("day", f"日期应为 YYYY-MM-DD，收到 {text[:20]!r}")
    window = _int(request, "window", "窗口", 1, 9999)
    if window is not None and window not in config.windows:
        raise invalid("window", f"没有 {window} 号窗口")
    staff = q.get("staff", "").strip() or None
    if staff is not None and (len(staff) > 20 or not staff.isprintable()):
        raise invalid("staff", "工号应为不超过 20 个字符的文字")
    action = q.get("action", "").strip() or None
    if action is not None and action not in oplog.ACTIONS:
        raise invalid("action", "操作应为 " + "、".join(f"{k}（{v}）" for k, v in oplog.ACTIONS.items()))
    return oplog.Filters(day=day, window=window, staff=staff, action=action)


async def _handle_list(request: web.Request) -> web.Response:
    require(request, "admin")
    filters = _filters(request)
    limit = _int(request, "limit", "每页条数", 1, MAX_LIMIT) or DEFAULT_LIMIT
    offset = _int(request, "offset", "起始位置", 0, MAX_OFFSET) or 0
    db, config = request.app[DB], request.app[CONFIG]
    return json_response({"day": filters.day.isoformat(), "total": oplog.count(db, config, filters), "limit": limit,
                          "offset": offset, "actions": oplog.ACTIONS,
                          "rows": oplog.entries(db, config, filters, limit, offset)})


async def _handle_export(request: web.Request) -> web.Response:
    require(request, "admin")
    filters = _filters(request)
    rows = oplog.entries(request.app[DB], request.app[CONFIG], filters, oplog.EXPORT_LIMIT)
    data = await asyncio.to_thread(oplog.write_xlsx, rows, filters.day)  # building the workbook is off the loop
    return web.Response(body=data, headers={
        "Content-Type": _XLSX, "Content-Disposition": f'attachment; filename="oplog-{filters.day.isoformat()}.xlsx"'})


def setup(app: web.Application) -> None:
    """Add the operation log's routes."""
    app.router.add_get("/api/oplog", _handle_list)
    app.router.add_get("/api/oplog.xlsx", _handle_export)


_FILTER_PARAMS: list[dict[str, Any]] = [
    {"name": "day", "in": "query", "schema": {"type": "string", "format": "date"},
     "description": "营业日 YYYY-MM-DD（默认今天）"},
    {"name": "window", "in": "query", "schema": {"type": "integer"}, "description": "窗口号"},
    {"name": "staff", "in": "query", "schema": {"type": "string"}, "description": "操作人工号"},
    {"name": "action", "in": "query", "schema": {"type": "string", "enum": list(oplog.ACTIONS)},
     "description": "操作（call 叫号、recall 重呼、skip 过号、transfer 转移……）"},
]
OPENAPI_PATHS: dict[str, Any] = {
    "/api/oplog": {"get": {
        "summary": "操作日志 Operation log (admin): the day's ticket and window log merged in time order",
        "parameters": [*_FILTER_PARAMS,
                       {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": MAX_LIMIT}},
                       {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
        "responses": {"200": {"description": "{day, total, limit, offset, actions, rows: [{at, time, window, ticket, "
                                             "action, action_name, staff_no, staff_name, reason, detail}]}"},
                      "422": {"description": "a filter that is not valid, named"}}}},
    "/api/oplog.xlsx": {"get": {
        "summary": "操作日志导出 The filtered day's operation log as .xlsx (admin)", "parameters": _FILTER_PARAMS,
        "responses": {"200": {"description": "the workbook"}}}},
}
