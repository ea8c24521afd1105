"""Routes of promised-time cases: a counter accepts a case for a ticket it served, approves and issues it; admins
see every case, the overdue ones, and the on-time rates per unit and service."""
from __future__ import annotations

from aiohttp import web

from queue_server.cases import rules
from queue_server.core.errors import forbidden, invalid, not_found
from queue_server.core.hall_time import business_day
from queue_server.guides.store import guide_by_code
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.reviews.http import day_range, state
from queue_server.web.auth import Principal, require
from queue_server.web.json_io import field, json_response, read_json

#: who may act on a case: the staff of the window that accepted it, and admins
ROLES = ("staff", "admin")


def _case_id(request: web.Request) -> int:
    text = request.match_info["id"]
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise not_found("没有这个承诺件")
    return int(text)


def _own_window(who: Principal, window: int | None) -> None:
    if who.role == "staff" and window != who.window:
        raise forbidden("只能办理本窗口受理的承诺件")


async def _handle_accept(request: web.Request) -> web.Response:
    who = require(request, *ROLES)
    body = await read_json(request)
    number, code = field(body, "ticket", str).strip().upper(), field(body, "guide", str)
    applicant = field(body, "applicant", str, required=False) or ""
    config, db, now = request.app[CONFIG], request.app[DB], request.app[CLOCK].now()
    today = business_day(now, config.hall).isoformat()
    row = next(db.query("SELECT id, number, business_day, window, service, status FROM tickets "
                        "WHERE business_day = ? AND number = ?", [today, number]), None)
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
        actor=who.actor, now=now, calendar=calendar, tz=config.hall.tz))
    return json_response(rules.shown(rules.get(db, case_id), now, config.hall.tz), status=201)


async def _handle_step(request: web.Request) -> web.Response:
    who = require(request, *ROLES)
    body = await read_json(request, optional=True)
    note = field(body, "note", str, required=False) or ""
    if len(note) > 500:
        raise invalid("note", "说明不能超过500字")
    db, now, tz = request.app[DB], request.app[CLOCK].now(), request.app[CONFIG].hall.tz
    case_id = _case_id(request)
    _own_window(who, rules.get(db, case_id)["window"])
    step = request.match_info["step"]
    case = await request.app[WRITER].run(lambda wdb: rules.advance(wdb, case_id, step, who.actor, note, now))
    return json_response(rules.shown(case, now, tz))


def _cases(request: web.Request, who: Principal) -> list[dict]:
    day_from, day_to = day_range(request, default_days=90)  # a case can run for weeks
    q = request.query
    cases = rules.listing(request.app[DB], request.app[CLOCK].now(), request.app[CONFIG].hall.tz,
                          day_from=day_from, day_to=day_to, state=q.get("state") or None,
                          only_overdue=q.get("overdue") in ("1", "true"))
    return [c for c in cases if who.role == "admin" or c["window"] == who.window]


async def _handle_list(request: web.Request) -> web.Response:
    who = require(request, *ROLES)
    return json_response(_cases(request, who))


async def _handle_rates(request: web.Request) -> web.Response:
    who = require(request, "admin")
    by = request.query.get("by", "department")
    if by not in ("department", "service"):
        raise invalid("by", "按 department（单位）或 service（业务）统计")
    rates = rules.on_time_rates(_cases(request, who), request.app[CLOCK].now(), by)
    config = request.app[CONFIG]
    names = {c: d.name for c, d in config.departments.items()} if by == "department" else \
        {c: s.name for c, s in config.services.items()}
    return json_response([{"key": k, "name": names.get(k, k), **v} for k, v in sorted(rates.items())])


def setup(app: web.Application) -> None:
    """Add the promised-time cases' routes."""
    app.router.add_get("/api/cases", _handle_list)
    app.router.add_post("/api/cases", _handle_accept)
    app.router.add_get("/api/cases/rates", _handle_rates)
    app.router.add_post("/api/cases/{id}/{step:approve|issue}", _handle_step)


_S = {"type": "string"}
_DAYS = [{"name": n, "in": "query", "required": False, "schema": {"type": "string", "format": "date"}}
         for n in ("from", "to")]
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_STEP = {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"note": _S}}}}},
         "security": [{"bearer": list(ROLES)}], "parameters": _ID,
         "responses": {"200": {"description": "the case"}, "409": {"description": "not in the state before"}}}
OPENAPI_PATHS = {
    "/api/cases": {
        "get": {"summary": "承诺件 Promised-time cases (?from, ?to, ?state, ?overdue=1; staff see their window's)",
                "security": [{"bearer": list(ROLES)}], "parameters": _DAYS,
                "responses": {"200": {"description": "cases with deadline, state, overdue, on_time"}}},
        "post": {"summary": "受理承诺件 Accept a case for a ticket served at this window",
                 "security": [{"bearer": list(ROLES)}],
                 "requestBody": {"content": {"application/json": {"schema": {
                     "type": "object", "required": ["ticket", "guide"],
                     "properties": {"ticket": _S, "guide": _S, "applicant": _S}}}}},
                 "responses": {"201": {"description": "the case, with its working-day deadline"},
                               "422": {"description": "unknown ticket or item, or an item finished on the spot"},
                               "409": {"description": "already a case"}}},
    },
    "/api/cases/rates": {"get": {"summary": "按时办结率 On-time rate per unit or service (?by=department|service)",
                                 "security": [{"bearer": ["admin"]}], "parameters": _DAYS,
                                 "responses": {"200": {"description": "[{key, name, cases, counted, on_time, on_time_rate}]"}}}},
    "/api/cases/{id}/approve": {"post": {"summary": "审批 Approve", **_STEP}},
    "/api/cases/{id}/issue": {"post": {"summary": "出件 Issue the certificate", **_STEP}},
}
