"""Routes a counter uses: staff log in to a window (and out), then call, recall, skip, finish, hold, resume, transfer,
pause, open (API.md), plus start, re-queue and the window's own view for the staff panel and keypads."""
from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.core.clock import from_iso, to_iso
from queue_server.core.errors import ApiError, invalid, not_found, unauthorized
from queue_server.core.writer import last
from queue_server.keys import CLOCK, DB, HALL, WRITER
from queue_server.queue.hall_view import staff_ticket
from queue_server.queue.http import WindowPath, roll_day
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import (PHOTO_TYPES, ROLES, hash_token, login, presented_token, principal, require,
                                   staff_photo)
from queue_server.web.json_io import json_response
from queue_server.web.security import GUARDS
from queue_server.web.token_cache import forget_everywhere
from queue_server.web.types import Code, Line, WindowNumber

#: roles that may act on a window: its own staff, managers, and the device agent relaying a hardware keypad
WINDOW_ROLES = ("staff", "admin", "agent")
routes = ApiRoutes()


class NoBody(BaseModel):
    """An action that takes nothing (a body, if sent, is an empty object)."""


class Call(BaseModel):
    """叫号; with ``finish_current`` it is 办结并叫下一位 in one transaction."""

    finish_current: bool = Field(False, title="办结当前并叫下一位")
    # the number the clerk saw at the counter: a double press must not finish the citizen just called
    expect: Line(16) | None = Field(None, title="当前号码")


class OptionalReason(BaseModel):
    reason: Line(200) | None = Field(None, title="原因")


class Reason(BaseModel):
    reason: Line(200) = Field(title="原因")


class TicketChoice(BaseModel):
    ticket: Line(16) = Field(title="号码")


class Transfer(BaseModel):
    to_service: Code | None = Field(None, title="转入业务")
    to_window: WindowNumber | None = Field(None, title="转入窗口")
    reason: Line(200) = Field(title="转移原因")


class Login(BaseModel):
    staff_no: Line(32) = Field(title="工号")
    password: str = Field(title="密码", min_length=1, max_length=200)
    window: WindowNumber | None = Field(None, title="窗口号")


class StaffPath(BaseModel):
    staff_no: Line(32) = Field(title="工号")


#: action → (summary, body model, how it is carried out: (hall, window, actor, body) → (result, events))
_ACTIONS: dict[str, tuple[str, type[BaseModel], Callable]] = {
    "call": ("叫号 Call next (409 queue_empty); finish_current finishes the current ticket and calls the next in one "
             "transaction (expect: the current number the clerk saw, so a double press cannot finish the next "
             "citizen)", Call, lambda hall, n, actor, body: hall.call_next(n, actor)),
    "recall": ("重呼 Call the current ticket again", NoBody, lambda hall, n, actor, body: hall.recall(n, actor)),
    "start": ("开始办理 The citizen is at the counter", NoBody, lambda hall, n, actor, body: hall.start(n, actor)),
    "finish": ("办结 Finish the current ticket", NoBody, lambda hall, n, actor, body: hall.finish(n, actor)),
    "skip": ("过号 No-show", OptionalReason, lambda hall, n, actor, body: hall.skip(n, actor, body.reason)),
    "hold": ("挂起 Hold the current ticket", OptionalReason,
             lambda hall, n, actor, body: hall.hold(n, actor, body.reason)),
    "resume": ("回呼 Resume a held ticket", TicketChoice,
               lambda hall, n, actor, body: hall.resume(n, body.ticket, actor)),
    "requeue": ("过号重排 Re-queue a skipped ticket", TicketChoice,
                lambda hall, n, actor, body: hall.requeue(n, body.ticket, actor)),
    "transfer": ("转移 Transfer to a service or window", Transfer, lambda hall, n, actor, body: hall.transfer(
        n, actor, body.reason, body.to_service, body.to_window)),
    "pause": ("暂停 Pause the window", Reason, lambda hall, n, actor, body: hall.pause(n, actor, body.reason)),
    "open": ("开启 Open the window", NoBody, lambda hall, n, actor, body: hall.open(n, actor)),
}
ACTIONS = tuple(_ACTIONS)


def _window_action(action: str) -> Callable:
    summary, model, carry_out = _ACTIONS[action]

    async def handler(request: web.Request, path: WindowPath, body: BaseModel) -> web.Response:
        who = require(request, *WINDOW_ROLES, window=path.number)
        hall, writer = request.app[HALL], request.app[WRITER]
        await roll_day(request.app)  # a new day's roll goes to the writer thread: the action runs on the loop
        if isinstance(body, Call) and body.finish_current:
            # the finish stands (and its events go out) even when nobody waits for the call
            result, _, called = await writer.run(
                lambda db: hall.finish_and_call(path.number, who.actor, body.expect), events=lambda r: r[1],
                on_loop=True)
            if not called:
                raise ApiError(409, "queue_empty", f"已办结 {result['number']}，当前没有等候的号码")
            return json_response(result)
        result, _ = await writer.run(lambda db: carry_out(hall, path.number, who.actor, body), events=last,
                                     on_loop=True)
        # Staff-facing answers never carry the citizen's token or links (API.md): holding them, a counter could rate
        # its own service on the public review route. Window views have no such keys; tickets lose them here.
        return json_response(staff_ticket(result))

    handler.__name__ = f"_handle_window_{action}"
    routes.post(f"/api/windows/{{number}}/{action}", summary, roles=WINDOW_ROLES, params=WindowPath, body=model,
                body_required=False,  # an empty body is an empty object: a missing field is then named
                responses={"200": "the ticket (or window) after the action", "403": "not this window's token",
                           "409": "conflict / queue_empty"})(handler)
    return handler


for _action in ACTIONS:
    _window_action(_action)


@routes.get("/api/windows/{number}", "窗口状态 The window and its queues", roles=(*WINDOW_ROLES, "tablet", "display"),
            params=WindowPath, responses={"200": "window view with waiting counts", "404": "no such window"})
async def _handle_get_window(request: web.Request, path: WindowPath) -> web.Response:
    """The window, its current ticket and how many wait for each service it calls (staff panel, keypad display)."""
    number = path.number
    require(request, *WINDOW_ROLES, "tablet", "display", window=number)
    hall = request.app[HALL]
    if number not in hall.config.windows:
        raise not_found(f"没有 {number} 号窗口")
    view = hall.window_view(number)
    waiting = {code: hall.waiting_count(code) for code in view["services"]}
    view["waiting"] = waiting
    view["waiting_total"] = sum(waiting.values())
    view["held"], view["skipped"] = hall.set_aside(number)
    # the panel's queue list and the current ticket's tag (a 绿色通道 citizen at the counter shows as one)
    view["queue"], view["current_ticket"] = hall.window_queue(number)
    view["staffed"] = hall.staffed().get(number)
    return json_response(view)


@routes.post("/api/login", "工作人员登录 Staff login (工号 + password, window for counter staff)", body=Login,
             responses={"200": '{"token","role","window","name","staff_no","expires_at"}',
                        "401": "wrong staff number or password",
                        "429": "too many wrong guesses for this 工号 or address; retry_after seconds"})
async def _handle_login(request: web.Request, body: Login) -> web.Response:
    """Staff (工号 + password) log in to a window; managers log in without one.

    Wrong guesses are limited per 工号 and per address (429 with the wait); the password check runs off the event
    loop, so guessing neither stalls the hall nor tells real 工号 from unknown ones by how long it takes.
    """
    window = body.window
    hall, guards = request.app[HALL], request.app[GUARDS]
    if window is not None and window not in hall.config.windows:
        raise invalid("window", f"没有 {window} 号窗口")
    pairs = ((guards.login_staff, body.staff_no[:64]), (guards.login_address, request.remote or "-"))
    guards.check("登录", *pairs)
    try:
        token, info = await login(request.app[DB], request.app[WRITER], request.app[CLOCK], body.staff_no,
                                  body.password, window, guards.settings.staff_session_hours, on_login=hall.set_staff)
    except ApiError as exc:
        if exc.status == 401:
            for guard, key in pairs:
                guard.fail(key)
        raise
    guards.login_staff.clear(pairs[0][1])
    info["expires_at"] = from_iso(info["expires_at"]).astimezone(hall.config.hall.tz).isoformat(timespec="seconds")
    return json_response({"token": token, **info}, status=200)


@routes.post("/api/logout", "退出登录 Revoke the presented token", responses={"200": "ok", "401": "no token"})
async def _handle_logout(request: web.Request) -> web.Response:
    who = principal(request)
    if who is None:
        raise unauthorized()
    at, token_hash, hall = to_iso(request.app[CLOCK].now()), hash_token(presented_token(request) or ""), request.app[HALL]

    def revoke(db) -> None:
        db.execute("update auth_tokens set revoked_at = ? where token_hash = ?", [at, token_hash])
        if who.role == "staff" and who.window is not None:
            hall.set_staff(who.window, None, None)

    await request.app[WRITER].run(revoke)
    forget_everywhere()  # committed: from the next request on, the token is asked of the database again
    return json_response({"status": "ok"})


@routes.get("/api/staff/{staff_no}/photo", "工作人员照片 Staff photo by 工号 (callers with a token)", roles=ROLES,
            params=StaffPath, produces="image/jpeg", responses={"200": "JPEG or PNG", "404": "no photo recorded"})
async def _handle_get_staff_photo(request: web.Request, path: StaffPath) -> web.StreamResponse:
    """A staff member's photo by 工号, for callers with a token (the staff panel, admin pages): an open route keyed by
    工号 would tell anyone which 工号 exist."""
    require(request, *ROLES)
    return _photo(staff_photo(request.app[DB], path.staff_no))


@routes.get("/api/windows/{number}/staff-photo", "窗口在岗人员照片 Photo of the staff member on duty (counter tablet)",
            params=WindowPath, produces="image/jpeg", responses={"200": "JPEG or PNG",
                                                                 "404": "nobody on duty, or no photo"})
async def _handle_get_window_photo(request: web.Request, path: WindowPath) -> web.StreamResponse:
    """The photo of whoever is on duty at a window, public like the face at the counter (亮证亮照上岗)."""
    if path.number not in request.app[HALL].config.windows:
        raise not_found(f"没有 {path.number} 号窗口")
    row = request.app[DB].execute("select staff_no from windows where number = ?", [path.number]).fetchone()
    return _photo(staff_photo(request.app[DB], row[0]) if row and row[0] else None)


def _photo(file) -> web.StreamResponse:
    if file is None:
        raise not_found("没有该工作人员的照片")
    return web.FileResponse(file, headers={"Content-Type": PHOTO_TYPES[file.suffix.lower()],
                                           "Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    routes.add_to(app)
