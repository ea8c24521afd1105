"""Routes of promised-time cases: a counter accepts a case for a ticket it served, approves and issues it; admins
see every case, the overdue ones, and the on-time rates per unit and service."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.cases import rules
from queue_server.core.errors import forbidden, invalid
from queue_server.core.hall_time import business_day
from queue_server.guides.store import guide_by_code
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.reviews.http import state, today
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import Principal, require
from queue_server.web.json_io import json_response
from queue_server.web.types import Code, Day, Line, RowId, Text

#: who may act on a case: the staff of the window that accepted it, and admins
ROLES = ("staff", "admin")

routes = ApiRoutes()


class PromisedCaseAccept(BaseModel):
    ticket: Line(16) = Field(title="号码")
    guide: Code = Field(title="事项编码")
    applicant: Line(50, min_length=0) | None = Field(None, title="申请人姓名")


class PromisedCaseStep(BaseModel):
    note: Text(500, min_length=0) | None = Field(None, title="说明")


class PromisedCasePath(BaseModel):
    id: RowId = Field(title="承诺件编号")


class PromisedCaseQuery(BaseModel):
    from_: Day | None = Field(None, alias="from", title="起始日期")
    to: Day | None = Field(None, title="结束日期")
    state: Literal[tuple(rules.STATES)] | None = Field(None, title="状态")
    overdue: bool | None = Field(None, title="只看逾期")
    ticket: Line(16) | None = Field(None, title="号码", description="one ticket's cases; numbers restart each "
                                                                      "day, so without from/to: today's")


class PromisedCaseRatesQuery(PromisedCaseQuery):
    by: Literal["department", "service"] = Field("department", title="统计口径")


def _own_window(who: Principal, window: int | None) -> None:
    if who.role == "staff" and window != who.window:
        raise forbidden("只能办理本窗口受理的承诺件")


@routes.post("/api/cases", "受理承诺件 Accept a case for a ticket served at this window", roles=ROLES, body=PromisedCaseAccept,
             responses={"201": "the case, with its working-day deadline",
                        "422": "unknown ticket or item, or an item finished on the spot", "409": "already a case"})
async def _handle_accept(request: web.Request, body: PromisedCaseAccept) -> web.Response:
    who = require(request, *ROLES)
    number, code, applicant = body.ticket.upper(), body.guide, body.applicant or ""
    config, db, now = request.app[CONFIG], request.app[DB], request.app[CLOCK].now()
    today_ = business_day(now, config.hall).isoformat()
    row = next(db.query("SELECT id, number, business_day, window, service, status FROM tickets "
                        "WHERE business_day = ? AND number = ?", [today_, number]), None)
    if row is None:
        raise invalid("ticket", f"今天没有 {number} 号")
    if row["status"] not in ("called", "serving", "finished") or row["window"] is None:
        raise invalid("ticket", f"{number}号还没有在窗口办理")
    _own_window(who, row["window"])
    guide = guide_by_code(db, code)
    if guide is None:
        raise invalid("guide", "办事指南中没有这个事项")
    service = config.services.get(row["service"])
    calendar = state(request).settings.calendar
    case_id = await request.app[WRITER].run(lambda wdb: rules.accept(
        wdb, ticket=row, guide=guide, department=service.department if service else None, applicant=applicant,
        actor=who.actor, now=now, calendar=calendar, tz=config.hall.tz),
        events=lambda new_id: [rules.step_event("accept", new_id)])
    return json_response(rules.shown(rules.get(db, case_id), now, config.hall.tz), status=201)


async def _step(request: web.Request, case_id: int, step: str, body: PromisedCaseStep) -> web.Response:
    who = require(request, *ROLES)
    note = body.note or ""
    db, now, tz = request.app[DB], request.app[CLOCK].now(), request.app[CONFIG].hall.tz
    _own_window(who, rules.get(db, case_id)["window"])
    case = await request.app[WRITER].run(lambda wdb: rules.advance(wdb, case_id, step, who.actor, note, now),
                                         events=lambda _: [rules.step_event(step, case_id)])
    return json_response(rules.shown(case, now, tz))


_STEP = {"roles": ROLES, "params": PromisedCasePath, "body": PromisedCaseStep, "body_required": False,
         "responses": {"200": "the case", "404": "no such case", "409": "not in the state before"}}


@routes.post("/api/cases/{id}/approve", "审批 Approve", **_STEP)
async def _handle_approve(request: web.Request, path: PromisedCasePath, body: PromisedCaseStep) -> web.Response:
    return await _step(request, path.id, "approve", body)


@routes.post("/api/cases/{id}/issue", "出件 Issue the certificate", **_STEP)
async def _handle_issue(request: web.Request, path: PromisedCasePath, body: PromisedCaseStep) -> web.Response:
    return await _step(request, path.id, "issue", body)


def _cases(request: web.Request, who: Principal, query: PromisedCaseQuery) -> list[dict]:
    end = date.fromisoformat(query.to) if query.to else today(request)
    # a case can run for weeks: the last 90 days by default (one ticket's: that day's, today unless given)
    start = date.fromisoformat(query.from_) if query.from_ else end - timedelta(days=0 if query.ticket else 90)
    if start > end:
        raise invalid("from", "起始日期不能晚于结束日期")
    cases = rules.listing(request.app[DB], request.app[CLOCK].now(), request.app[CONFIG].hall.tz,
                          day_from=start.isoformat(), day_to=end.isoformat(), state=query.state,
                          only_overdue=bool(query.overdue), ticket=query.ticket.upper() if query.ticket else None)
    return [c for c in cases if who.role == "admin" or c["window"] == who.window]


@routes.get("/api/cases", "承诺件 Promised-time cases (staff see their window's)", roles=ROLES, query=PromisedCaseQuery,
            responses={"200": "cases with deadline, state, overdue, on_time"})
async def _handle_list(request: web.Request, query: PromisedCaseQuery) -> web.Response:
    who = require(request, *ROLES)
    return json_response(_cases(request, who, query))


@routes.get("/api/cases/rates", "按时办结率 On-time rate per unit or service", roles=("admin",), query=PromisedCaseRatesQuery,
            responses={"200": "[{key, name, cases, counted, on_time, on_time_rate}]"})
async def _handle_rates(request: web.Request, query: PromisedCaseRatesQuery) -> web.Response:
    who = require(request, "admin")
    by = query.by
    rates = rules.on_time_rates(_cases(request, who, query), request.app[CLOCK].now(), by)
    config = request.app[CONFIG]
    names = {c: d.name for c, d in config.departments.items()} if by == "department" else \
        {c: s.name for c, s in config.services.items()}
    return json_response([{"key": k, "name": names.get(k, k), **v} for k, v in sorted(rates.items())])


def setup(app: web.Application) -> None:
    """Add the promised-time cases' routes."""
    routes.add_to(app)
