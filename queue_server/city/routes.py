"""The city server's routes: the halls' ingest, the city admin's reports (JSON), the bulletin (.docx) and the
city's web page (``/city``, Chinese, logged in with a city admin token)."""
from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.bulletin.document import write_docx
from queue_server.city import activity, bulletin, reports, units
from queue_server.city.ingest import ingest, refresh_rollups
from queue_server.city.keys import CLOCK, POOL, SETTINGS
from queue_server.city.records import Batch
from queue_server.core.errors import forbidden, invalid, not_found
from queue_server.core.hall_time import Quarter, QuarterText
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.types import Code, Day

routes = ApiRoutes()
STATIC = Path(__file__).resolve().parent / "static"
_ADMIN_STATIC = Path(__file__).resolve().parent.parent / "admin" / "static"
_FILES = {"city.js": (STATIC, "application/javascript"), "admin.css": (_ADMIN_STATIC, "text/css"),
          "city.css": (STATIC, "text/css")}
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _today(request: web.Request) -> date:
    return request.app[CLOCK].now().astimezone(ZoneInfo(request.app[SETTINGS].tz)).date()


@contextlib.asynccontextmanager
async def _reading(request: web.Request) -> AsyncIterator[asyncpg.Connection]:
    """A connection for a report, the rollups brought up to date first (never a figure behind the records)."""
    async with request.app[POOL].acquire() as conn:
        await refresh_rollups(conn)
        yield conn


class DayQuery(BaseModel):
    date: Day | None = Field(None, title="日期")


class SpanQuery(BaseModel):
    from_: Day | None = Field(None, alias="from", title="起始日期")
    to: Day | None = Field(None, title="截止日期")
    hall: Code | None = Field(None, title="大厅代码")
    by: Literal["hall", "unit", "city_unit"] = Field("hall", title="排名对象", description=(
        "hall ranks the halls, unit every hall's units, city_unit the city-wide units as mapped by govhall city "
        "unit load, with unmapped units after them"))


class HallPath(BaseModel):
    code: Code = Field(title="大厅代码")


class QuarterQuery(BaseModel):
    quarter: QuarterText | None = Field(None, title="季度")


class StaticPath(BaseModel):
    name: Literal[tuple(_FILES)] = Field(title="文件名")


def _span(request: web.Request, query: SpanQuery) -> tuple[date, date]:
    """The query's days; by default this quarter up to today."""
    today = _today(request)
    end = date.fromisoformat(query.to) if query.to else today
    start = date.fromisoformat(query.from_) if query.from_ else Quarter.of(end).first_day
    if start > end:
        raise invalid("from", "起始日期不能晚于截止日期")
    if (end - start).days > 366:
        raise invalid("to", "统计期间不能超过一年")
    return start, end


@routes.post("/api/city/records", "大厅上报记录 A hall's records, in sequence order (idempotent on hall and sequence)",
             roles=("hall",), body=Batch, responses={
                 "200": "accepted, duplicates, last_seq (the hall may drop what is at or below it)",
                 "403": "the batch names another hall", "422": "a record does not validate"})
async def _handle_post_records(request: web.Request, body: Batch) -> web.Response:
    who = require(request, "hall")
    if body.hall is not None and body.hall != who.name:
        raise forbidden(f"该令牌属于大厅 {who.name}，不能上报大厅 {body.hall} 的记录")
    async with request.app[POOL].acquire() as conn:
        answer = await ingest(conn, who.name, body.records, request.app[CLOCK].now())
    return json_response(answer)


@routes.get("/api/city/halls", "各大厅当日概况 Each hall's tickets, served and waiting on a day, and its last contact",
            roles=("admin",), query=DayQuery, responses={"200": "[{code, name, tickets, served, waiting, last_contact}]"})
async def _handle_get_halls(request: web.Request, query: DayQuery) -> web.Response:
    day = date.fromisoformat(query.date) if query.date else _today(request)
    async with _reading(request) as conn:
        return json_response(await reports.halls_on(conn, day))


@routes.get("/api/city/board", "实时看板 Every hall live: waiting, longest wait, tidal windows, devices down, last contact",
            roles=("admin",), responses={"200": "[{code, name, tickets, served, waiting, longest_wait_min, tidal_open, "
                                                "devices_down, last_contact, stale}]"})
async def _handle_get_board(request: web.Request) -> web.Response:
    async with _reading(request) as conn:
        rows = await reports.board(conn, _today(request), request.app[CLOCK].now(), request.app[SETTINGS].stale_after)
    return json_response(rows)


@routes.get("/api/city/kpis", "全市（或一个大厅）指标 The city's or one hall's KPIs over a span (default: this quarter)",
            roles=("admin",), query=SpanQuery, responses={"200": "the figures of GET /api/kpis, city-wide"})
async def _handle_get_kpis(request: web.Request, query: SpanQuery) -> web.Response:
    start, end = _span(request, query)
    async with _reading(request) as conn:
        figures = await reports.kpis(conn, start, end, request.app[CLOCK].now(), query.hall)
    return json_response({"from": start.isoformat(), "to": end.isoformat(), **figures})


@routes.get("/api/city/ranking", "排名 Halls, every hall's units, or the city-wide units ranked (halls and units "
            "with 无数据 and unmapped units are not ranked)", roles=("admin",), query=SpanQuery,
            responses={"200": "[{rank, key, hall, name, score, no_data, figures…} (city_unit: halls, unmapped)]"})
async def _handle_get_ranking(request: web.Request, query: SpanQuery) -> web.Response:
    start, end = _span(request, query)
    now = request.app[CLOCK].now()
    async with _reading(request) as conn:
        if query.by == "city_unit":
            rows = await units.rankings(conn, start, end, now, query.hall)
        else:
            rows = await reports.rankings(conn, start, end, now, query.by, query.hall)
    return json_response(rows)


@routes.get("/api/city/halls/{code}", "单个大厅 One hall: live state, KPIs, its units ranked, its training, "
            "consultations and questionnaires", roles=("admin",), params=HallPath, query=SpanQuery,
            responses={"200": "hall, kpis, units, activity {training, consultations, surveys}",
                       "404": "no such hall"})
async def _handle_get_hall(request: web.Request, path: HallPath, query: SpanQuery) -> web.Response:
    start, end = _span(request, query)
    now = request.app[CLOCK].now()
    async with _reading(request) as conn:
        live = [h for h in await reports.board(conn, _today(request), now, request.app[SETTINGS].stale_after)
                if h["code"] == path.code]
        if not live:
            raise not_found(f"没有代码为 {path.code} 的大厅")
        return json_response({"hall": live[0], "from": start.isoformat(), "to": end.isoformat(),
                              "kpis": await reports.kpis(conn, start, end, now, path.code),
                              "units": await reports.rankings(conn, start, end, now, "unit", path.code),
                              "activity": (await activity.activity(conn, start, end, path.code))[path.code]})


@routes.get("/api/city/bulletin.docx", "全市季度通报 The city's quarterly bulletin as .docx (default: this quarter)",
            roles=("admin",), query=QuarterQuery, produces=_DOCX, responses={"200": "the .docx"})
async def _handle_get_bulletin(request: web.Request, query: QuarterQuery) -> web.Response:
    quarter = Quarter.parse(query.quarter) if query.quarter else Quarter.of(_today(request))
    async with _reading(request) as conn:
        content = await bulletin.content(conn, quarter, request.app[CLOCK].now(), request.app[SETTINGS].name)
    data = await asyncio.to_thread(write_docx, content)  # python-docx off the loop
    return web.Response(body=data, headers={
        "Content-Type": _DOCX, "Content-Disposition": f'attachment; filename="city-bulletin-{quarter}.docx"'})


@routes.get("/city", "市级管理页面 The city's HTML pages with 实时看板、指标与排名、单个大厅、季度通报", produces="text/html",
            responses={"200": "the page; log in with a city admin token"})
async def _handle_get_page(request: web.Request) -> web.Response:
    page = (STATIC / "city.html").read_text("utf-8").replace("{{city}}", html.escape(request.app[SETTINGS].name))
    return web.Response(text=page, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"})


@routes.get("/city/static/{name}", "市级页面的脚本与样式 The city page's scripts and styles", params=StaticPath,
            produces="text/plain")
async def _handle_get_static(request: web.Request, path: StaticPath) -> web.Response:
    folder, kind = _FILES[path.name]
    return web.Response(text=(folder / path.name).read_text("utf-8"), content_type=kind, charset="utf-8",
                        headers={"Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    """Add the city's routes."""
    routes.add_to(app)

