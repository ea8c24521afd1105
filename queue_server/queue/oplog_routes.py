"""Routes of the operation log for supervision (admins only): one day's ticket and window log, filtered by window,
staff member (工号) and action, a page at a time, and the same filtered day as an Excel file."""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.core.errors import invalid
from queue_server.core.hall_time import business_day
from queue_server.keys import CLOCK, CONFIG, DB
from queue_server.queue import oplog
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.types import Day, Line, WindowNumber

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
routes = ApiRoutes()


class OplogQuery(BaseModel):
    """``?day=&window=&staff=&action=``: what the supervisor narrows the day's log to."""

    day: Day | None = Field(None, title="营业日期", description="营业日 YYYY-MM-DD（默认今天）")
    window: WindowNumber | None = Field(None, title="窗口号")
    staff: Line(20) | None = Field(None, title="操作人工号")
    action: Literal[tuple(oplog.ACTIONS)] | None = Field(
        None, title="操作", description="、".join(f"{k}（{v}）" for k, v in oplog.ACTIONS.items()))


class OplogPageQuery(OplogQuery):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, title="每页条数")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, title="起始位置")


def _filters(request: web.Request, query: OplogQuery) -> oplog.Filters:
    """The declared filters; the day defaults to today's business day, and the window must be the hall's."""
    config = request.app[CONFIG]
    day = date.fromisoformat(query.day) if query.day else business_day(request.app[CLOCK].now(), config.hall)
    if query.window is not None and query.window not in config.windows:
        raise invalid("window", f"没有 {query.window} 号窗口")
    return oplog.Filters(day=day, window=query.window, staff=query.staff, action=query.action)


@routes.get("/api/oplog", "操作日志 Operation log (admin): the day's ticket and window log merged in time order",
            roles=("admin",), query=OplogPageQuery, responses={
                "200": "{day, total, limit, offset, actions, rows: [{at, time, window, ticket, action, action_name, "
                       "staff_no, staff_name, reason, detail}]}",
                "422": "a filter that is not valid, named"})
async def _handle_list(request: web.Request, query: OplogPageQuery) -> web.Response:
    require(request, "admin")
    filters = _filters(request, query)
    limit, offset = query.limit, query.offset
    db, config = request.app[DB], request.app[CONFIG]
    return json_response({"day": filters.day.isoformat(), "total": oplog.count(db, config, filters), "limit": limit,
                          "offset": offset, "actions": oplog.ACTIONS,
                          "rows": oplog.entries(db, config, filters, limit, offset)})


@routes.get("/api/oplog.xlsx", "操作日志导出 The filtered day's operation log as .xlsx (admin)", roles=("admin",),
            query=OplogQuery, produces=_XLSX, responses={"200": "the workbook", "422": "a filter that is not valid"})
async def _handle_export(request: web.Request, query: OplogQuery) -> web.Response:
    require(request, "admin")
    filters = _filters(request, query)
    rows = oplog.entries(request.app[DB], request.app[CONFIG], filters, oplog.EXPORT_LIMIT)
    data = await asyncio.to_thread(oplog.write_xlsx, rows, filters.day)  # building the workbook is off the loop
    return web.Response(body=data, headers={
        "Content-Type": _XLSX, "Content-Disposition": f'attachment; filename="oplog-{filters.day.isoformat()}.xlsx"'})


def setup(app: web.Application) -> None:
    """Add the operation log's routes."""
    routes.add_to(app)

