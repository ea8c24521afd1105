"""Routes a counter uses: staff log in to a window (and out), then call, recall, skip, finish, hold, resume, transfer,
pause, open (API.md), plus start, re-queue and the window's own view for the staff panel and keypads."""
from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.core.clock import to_iso
from queue_server.core.db import write_transaction
from queue_server.core.errors import invalid, not_found, unauthorized
from queue_server.keys import CLOCK, DB, HALL
from queue_server.queue.http import WindowPath, publish
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import PHOTO_TYPES, hash_token, login, presented_token, principal, require, staff_photo
from queue_server.web.json_io import json_response
from queue_server.web.types import Code, Line, WindowNumber

#: roles that may act on a window: its own staff, managers, and the device agent relaying a hardware keypad
WINDOW_ROLES = ("staff", "admin", "agent")
routes = ApiRoutes()


class NoBody(BaseModel):
    """An action that takes nothing (a body, if sent, is an empty object)."""


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
    "call": ("叫号 Call next (409 queue_empty)", NoBody, lambda hall, n, actor, body: hall.call_next(n, actor)),
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
        result, events = carry_out(request.app[HALL], path.number, who.actor, body)
        publish(request, events)
        # The answer is the ticket as API.md defines it, token included (the paper ticket's QR code carries it too);
        # the review rules, not secrecy, keep staff from rating themselves: a staff token cannot submit a review.
        return json_response(result)

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
    return json_response(view)


@routes.post("/api/login", "工作人员登录 Staff login (工号 + password, window for counter staff)", body=Login,
             responses={"200": '{"token","role","window","name"}', "401": "wrong staff number or password"})
async def _handle_login(request: web.Request, body: Login) -> web.Response:
    """Staff (工号 + password) log in to a window; managers log in without one."""
    window = body.window
    hall = request.app[HALL]
    if window is not None and window not in hall.config.windows:
        raise invalid("window", f"没有 {window} 号窗口")
    token, info = login(request.app[DB], request.app[CLOCK], body.staff_no, body.password, window)
    if info["role"] == "staff":
        hall.set_staff(window, info["staff_no"], info["name"])
    return json_response({"token": token, **info}, status=200)


@routes.post("/api/logout", "退出登录 Revoke the presented token", responses={"200": "ok", "401": "no token"})
async def _handle_logout(request: web.Request) -> web.Response:
    who = principal(request)
    if who is None:
        raise unauthorized()
    db = request.app[DB]
    with write_transaction(db):
        db.execute("update auth_tokens set revoked_at = ? where token_hash = ?",
                   [to_iso(request.app[CLOCK].now()), hash_token(presented_token(request) or "")])
    if who.role == "staff" and who.window is not None:
        request.app[HALL].set_staff(who.window, None, None)
    return json_response({"status": "ok"})


@routes.get("/api/staff/{staff_no}/photo", "工作人员照片 Staff photo for the counter tablet", params=StaffPath,
            produces="image/jpeg", responses={"200": "JPEG or PNG", "404": "no photo recorded"})
async def _handle_get_staff_photo(request: web.Request, path: StaffPath) -> web.StreamResponse:
    """A staff member's photo, public like their name and 工号 on the counter tablet (亮证亮照上岗)."""
    file = staff_photo(request.app[DB], path.staff_no)
    if file is None:
        raise not_found("没有该工作人员的照片")
    return web.FileResponse(file, headers={"Content-Type": PHOTO_TYPES[file.suffix.lower()],
                                           "Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    routes.add_to(app)
