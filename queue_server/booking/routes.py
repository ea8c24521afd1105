"""Routes of booking ahead: the public slot lists, booking (the citizen's own, rate-limited, or an admin's on
their behalf), cancel and change with the code and the phone (and an admin's cancel for a citizen who phoned), the phone page ``/book``, the admins' day list and
KPIs; and the timer that runs the periodic work (:func:`run_jobs`).

Public routes are limited per address (``[booking] rate_limit_address_count``; the address as ``[reviews]
trusted_proxies`` reads it) and bookings also per phone number, in memory on the injected clock.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.booking import slots, store
from queue_server.booking.settings import BookingSettings, booking_settings
from queue_server.core.errors import ApiError, invalid
from queue_server.core.periodic import run_periodically
from queue_server.core.writer import last
from queue_server.keys import CLOCK, CONFIG, DB, OPEN_ALL_HOURS, OUTBOX, WRITER
from queue_server.reviews.http import client_address, run_read
from queue_server.reviews.ratelimit import RateLimiter
from queue_server.reviews.requests import DaysQuery
from queue_server.reviews.settings import load_review_settings
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import presented_token, require
from queue_server.web.json_io import json_response
from queue_server.web.types import Code, Day, Line

SETTINGS = web.AppKey("booking_settings", BookingSettings)
LIMITS = web.AppKey("booking_limits", dict)
PAGE = Path(__file__).with_name("book.html")
#: real seconds between two runs of the periodic work (no-shows are due at a slot's end: a minute late is fine)
JOB_SECONDS = 60
_SLOT = r"^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$"
_PHONE = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
routes = ApiRoutes()


class ServiceQuery(BaseModel):
    service: Code = Field(title="业务代码")


class SlotsQuery(ServiceQuery):
    date: Day = Field(title="预约日期")


class BookingRequest(BaseModel):
    """A booking: the citizen's own (no token) or an admin's on their behalf."""

    service: Code = Field(title="业务代码")
    date: Day = Field(title="预约日期")
    slot: Line(11) = Field(title="预约时段", pattern=_SLOT, examples=["09:00-09:30"])
    name: Line(50) = Field(title="姓名")
    phone: Line(20) = Field(title="手机号", pattern=_PHONE, examples=["13800001234"])


class CodePath(BaseModel):
    code: str = Field(title="预约码", pattern=r"^[0-9]{6}$")


class CancelRequest(BaseModel):
    phone: Line(20) = Field(title="手机号", pattern=_PHONE)


class CancelOnBehalfRequest(BaseModel):
    reason: Line(200) = Field(title="取消原因", examples=["群众来电：临时有事"])


class ChangeRequest(CancelRequest):
    date: Day = Field(title="预约日期")
    slot: Line(11) = Field(title="预约时段", pattern=_SLOT)


class DayQuery(BaseModel):
    date: Day | None = Field(None, title="日期")
    service: Code | None = Field(None, title="业务代码")


def _desk(app: web.Application) -> store.Desk:
    """The booking rules at this instant, with the outbox's SMS when the hall has one."""
    outbox = app.get(OUTBOX)
    sms = (lambda db, kind, payload: outbox.enqueue(db, "sms", kind, payload)) if outbox is not None else None
    return store.Desk(app[CONFIG], app[SETTINGS], app[CLOCK].now(), sms, all_hours=app[OPEN_ALL_HOURS])


def _limit(request: web.Request, phone: str | None = None) -> None:
    """429 once this address (or this phone) has made its allowance of public requests; every attempt counts."""
    limits = request.app[LIMITS]
    keys = [(limits["address"], client_address(request, limits["proxies"]))]
    if phone is not None:
        keys.append((limits["phone"], phone))
    if not all(limiter.allow(key) for limiter, key in keys):
        raise ApiError(429, "rate_limited", "预约请求过于频繁，请稍后再试")
    for limiter, key in keys:
        limiter.record(key)


def _answer(row: dict, request: web.Request) -> dict:
    """The booking as its holder sees it, with how to check in (the hall's own early and late minutes)."""
    rules = request.app[CONFIG].queue
    hint = (f"请在预约时段开始前 {rules.appointment_early_min} 分钟内到大厅取号机点“预约签到”，输入6位预约码取号；"
            f"时段开始后超过 {rules.appointment_late_min} 分钟签到的，按普通号排队。")
    return store.public_view(row, request.app[CONFIG]) | {"check_in": hint}


@routes.get("/api/appointments/services", "可预约的业务 Departments and their bookable services (public)",
            responses={"200": "{enabled, days_ahead, hall, phone, rules, departments: [{code, name, services: "
                                     "[{code, name}]}]}"})
async def _handle_services(request: web.Request) -> web.Response:
    config, settings = request.app[CONFIG], request.app[SETTINGS]
    departments = []
    for dept in config.departments.values():
        services = [{"code": s.code, "name": s.name} for s in config.services.values()
                    if s.department == dept.code and settings.services[s.code].bookable]
        if services:
            departments.append({"code": dept.code, "name": dept.name, "services": services})
    rules = (f"请按时到厅签到；不能前来请在时段开始前 {settings.cancel_before_minutes} 分钟取消。"
             f"{settings.no_show_window_days} 天内预约未到 {settings.no_show_limit} 次的手机号，"
             f"将暂停网上预约 {settings.no_show_ban_days} 天。")
    return json_response({"enabled": settings.enabled, "days_ahead": settings.days_ahead, "hall": config.hall.name,
                          "phone": config.hall.phone, "rules": rules, "departments": departments})


@routes.get("/api/appointments/days", "可预约日期 The bookable days of a service with seats left (public)",
            query=ServiceQuery, responses={"200": "[{date, weekday, remaining}]", "422": "service"})
async def _handle_days(request: web.Request, query: ServiceQuery) -> web.Response:
    desk = _desk(request.app)
    slots.service_rules(desk.settings, query.service)
    answer = []
    for day in slots.bookable_days(desk.today, desk.settings.days_ahead, desk.is_open_day):
        table = store.slot_table(request.app[DB], desk, query.service, day.isoformat())
        answer.append({"date": day.isoformat(), "weekday": "一二三四五六日"[day.weekday()],
                       "remaining": sum(s["remaining"] for s in table)})
    return json_response(answer)


@routes.get("/api/appointments/slots", "预约时段 A day's slots of a service: capacity, booked, remaining (public)",
            query=SlotsQuery, responses={"200": "[{slot, capacity, booked, remaining}]",
                                         "422": "service, or a date that cannot be booked"})
async def _handle_slots(request: web.Request, query: SlotsQuery) -> web.Response:
    desk = _desk(request.app)
    desk.check_day(query.service, query.date)
    return json_response(store.slot_table(request.app[DB], desk, query.service, query.date))


@routes.post("/api/appointments", "预约 Book: no token = the citizen online (rate-limited), admin token = on behalf",
             body=BookingRequest, responses={
                 "201": "{code, service, service_name, date, slot, status, name, phone (masked), check_in}",
                 "403": "the phone is stopped from booking online for no-shows; a token other than admin's",
                 "409": "conflict: the slot is full or the phone already booked this service that day; closed: "
                        "online booking is off",
                 "422": "invalid: the field named (a closed day, a past date, a slot outside hours)",
                 "429": "too many bookings from this address or phone"})
async def _handle_book(request: web.Request, body: BookingRequest) -> web.Response:
    # a token, when one is presented, must be an admin's (a wrong token is a 401, never a citizen's booking)
    who = require(request, "admin") if presented_token(request) else None
    desk = _desk(request.app)
    if who is None:
        _limit(request, body.phone)
        if not desk.settings.enabled:
            raise ApiError(409, "closed", f"网上预约暂停，请直接到大厅取号，或致电 {desk.config.hall.phone}")
    booking = store.Booking(body.service, body.date, body.slot, body.name, body.phone)
    row, _ = await request.app[WRITER].run(
        lambda db: store.book(db, desk, booking, online=who is None, actor=who.actor if who else "online"),
        events=last)
    return json_response(_answer(row, request), status=201)


@routes.post("/api/appointments/{code}/cancel", "取消预约 Cancel with the code and the phone that booked (public)",
             params=CodePath, body=CancelRequest, responses={
                 "200": "the cancelled booking", "404": "no booked appointment with this code and phone",
                 "409": "too late to cancel", "429": "too many requests from this address"})
async def _handle_cancel(request: web.Request, path: CodePath, body: CancelRequest) -> web.Response:
    _limit(request)
    desk = _desk(request.app)
    row, _ = await request.app[WRITER].run(lambda db: store.cancel(db, desk, path.code, body.phone), events=last)
    return json_response(_answer(row, request))


@routes.post("/api/appointments/{code}/cancel-on-behalf", "代群众取消预约 An admin cancels for a citizen who phoned "
             "(the reason and who did it are recorded; the citizen gets the cancellation SMS)", roles=("admin",),
             params=CodePath, body=CancelOnBehalfRequest, responses={
                 "200": "the cancelled booking", "404": "no booking with this code still waiting",
                 "422": "reason"})
async def _handle_cancel_on_behalf(request: web.Request, path: CodePath, body: CancelOnBehalfRequest) -> web.Response:
    who = require(request, "admin")
    desk = _desk(request.app)
    row, _ = await request.app[WRITER].run(
        lambda db: store.cancel_on_behalf(db, desk, path.code, body.reason, who.actor), events=last)
    return json_response(_answer(row, request))


@routes.post("/api/appointments/{code}/change", "改约 Move a booking to another day or slot, keeping its code "
             "(public: the code and the phone)", params=CodePath, body=ChangeRequest, responses={
                 "200": "the booking at its new time", "404": "no booked appointment with this code and phone",
                 "409": "too late to change, or the new slot is full", "422": "date or slot",
                 "429": "too many requests from this address"})
async def _handle_change(request: web.Request, path: CodePath, body: ChangeRequest) -> web.Response:
    _limit(request)
    desk = _desk(request.app)
    row, _ = await request.app[WRITER].run(
        lambda db: store.change(db, desk, path.code, body.phone, body.date, body.slot), events=last)
    return json_response(_answer(row, request))


@routes.get("/api/appointments", "当日预约 A day's bookings per service and slot (admin; names and phones masked)",
            roles=("admin",), query=DayQuery, responses={"200": "{date, services: [{service, slots: [...]}]}"})
async def _handle_day(request: web.Request, query: DayQuery) -> web.Response:
    config, settings = request.app[CONFIG], request.app[SETTINGS]
    if query.service and query.service not in config.services:
        raise invalid("service", "业务代码：没有这项业务")
    day = query.date or _desk(request.app).today.isoformat()
    services = await run_read(request, lambda db: store.day_bookings(db, config, settings, day, query.service))
    return json_response({"date": day, "services": services})


@routes.get("/api/appointments/kpis", "预约统计 Booked, checked in, no-show rate, wait of appointments vs walk-ins "
            "(admin; ?from=&to=, default the last 30 days and the days bookable ahead)", roles=("admin",),
            query=DaysQuery,
            responses={"200": "booked, checked_in, no_show, pending, cancelled, no_show_rate, online, on_behalf, "
                              "appointment_wait_min, walk_in_wait_min"})
async def _handle_kpis(request: web.Request, query: DaysQuery) -> web.Response:
    today = _desk(request.app).today
    # by default the last 30 days and the bookings already made for the days ahead
    ahead = (today + timedelta(days=request.app[SETTINGS].days_ahead)).isoformat()
    day_from = query.from_ or (today - timedelta(days=30)).isoformat()
    day_to = query.to or ahead
    if day_from > day_to:
        raise invalid("from", "起始日期：不能晚于结束日期")
    return json_response(await run_read(request, lambda db: store.kpis(db, day_from, day_to)))


@routes.get("/book", "网上预约页 The citizen's booking page (HTML, phone)", produces="text/html",
            responses={"200": "HTML"})
async def _handle_page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE.read_text("utf-8"), content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def run_jobs(app: web.Application) -> dict:
    """No-shows, reminders and the retention purge, once, at the clock's now (the timer calls it; so do tests)."""
    desk = _desk(app)
    counts, _ = await app[WRITER].run(lambda db: store.run_due(db, desk), events=last)
    return counts


def setup(app: web.Application) -> None:
    """Validate ``[booking]`` (a bad one stops start-up), create the limiters, add the routes and the timer."""
    settings = booking_settings(app[CONFIG])
    app[SETTINGS] = settings
    window = settings.rate_limit_minutes * 60
    app[LIMITS] = {"address": RateLimiter(app[CLOCK], settings.rate_limit_address_count, window),
                   "phone": RateLimiter(app[CLOCK], settings.rate_limit_phone_count, window),
                   "proxies": load_review_settings(app[CONFIG]).trusted_proxies}

    run_periodically(app, "booking jobs", JOB_SECONDS, run_jobs)
    routes.add_to(app)
