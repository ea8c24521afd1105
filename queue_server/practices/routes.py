"""Routes of the practice register: the counter reads the hall's kinds (with the promised dates it may offer for a
missing material), records a practice for its current (or a today's) ticket and sees what today's tickets got;
admins list the records, the 容缺 materials still awaited, mark one arrived, and count practices per window, unit,
staff member or period."""
from __future__ import annotations

from datetime import date
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.core.errors import invalid
from queue_server.core.hall_time import business_day
from queue_server.keys import CLOCK, CONFIG, DB, HALL, WRITER
from queue_server.practices import register
from queue_server.practices.settings import practice_kinds
from queue_server.queue.http import WindowPath
from queue_server.reviews.http import query_days, state
from queue_server.reviews.requests import DaysQuery, IdPath
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.types import Code, Day, Line, Text

KINDS = web.AppKey("practice_kinds", dict)
#: the promised dates the panel offers for a missing material, in working days from today (a tap, no keyboard)
PROMISE_WORKDAYS = (1, 3, 5, 10)
routes = ApiRoutes()


class PracticeRequest(BaseModel):
    """A practice the counter records; which of the optional fields a kind needs is the register's rule."""

    kind: Code = Field(title="服务举措")
    ticket: Line(10) | None = Field(None, title="号码", description="a ticket this window served today; "
                                                                    "without it the window's current ticket")
    material: Line(200, min_length=0) | None = Field(None, title="容缺的材料")
    promised_on: Day | None = Field(None, title="承诺补交日期")
    count: int = Field(1, ge=1, le=1000, title="份数")
    handed_to: Line(50, min_length=0) | None = Field(None, title="移交对象")
    note: Text(500, min_length=0) | None = Field(None, title="说明")


class PracticeListQuery(DaysQuery):
    kind: Code | None = Field(None, title="服务举措")
    pending: bool | None = Field(None, title="只看待补交的容缺材料")


class WindowPracticesQuery(BaseModel):
    ticket: Line(10) | None = Field(None, title="号码")


class PracticeCountQuery(DaysQuery):
    by: Literal[register.BY] = Field("department", title="统计维度")


def _ticket(request: web.Request, window: int, number: str | None) -> dict:
    """The window's current ticket, or one of today's it served (by number)."""
    db, today = request.app[DB], request.app[HALL].today()
    if number is None:
        row = next(db.query("SELECT t.* FROM windows w JOIN tickets t ON t.id = w.current_ticket_id "
                            "WHERE w.number = ?", [window]), None)
        if row is None:
            raise invalid("ticket", "本窗口当前没有正在办理的号，请写明号码")
        return row
    row = next(db.query("SELECT * FROM tickets WHERE business_day = ? AND number = ?",
                        [today, number.upper()]), None)
    if row is None or row["window"] != window:
        raise invalid("ticket", f"本窗口今天没有办理过 {number} 号")
    return row


@routes.post("/api/windows/{number}/practices", "登记服务举措 Record a practice for the current ticket (or a "
             "today's, by number)", roles=("staff", "admin"), params=WindowPath, body=PracticeRequest,
             responses={"201": "the record", "422": "the field named"})
async def _handle_record(request: web.Request, path: WindowPath, body: PracticeRequest) -> web.Response:
    window = path.number
    who = require(request, "staff", "admin", window=window)
    ticket = _ticket(request, window, body.ticket)
    config, now = request.app[CONFIG], request.app[CLOCK].now()
    service = config.services.get(ticket["service"])
    db = request.app[DB]
    kinds, day = request.app[KINDS], business_day(now, config.hall)
    entry = body.model_dump()
    record_id = await request.app[WRITER].run(lambda wdb: register.record(
        wdb, kinds, ticket, service.department if service else None, who.staff_no, entry, who.actor, now, day))
    return json_response({**register.get(db, record_id), "kind_name": request.app[KINDS][body.kind].name},
                         status=201)


@routes.get("/api/practices/kinds", "服务举措种类 The hall's kinds, and the promised dates a 容缺 may take",
            roles=("staff", "admin"), responses={
                "200": '{"kinds": [{code, name, needs}], "promise_dates": [{workdays, date}]}'})
async def _handle_kinds(request: web.Request) -> web.Response:
    require(request, "staff", "admin")
    today = business_day(request.app[CLOCK].now(), request.app[CONFIG].hall)
    calendar = state(request).settings.calendar  # the hall's working days, as its deadlines count them
    return json_response({
        "kinds": [{"code": k.code, "name": k.name, "needs": k.needs} for k in request.app[KINDS].values()],
        "promise_dates": [{"workdays": n, "date": calendar.add_workdays(today, n).isoformat()}
                          for n in PROMISE_WORKDAYS]})


@routes.get("/api/windows/{number}/practices", "本窗口今天的服务举措 Today's records at this window (?ticket= one "
            "ticket's)", roles=("staff", "admin"), params=WindowPath, query=WindowPracticesQuery,
            responses={"200": "records with kind_name, pending, late"})
async def _handle_window_list(request: web.Request, path: WindowPath, query: WindowPracticesQuery) -> web.Response:
    require(request, "staff", "admin", window=path.number)
    today = request.app[HALL].today()
    return json_response(register.listing(
        request.app[DB], request.app[KINDS], today, today, window=path.number,
        ticket=query.ticket.upper() if query.ticket else None, today=date.fromisoformat(today)))


@routes.get("/api/practices", "服务举措台账 Records (?from, ?to, ?kind; ?pending=1 for missing materials awaited)",
            roles=("admin",), query=PracticeListQuery, responses={"200": "records with kind_name, pending, late"})
async def _handle_list(request: web.Request, query: PracticeListQuery) -> web.Response:
    require(request, "admin")
    day_from, day_to = query_days(request, query.from_, query.to, default_days=30)
    today = business_day(request.app[CLOCK].now(), request.app[CONFIG].hall)
    return json_response(register.listing(request.app[DB], request.app[KINDS], day_from, day_to,
                                          kind=query.kind, pending_material=bool(query.pending), today=today))


@routes.post("/api/practices/{id}/arrived", "容缺材料已补交 The missing material was brought",
             roles=("staff", "admin"), params=IdPath,
             responses={"200": "the record", "404": "no such record", "409": "not a 容缺 or already in"})
async def _handle_arrived(request: web.Request, path: IdPath) -> web.Response:
    require(request, "staff", "admin")
    record, at = path.id, request.app[CLOCK].now()
    row = await request.app[WRITER].run(lambda wdb: register.arrived(wdb, record, at))
    return json_response(row)


@routes.get("/api/practices/counts", "服务举措统计 Counts per window|department|staff|day|month|quarter and kind "
            "(?by=)", roles=("admin",), query=PracticeCountQuery, responses={"200": "[{key, total, kinds}]"})
async def _handle_counts(request: web.Request, query: PracticeCountQuery) -> web.Response:
    require(request, "admin")
    day_from, day_to = query_days(request, query.from_, query.to, default_days=30)
    return json_response(register.counts(request.app[DB], request.app[KINDS], request.app[CONFIG].services,
                                         day_from, day_to, query.by))


def setup(app: web.Application) -> None:
    """Validate ``[practices]`` and add the practice register's routes."""
    app[KINDS] = practice_kinds(app[CONFIG])
    routes.add_to(app)
