"""The training register's routes, for admins: record a session, list a span's sessions, and each unit's coverage
in a quarter (units without any session flagged)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.core.hall_time import Quarter, QuarterText, business_day
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.training import register
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.types import Code, Day, Line, Text

routes = ApiRoutes()
_ADMIN = ("admin",)


class TrainingQuery(BaseModel):
    quarter: QuarterText | None = Field(None, title="季度")


class TrainingSession(BaseModel):
    held_on: Day = Field(title="培训日期")
    kind: Literal[tuple(register.KINDS)] = Field(title="培训类型")
    topic: Line(200) = Field(title="培训主题")
    units: list[Code] = Field(title="参训单位", min_length=1, max_length=100)
    attendees: list[Line(20)] = Field([], title="参训人员工号", max_length=500)
    organiser: Line(50, min_length=0) | None = Field(None, title="组织者")
    findings: Text(4000, min_length=0) | None = Field(None, title="发现的问题")


def _today(request: web.Request):
    return business_day(request.app[CLOCK].now(), request.app[CONFIG].hall)


def _quarter(request: web.Request, query: TrainingQuery) -> Quarter:
    return Quarter.parse(query.quarter) if query.quarter else Quarter.of(_today(request))


@routes.get("/api/training", "培训与走流程记录 The quarter's sessions (default: this quarter)", roles=_ADMIN,
            query=TrainingQuery, responses={"200": "sessions, newest first"})
async def _handle_list(request: web.Request, query: TrainingQuery) -> web.Response:
    require(request, "admin")
    quarter = _quarter(request, query)
    return json_response(register.sessions(request.app[DB], quarter.first_day.isoformat(),
                                           quarter.last_day.isoformat()))


@routes.post("/api/training", "登记培训 Record a held session", roles=_ADMIN, body=TrainingSession,
             responses={"201": "the session", "422": "a field named"})
async def _handle_record(request: web.Request, body: TrainingSession) -> web.Response:
    who = require(request, "admin")
    db = request.app[DB]
    departments, at, today = request.app[CONFIG].departments, request.app[CLOCK].now(), _today(request)
    session_id = await request.app[WRITER].run(lambda wdb: register.record(
        wdb, held_on=date.fromisoformat(body.held_on), kind=body.kind, topic=body.topic, units=body.units,
        attendees=body.attendees, organiser=body.organiser or "", findings=body.findings or "",
        departments=departments, actor=who.actor, now=at, today=today))
    [session] = [s for s in register.sessions(db, body.held_on, body.held_on) if s["id"] == session_id]
    return json_response(session, status=201)


@routes.get("/api/training/coverage", "各单位培训覆盖 Sessions per unit in the quarter; units with none flagged",
            roles=_ADMIN, query=TrainingQuery, responses={"200": '{"quarter", "units": [...]}'})
async def _handle_coverage(request: web.Request, query: TrainingQuery) -> web.Response:
    require(request, "admin")
    quarter = _quarter(request, query)
    return json_response({"quarter": str(quarter), "units": register.coverage(
        request.app[DB], request.app[CONFIG].departments, quarter.first_day.isoformat(), quarter.last_day.isoformat())})


def setup(app: web.Application) -> None:
    """Add the training register's routes."""
    routes.add_to(app)
