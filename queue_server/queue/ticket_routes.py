"""Routes for taking numbers, appointments and a ticket's public status."""
from __future__ import annotations

from aiohttp import web

from queue_server.core.errors import ApiError, invalid, not_found
from queue_server.core.hall_time import is_open
from queue_server.core.writer import last
from queue_server.keys import CLOCK, CONFIG, HALL, OPEN_ALL_HOURS, WRITER
from queue_server.queue.hall_view import public_ticket
from queue_server.queue.http import roll_day
from queue_server.web.auth import require
from queue_server.web.json_io import field, json_response, read_json

TICKET_FIELDS = ("id", "number", "service", "service_name", "status", "priority", "kind", "ahead",
                 "estimated_wait_min", "token", "issued_at", "status_url", "review_url")


def ticket_body(ticket: dict) -> dict:
    """A ticket as API.md defines it (plus the service's name and the review link)."""
    return {k: ticket[k] for k in TICKET_FIELDS}


def _ensure_open(request: web.Request) -> None:
    if request.app[OPEN_ALL_HOURS]:
        return
    hall = request.app[CONFIG].hall
    if not is_open(request.app[CLOCK].now(), hall):
        hours = "、".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in hall.business_hours)
        raise ApiError(409, "closed", f"现在不是办理时间（工作日 {hours}），请在办理时间内取号")


async def _handle_issue_ticket(request: web.Request) -> web.Response:
    who = require(request, "kiosk", "admin")
    body = await read_json(request)
    service = field(body, "service", str)
    request_id = field(body, "request_id", str)
    if len(request_id) > 100:
        raise invalid("request_id", "长度不能超过100")
    priority = field(body, "priority", str, required=False)
    _ensure_open(request)
    hall = request.app[HALL]
    ticket, created, _ = await request.app[WRITER].run(
        lambda db: hall.issue_ticket(service, request_id, priority, who.actor), events=last)
    return json_response(ticket_body(ticket), status=201 if created else 200)


async def _handle_get_ticket(request: web.Request) -> web.Response:
    await roll_day(request.app)  # after the day boundary yesterday's ticket reads expired, not waiting
    ticket = request.app[HALL].ticket_by_token(request.match_info["token"])
    if ticket is None:
        raise not_found("没有这个号码（链接无效）")
    return json_response(public_ticket(ticket))


async def _handle_get_ticket_by_number(request: web.Request) -> web.Response:
    """查询进度 at a kiosk: today's ticket by its printed number (kiosk and admin only: a number is easy to guess,
    so the open internet gets the token route)."""
    require(request, "kiosk", "admin")
    await roll_day(request.app)
    number = request.match_info["number"].strip().upper()
    if not (1 <= len(number) <= 12 and number.isalnum() and number.isascii()):
        raise invalid("number", "号码应为字母和数字，如 A001")
    ticket = request.app[HALL].ticket_by_number(number)
    if ticket is None:
        raise not_found(f"今天没有{number}号")
    return json_response(public_ticket(ticket) | {"review_url": None})


async def _handle_create_appointment(request: web.Request) -> web.Response:
    who = require(request, "admin")
    body = await read_json(request)
    args = (field(body, "service", str), field(body, "date", str), field(body, "slot", str),
            field(body, "name", str), field(body, "phone", str), who.actor)
    hall = request.app[HALL]
    code = await request.app[WRITER].run(lambda db: hall.create_appointment(*args))
    return json_response({"code": code}, status=201)


async def _handle_check_in(request: web.Request) -> web.Response:
    who = require(request, "kiosk", "admin")
    code = request.match_info["code"]
    if not (code.isdigit() and len(code) == 6):
        raise invalid("code", "预约码应为6位数字")
    _ensure_open(request)
    hall = request.app[HALL]
    ticket, created, _ = await request.app[WRITER].run(lambda db: hall.check_in(code, who.actor), events=last)
    return json_response(ticket_body(ticket), status=201 if created else 200)


def setup(app: web.Application) -> None:
    app.router.add_post("/api/tickets", _handle_issue_ticket)
    app.router.add_get("/api/tickets/{token}", _handle_get_ticket)
    app.router.add_get("/api/tickets/by-number/{number}", _handle_get_ticket_by_number)
    app.router.add_post("/api/appointments", _handle_create_appointment)
    app.router.add_post("/api/appointments/{code}/check-in", _handle_check_in)


_TICKET_SCHEMA = {"$ref": "#/components/schemas/Ticket"}
OPENAPI_PATHS = {
    "/api/tickets": {"post": {
        "summary": "取号 Take a number", "security": [{"bearer": ["kiosk", "admin"]}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["service", "request_id"],
            "properties": {"service": {"type": "string"}, "request_id": {"type": "string", "maxLength": 100},
                           "priority": {"type": "string", "description": "priority category code (绿色通道)"}}}}}},
        "responses": {"201": {"description": "new ticket", "content": {"application/json": {"schema": _TICKET_SCHEMA}}},
                      "200": {"description": "the ticket this request_id already made"},
                      "409": {"description": "closed: outside business hours"}, "422": {"description": "invalid"}},
    }},
    "/api/tickets/{token}": {"get": {
        "summary": "号码状态 A ticket's status (anyone holding its token)",
        "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "number, service, status, ahead, estimated_wait_min, window, called_at, review_url"},
                      "404": {"description": "unknown token"}},
    }},
    "/api/tickets/by-number/{number}": {"get": {
        "summary": "按号码查询进度 Today's ticket by its number, for kiosks", "security": [{"bearer": ["kiosk", "admin"]}],
        "parameters": [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "number, service, status, ahead, estimated_wait_min, window, called_at"},
                      "404": {"description": "no such number today"}, "422": {"description": "not a ticket number"}},
    }},
    "/api/appointments": {"post": {
        "summary": "预约 Book an appointment", "security": [{"bearer": ["admin"]}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object",
            "required": ["service", "date", "slot", "name", "phone"],
            "properties": {"service": {"type": "string"}, "date": {"type": "string", "format": "date"},
                           "slot": {"type": "string", "example": "09:00-10:00"}, "name": {"type": "string"},
                           "phone": {"type": "string"}}}}}},
        "responses": {"201": {"description": '{"code": "123456"}'}},
    }},
    "/api/appointments/{code}/check-in": {"post": {
        "summary": "预约签到 Check in an appointment", "security": [{"bearer": ["kiosk", "admin"]}],
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"201": {"description": "ticket placed ahead of walk-ins"}, "200": {"description": "already checked in"},
                      "404": {"description": "unknown code"}, "409": {"description": "not today / too early / closed"}},
    }},
}
