"""Routes of the citizen's phone: whether the hall offers SMS reminders, leaving and withdrawing a number for one
ticket (the kiosk, or anyone holding the ticket's token: its status page), the day's consents for the admin
(masked) and the admin's withdrawal for a citizen; and the periodic housekeeping: the retention purge and the review links that fell due."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any

from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from queue_server.core.clock import from_iso
from queue_server.core.errors import ApiError, conflict
from queue_server.core.periodic import run_periodically
from queue_server.core.hall_time import business_day
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.phones import store
from queue_server.phones.reminders import review_due_events
from queue_server.phones.settings import ReminderSettings, reminder_settings
from queue_server.policy.ordering import OrderRule
from queue_server.reviews.http import client_address
from queue_server.reviews.http import state as reviews_state
from queue_server.reviews.ratelimit import RateLimiter
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.types import Day, Line, RowId, Token

log = logging.getLogger(__name__)
routes = ApiRoutes()
#: a phone page may leave or withdraw a number this often per address (the hall's WiFi shares one address)
ADDRESS_LIMIT, ADDRESS_SECONDS = 30, 600
#: seconds between housekeeping runs
HOUSEKEEPING_SECONDS = 60


@dataclass
class PhonesState:
    settings: ReminderSettings
    rule: OrderRule
    limiter: RateLimiter


PHONES = web.AppKey("phones", PhonesState)


def _mobile(text: str) -> str:
    try:
        return store.check_mobile(text)
    except ValueError as exc:
        raise PydanticCustomError("mobile", str(exc)) from None


class PhoneRequest(BaseModel):
    """The number the citizen typed, with consent given by sending it."""

    phone: Annotated[str, Field(max_length=20, title="手机号码", examples=["13812345678"]), AfterValidator(_mobile)]


class TicketPath(BaseModel):
    token: Token = Field(title="号票凭证")


class DayQuery(BaseModel):
    day: Day | None = Field(None, title="日期")


def _source(request: web.Request, state: PhonesState) -> str:
    """``kiosk`` for a hall kiosk (or an admin), else ``phone``: the token holder's page, limited per address."""
    if request.headers.get("Authorization"):
        return require(request, "kiosk", "admin").role
    address = f"ip:{client_address(request, reviews_state(request).settings.trusted_proxies)}"
    if not state.limiter.allow(address):
        raise ApiError(429, "rate_limited", "提交过于频繁，请稍后再试")
    state.limiter.record(address)  # refused tokens count too: probing them is a burst
    return "phone"


@routes.get("/api/phone-reminders", "短信提醒是否开通 Whether the hall sends SMS reminders (the kiosk asks)",
            responses={"200": '{"offered", "remind_ahead", "retention_days"}'})
async def _handle_offer(request: web.Request) -> web.Response:
    settings = request.app[PHONES].settings
    return json_response({"offered": settings.offered, "remind_ahead": settings.remind_ahead,
                          "retention_days": settings.phone_retention_days})


@routes.post("/api/tickets/{token}/phone", "留手机号接收到号提醒 Leave a phone for this ticket's SMS reminders "
             "(kiosk token, or anyone holding the ticket token; sending it is the consent)", params=TicketPath,
             body=PhoneRequest, responses={
                 "201": '{"number", "phone" (masked), "consented_at"}', "404": "unknown ticket token",
                 "409": "the hall sends no SMS, or the ticket is finished or expired",
                 "422": "not a mainland mobile number", "429": "too many from this address"})
async def _handle_leave(request: web.Request, path: TicketPath, body: PhoneRequest) -> web.Response:
    state = request.app[PHONES]
    source = _source(request, state)
    if not state.settings.offered:
        raise conflict("本大厅未开通短信提醒")
    now, remind = request.app[CLOCK].now(), state.settings.remind_ahead

    def write(db: Any) -> dict[str, Any]:
        ticket = store.ticket_for_phone(db, path.token)
        return store.save_phone(db, ticket, body.phone, source, now, state.rule, remind)

    saved = await request.app[WRITER].run(write)
    log.info("phone %s left for ticket %s (%s)", saved["phone"], saved["number"], source)
    return json_response(saved, status=201)


@routes.route("DELETE", "/api/tickets/{token}/phone", "撤回手机号 Withdraw the phone left for this ticket",
              params=TicketPath, responses={"200": '{"withdrawn": bool}', "404": "unknown ticket token"})
async def _handle_withdraw(request: web.Request, path: TicketPath) -> web.Response:
    _source(request, request.app[PHONES])
    ticket = request.app[DB].execute("select id from tickets where token = ?", [path.token]).fetchone()
    if ticket is None:
        raise ApiError(404, "not_found", "没有这个号码（链接无效）")
    withdrawn = await request.app[WRITER].run(lambda db: store.withdraw(db, ticket[0]))
    return json_response({"withdrawn": withdrawn})


@routes.get("/api/phone-reminders/consents", "当日留号记录（已打码） The day's consented phones, masked",
            roles=("admin",), query=DayQuery, responses={"200": '[{"ticket_id", "number", "phone", "consented_at", '
                                                                '"source", "ahead_sent", "review_link_at"}] (times in '
                                                                'hall time)'})
async def _handle_consents(request: web.Request, query: DayQuery) -> web.Response:
    hall = request.app[CONFIG].hall
    day = query.day or business_day(request.app[CLOCK].now(), hall).isoformat()
    rows = store.consents(request.app[DB], day)
    for row in rows:  # the admin page reads hall time, as the other ledgers
        for key in ("consented_at", "review_link_at"):
            row[key] = from_iso(row[key]).astimezone(hall.tz).isoformat() if row[key] else None
    return json_response(rows)


class ConsentPath(BaseModel):
    ticket_id: RowId = Field(title="号票编号")


class WithdrawRequest(BaseModel):
    """Why the admin withdraws the phone (optional body; recorded in the operation log)."""

    reason: Line(200) | None = Field(None, title="撤回原因", examples=["群众来电要求撤回"])


@routes.route("DELETE", "/api/phone-reminders/consents/{ticket_id}", "管理员撤回留号（号码即时删除） An admin "
              "withdraws a ticket's phone for the citizen: deleted at once, masked in the SMS already sent",
              roles=("admin",), params=ConsentPath, body=WithdrawRequest, body_required=False,
              responses={"200": '{"number", "phone" (masked), "withdrawn": true, "masked_messages"}',
                         "404": "no phone kept for this ticket"})
async def _handle_admin_withdraw(request: web.Request, path: ConsentPath, body: WithdrawRequest) -> web.Response:
    who = require(request, "admin")
    now = request.app[CLOCK].now()
    done = await request.app[WRITER].run(
        lambda db: store.withdraw_for(db, path.ticket_id, who.actor, body.reason, now))
    log.info("phone %s of ticket %s withdrawn by %s", done["phone"], done["number"], who.actor)
    return json_response(done)


async def housekeeping(app: web.Application) -> tuple[int, int, int]:
    """One run: purge phones past the retention (and mask them in old SMS messages), and raise the review links
    now due as events for the SMS channel. Returns (phones deleted, messages masked, links due)."""
    settings, now = app[PHONES].settings, app[CLOCK].now()

    def work(db: Any) -> tuple[tuple[int, int], list]:
        purged = store.purge(db, now, settings.phone_retention_days)
        return purged, review_due_events(db, settings, now) if settings.offered else []

    (deleted, masked), due = await app[WRITER].run(work, events=lambda result: result[1])
    if deleted or masked:
        log.info("retention purge: %d phones deleted, %d SMS messages masked", deleted, masked)
    return deleted, masked, len(due)


def setup(app: web.Application) -> None:
    """Validate the reminder options, start the housekeeping timer with the app, add the routes."""
    config = app[CONFIG]
    app[PHONES] = PhonesState(reminder_settings(config), OrderRule(config.queue.class_order,
                                                                   config.queue.service_order_first),
                              RateLimiter(app[CLOCK], ADDRESS_LIMIT, ADDRESS_SECONDS))

    run_periodically(app, "phone housekeeping", HOUSEKEEPING_SECONDS, housekeeping)
    routes.add_to(app)
