"""The training register's routes, for admins: record a session, list a span's sessions, and each unit's coverage
in a quarter (units without any session flagged)."""
from __future__ import annotations

from aiohttp import web

from queue_server.core.errors import invalid
from queue_server.core.hall_time import Quarter, business_day
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.training import register
from queue_server.web.auth import require
from queue_server.web.json_io import json_response, read_json


def _today(request: web.Request):
    return business_day(request.app[CLOCK].now(), request.app[CONFIG].hall)


def _quarter(request: web.Request) -> Quarter:
    text = request.query.get("quarter")
    if not text:
        return Quarter.of(_today(request))
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise invalid("quarter", str(exc)) from None


async def _handle_list(request: web.Request) -> web.Response:
    require(request, "admin")
    quarter = _quarter(request)
    return json_response(register.sessions(request.app[DB], quarter.first_day.isoformat(),
                                           quarter.last_day.isoformat()))


async def _handle_record(request: web.Request) -> web.Response:
    who = require(request, "admin")
    body = await read_json(request)
    db = request.app[DB]
    departments, at, today = request.app[CONFIG].departments, request.app[CLOCK].now(), _today(request)
    session_id = await request.app[WRITER].run(
        lambda wdb: register.record(wdb, body, departments, who.actor, at, today))
    [session] = [s for s in register.sessions(db, body["held_on"], body["held_on"]) if s["id"] == session_id]
    return json_response(session, status=201)


async def _handle_coverage(request: web.Request) -> web.Response:
    require(request, "admin")
    quarter = _quarter(request)
    return json_response({"quarter": str(quarter), "units": register.coverage(
        request.app[DB], request.app[CONFIG].departments, quarter.first_day.isoformat(), quarter.last_day.isoformat())})


def setup(app: web.Application) -> None:
    """Add the training register's routes."""
    app.router.add_get("/api/training", _handle_list)
    app.router.add_post("/api/training", _handle_record)
    app.router.add_get("/api/training/coverage", _handle_coverage)


_ADMIN = [{"bearer": ["admin"]}]
_QUARTER = [{"name": "quarter", "in": "query", "required": False,
             "schema": {"type": "string", "pattern": r"^\d{4}Q[1-4]$"}}]
_S = {"type": "string"}
OPENAPI_PATHS = {
    "/api/training": {
        "get": {"summary": "培训与走流程记录 The quarter's sessions (default: this quarter)", "security": _ADMIN,
                "parameters": _QUARTER, "responses": {"200": {"description": "sessions, newest first"}}},
        "post": {"summary": "登记培训 Record a held session", "security": _ADMIN,
                 "requestBody": {"content": {"application/json": {"schema": {
                     "type": "object", "required": ["held_on", "kind", "topic", "units"], "properties": {
                         "held_on": {"type": "string", "format": "date"},
                         "kind": {"type": "string", "enum": list(register.KINDS)}, "topic": _S,
                         "units": {"type": "array", "items": _S}, "attendees": {"type": "array", "items": _S},
                         "organiser": _S, "findings": _S}}}}},
                 "responses": {"201": {"description": "the session"}, "422": {"description": "a field named"}}},
    },
    "/api/training/coverage": {"get": {
        "summary": "各单位培训覆盖 Sessions per unit in the quarter; units with none flagged", "security": _ADMIN,
        "parameters": _QUARTER, "responses": {"200": {"description": '{"quarter", "units": [...]}'}}}},
}
