"""Routes for taking numbers, checking in a booked appointment (booking itself is :mod:`queue_server.booking`'s) and
a ticket's public status."""
from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.core.errors import ApiError, not_found
from queue_server.core.hall_time import is_open
from queue_server.core.writer import last
from queue_server.keys import CLOCK, CONFIG, HALL, OPEN_ALL_HOURS, WRITER
from queue_server.queue.hall_view import public_ticket
from queue_server.queue.http import roll_day
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.security import GUARDS
from queue_server.web.types import Code, Line, Token

TICKET_FIELDS = ("id", "number", "service", "service_name", "status", "priority", "kind", "ahead",
                 "estimated_wait_min", "token", "issued_at", "status_url", "review_url")
routes = ApiRoutes()


class TicketRequest(BaseModel):
    """What a kiosk sends to take a number."""

    service: Code = Field(title="业务代码")
    request_id: Line(100) = Field(title="请求编号")
    priority: Code | None = Field(None, title="优先类别", description="priority category code (绿色通道)")


class TicketPath(BaseModel):
    token: Token = Field(title="号票凭证")


class AppointmentPath(BaseModel):
    code: str = Field(title="预约码", pattern=r"^[0-9]{6}$")


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


@routes.post("/api/tickets", "取号 Take a number", roles=("kiosk", "admin"), body=TicketRequest, responses={
    "201": "new ticket", "200": "the ticket this request_id already made", "409": "closed: outside business hours"})
async def _handle_issue_ticket(request: web.Request, body: TicketRequest) -> web.Response:
    who = require(request, "kiosk", "admin")
    _ensure_open(request)
    hall = request.app[HALL]
    await roll_day(request.app)  # a new day's roll goes to the writer thread: issuing runs on the loop
    ticket, created, _ = await request.app[WRITER].run(
        lambda db: hall.issue_ticket(body.service, body.request_id, body.priority, who.actor), events=last,
        on_loop=True)
    return json_response(ticket_body(ticket), status=201 if created else 200)


@routes.get("/api/tickets/{token}", "号码状态 A ticket's status (anyone holding its token)", params=TicketPath,
            responses={"200": "number, service, status, ahead, estimated_wait_min, window, called_at, review_url",
                       "404": "unknown token"})
async def _handle_get_ticket(request: web.Request, path: TicketPath) -> web.Response:
    await roll_day(request.app)  # after the day boundary yesterday's ticket reads expired, not waiting
    ticket = request.app[HALL].ticket_by_token(path.token)
    if ticket is None:
        raise not_found("没有这个号码（链接无效）")
    return json_response(public_ticket(ticket))


class NumberPath(BaseModel):
    number: str = Field(title="号码", pattern=r"^ *[A-Za-z0-9]{1,12} *$")


@routes.get("/api/tickets/by-number/{number}", "按号码查询进度 Today's ticket by its number, for kiosks",
            roles=("kiosk", "admin"), params=NumberPath, responses={
                "200": "number, service, status, ahead, estimated_wait_min, window, called_at",
                "404": "no such number today"})
async def _handle_get_ticket_by_number(request: web.Request, path: NumberPath) -> web.Response:
    """查询进度 at a kiosk: today's ticket by its printed number (kiosk and admin only: a number is easy to guess,
    so the open internet gets the token route)."""
    require(request, "kiosk", "admin")
    await roll_day(request.app)
    number = path.number.strip().upper()
    ticket = request.app[HALL].ticket_by_number(number)
    if ticket is None:
        raise not_found(f"今天没有{number}号")
    return json_response(public_ticket(ticket) | {"review_url": None})


@routes.post("/api/appointments/{code}/check-in", "预约签到 Check in an appointment", roles=("kiosk", "admin"),
             params=AppointmentPath, responses={
                 "201": "ticket placed ahead of walk-ins",
                 "404": "unknown code, or not today's (one answer for both)",
                 "409": "already checked in (the ticket number only) / too early / closed",
                 "429": "too many wrong codes from this kiosk or address; retry_after seconds"})
async def _handle_check_in(request: web.Request, path: AppointmentPath) -> web.Response:
    """Check in at a kiosk. Wrong codes are limited per kiosk token and per address (429 with the wait): a code has
    only a million values, and a kiosk token in the wrong hands must not be able to walk through them."""
    who = require(request, "kiosk", "admin")
    guards = request.app[GUARDS]
    pairs = ((guards.checkin, f"token:{who.token_id}"), (guards.checkin, f"ip:{request.remote or '-'}"))
    guards.check("预约码核验", *pairs)
    hall = request.app[HALL]
    try:
        _ensure_open(request)
        await roll_day(request.app)
        ticket, _ = await request.app[WRITER].run(lambda db: hall.check_in(path.code, who.actor), events=last,
                                                  on_loop=True)
    except ApiError as exc:
        if exc.status in (404, 422):
            for guard, key in pairs:
                guard.fail(key)
        raise
    return json_response(ticket_body(ticket), status=201)


def setup(app: web.Application) -> None:
    routes.add_to(app)
