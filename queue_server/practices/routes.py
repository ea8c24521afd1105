"""Routes of the practice register: the counter records a practice for its current (or a today's) ticket; admins
list the records, the 容缺 materials still awaited, mark one arrived, and count practices per window, unit, staff
member or period."""
from __future__ import annotations

from aiohttp import web

from queue_server.core.errors import invalid, not_found
from queue_server.core.hall_time import business_day
from queue_server.keys import CLOCK, CONFIG, DB, HALL, WRITER
from queue_server.practices import register
from queue_server.practices.settings import practice_kinds
from queue_server.queue.http import window_number
from queue_server.reviews.http import day_range
from queue_server.web.auth import require
from queue_server.web.json_io import json_response, read_json

KINDS = web.AppKey("practice_kinds", dict)


def _ticket(request: web.Request, window: int, number: str | None) -> dict:
    """The window's current ticket, or one of today's it served (by number)."""
    db, today = request.app[DB], request.app[HALL].today()
    if number is None:
        row = next(db.query("SELECT t.* FROM windows w JOIN tickets t ON t.id = w.current_ticket_id "
                            "WHERE w.number = ?", [window]), None)
        if row is None:
            raise invalid("ticket", "本窗口当前没有正在办理的号，请写明号码")
        return row
    if not isinstance(number, str) or len(number) > 10:
        raise invalid("ticket", "号码应为文字，如 A001")
    row = next(db.query("SELECT * FROM tickets WHERE business_day = ? AND number = ?",
                        [today, number.strip().upper()]), None)
    if row is None or row["window"] != window:
        raise invalid("ticket", f"本窗口今天没有办理过 {number} 号")
    return row


async def _handle_record(request: web.Request) -> web.Response:
    window = window_number(request)
    who = require(request, "staff", "admin", window=window)
    body = await read_json(request)
    ticket = _ticket(request, window, body.get("ticket"))
    config, now = request.app[CONFIG], request.app[CLOCK].now()
    service = config.services.get(ticket["service"])
    db = request.app[DB]
    kinds, day = request.app[KINDS], business_day(now, config.hall)
    record_id = await request.app[WRITER].run(lambda wdb: register.record(
        wdb, kinds, ticket, service.department if service else None, who.staff_no, body, who.actor, now, day))
    return json_response({**register.get(db, record_id), "kind_name": request.app[KINDS][body["kind"]].name},
                         status=201)


async def _handle_list(request: web.Request) -> web.Response:
    require(request, "admin")
    day_from, day_to = day_range(request, default_days=30)
    q = request.query
    today = business_day(request.app[CLOCK].now(), request.app[CONFIG].hall)
    return json_response(register.listing(request.app[DB], request.app[KINDS], day_from, day_to,
                                          kind=q.get("kind") or None, pending_material=q.get("pending") in ("1", "true"),
                                          today=today))


async def _handle_arrived(request: web.Request) -> web.Response:
    require(request, "staff", "admin")
    text = request.match_info["id"]
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise not_found("没有这条服务记录")
    record, at = int(text), request.app[CLOCK].now()
    row = await request.app[WRITER].run(lambda wdb: register.arrived(wdb, record, at))
    return json_response(row)


async def _handle_counts(request: web.Request) -> web.Response:
    require(request, "admin")
    day_from, day_to = day_range(request, default_days=30)
    return json_response(register.counts(request.app[DB], request.app[KINDS], request.app[CONFIG].services,
                                         day_from, day_to, request.query.get("by", "department")))


def setup(app: web.Application) -> None:
    """Validate ``[practices]`` and add the practice register's routes."""
    app[KINDS] = practice_kinds(app[CONFIG])
    app.router.add_post("/api/windows/{number}/practices", _handle_record)
    app.router.add_get("/api/practices", _handle_list)
    app.router.add_get("/api/practices/counts", _handle_counts)
    app.router.add_post("/api/practices/{id}/arrived", _handle_arrived)


_S = {"type": "string"}
_DAYS = [{"name": n, "in": "query", "required": False, "schema": {"type": "string", "format": "date"}}
         for n in ("from", "to")]
OPENAPI_PATHS = {
    "/api/windows/{number}/practices": {"post": {
        "summary": "登记服务举措 Record a practice for the current ticket (or a today's, by number)",
        "security": [{"bearer": ["staff", "admin"]}],
        "parameters": [{"name": "number", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["kind"],
            "properties": {"kind": _S, "ticket": _S, "material": _S, "promised_on": {"type": "string", "format": "date"},
                           "count": {"type": "integer"}, "handed_to": _S, "note": _S}}}}},
        "responses": {"201": {"description": "the record"}, "422": {"description": "the field named"}}}},
    "/api/practices": {"get": {"summary": "服务举措台账 Records (?from, ?to, ?kind; ?pending=1 for missing materials awaited)",
                               "security": [{"bearer": ["admin"]}], "parameters": _DAYS,
                               "responses": {"200": {"description": "records with kind_name, pending, late"}}}},
    "/api/practices/counts": {"get": {
        "summary": "服务举措统计 Counts per window|department|staff|day|month|quarter and kind (?by=)",
        "security": [{"bearer": ["admin"]}], "parameters": _DAYS,
        "responses": {"200": {"description": "[{key, total, kinds}]"}}}},
    "/api/practices/{id}/arrived": {"post": {
        "summary": "容缺材料已补交 The missing material was brought", "security": [{"bearer": ["staff", "admin"]}],
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "the record"}, "409": {"description": "not a 容缺 or already in"}}}},
}
