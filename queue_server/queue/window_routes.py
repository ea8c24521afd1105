"""Routes a counter uses: staff log in to a window (and out), then call, recall, skip, finish, hold, resume, transfer,
pause, open (API.md), plus start, re-queue and the window's own view for the staff panel and keypads."""
from __future__ import annotations

from aiohttp import web

from queue_server.core.clock import to_iso
from queue_server.core.errors import invalid, not_found, unauthorized
from queue_server.core.writer import last
from queue_server.keys import CLOCK, DB, HALL, WRITER
from queue_server.queue.http import window_number
from queue_server.web.auth import PHOTO_TYPES, hash_token, login, presented_token, principal, require, staff_photo
from queue_server.web.json_io import field, json_response, read_json

#: roles that may act on a window: its own staff, managers, and the device agent relaying a hardware keypad
WINDOW_ROLES = ("staff", "admin", "agent")


def _text(body: dict, name: str) -> str | None:
    return field(body, name, str, required=False)


#: action → how it is carried out: (hall, window, actor, body) → (result, events)
_ACTIONS = {
    "call": lambda hall, n, actor, body: hall.call_next(n, actor),
    "recall": lambda hall, n, actor, body: hall.recall(n, actor),
    "start": lambda hall, n, actor, body: hall.start(n, actor),
    "finish": lambda hall, n, actor, body: hall.finish(n, actor),
    "skip": lambda hall, n, actor, body: hall.skip(n, actor, _text(body, "reason")),
    "hold": lambda hall, n, actor, body: hall.hold(n, actor, _text(body, "reason")),
    "resume": lambda hall, n, actor, body: hall.resume(n, field(body, "ticket", str), actor),
    "requeue": lambda hall, n, actor, body: hall.requeue(n, field(body, "ticket", str), actor),
    "transfer": lambda hall, n, actor, body: hall.transfer(
        n, actor, field(body, "reason", str), _text(body, "to_service"), field(body, "to_window", int, required=False)),
    "pause": lambda hall, n, actor, body: hall.pause(n, actor, field(body, "reason", str)),
    "open": lambda hall, n, actor, body: hall.open(n, actor),
}
ACTIONS = tuple(_ACTIONS)


async def _handle_window_action(request: web.Request) -> web.Response:
    number = window_number(request)
    who = require(request, *WINDOW_ROLES, window=number)
    body = await read_json(request, optional=True)
    action, hall = _ACTIONS[request.match_info["action"]], request.app[HALL]
    result, _ = await request.app[WRITER].run(lambda db: action(hall, number, who.actor, body), events=last)
    # The answer is the ticket as API.md defines it, token included (the paper ticket's QR code carries it too);
    # the review rules, not secrecy, keep staff from rating themselves: a staff token cannot submit a review.
    return json_response(result)


async def _handle_get_window(request: web.Request) -> web.Response:
    """The window, its current ticket and how many wait for each service it calls (staff panel, keypad display)."""
    number = window_number(request)
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


async def _handle_login(request: web.Request) -> web.Response:
    """Staff (工号 + password) log in to a window; managers log in without one."""
    body = await read_json(request)
    window = field(body, "window", int, required=False)
    hall = request.app[HALL]
    if window is not None and window not in hall.config.windows:
        raise invalid("window", f"没有 {window} 号窗口")
    token, info = await login(request.app[DB], request.app[WRITER], request.app[CLOCK], field(body, "staff_no", str),
                              field(body, "password", str), window, on_login=hall.set_staff)
    return json_response({"token": token, **info}, status=200)


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
    return json_response({"status": "ok"})


async def _handle_get_staff_photo(request: web.Request) -> web.StreamResponse:
    """A staff member's photo, public like their name and 工号 on the counter tablet (亮证亮照上岗)."""
    path = staff_photo(request.app[DB], request.match_info["staff_no"])
    if path is None:
        raise not_found("没有该工作人员的照片")
    return web.FileResponse(path, headers={"Content-Type": PHOTO_TYPES[path.suffix.lower()],
                                           "Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/staff/{staff_no}/photo", _handle_get_staff_photo)
    app.router.add_post("/api/login", _handle_login)
    app.router.add_post("/api/logout", _handle_logout)
    app.router.add_get("/api/windows/{number}", _handle_get_window)
    app.router.add_post("/api/windows/{number}/{action:" + "|".join(ACTIONS) + "}", _handle_window_action)


def _action_doc(summary: str, body: dict | None = None) -> dict:
    doc = {"summary": summary, "security": [{"bearer": list(WINDOW_ROLES)}],
           "parameters": [{"name": "number", "in": "path", "required": True, "schema": {"type": "integer"}}],
           "responses": {"200": {"description": "the ticket (or window) after the action"},
                         "403": {"description": "not this window's token"}, "409": {"description": "conflict / queue_empty"}}}
    if body:
        doc["requestBody"] = {"content": {"application/json": {"schema": {"type": "object", "properties": body}}}}
    return {"post": doc}


_S = {"type": "string"}
OPENAPI_PATHS = {
    "/api/windows/{number}": {"get": {"summary": "窗口状态 The window and its queues",
                                      "parameters": [{"name": "number", "in": "path", "required": True, "schema": {"type": "integer"}}],
                                      "responses": {"200": {"description": "window view with waiting counts"}}}},
    "/api/windows/{number}/call": _action_doc("叫号 Call next (409 queue_empty)"),
    "/api/windows/{number}/recall": _action_doc("重呼 Call the current ticket again"),
    "/api/windows/{number}/start": _action_doc("开始办理 The citizen is at the counter"),
    "/api/windows/{number}/finish": _action_doc("办结 Finish the current ticket"),
    "/api/windows/{number}/skip": _action_doc("过号 No-show", {"reason": _S}),
    "/api/windows/{number}/hold": _action_doc("挂起 Hold the current ticket", {"reason": _S}),
    "/api/windows/{number}/resume": _action_doc("回呼 Resume a held ticket", {"ticket": _S}),
    "/api/windows/{number}/requeue": _action_doc("过号重排 Re-queue a skipped ticket", {"ticket": _S}),
    "/api/windows/{number}/transfer": _action_doc("转移 Transfer to a service or window",
                                                  {"to_service": _S, "to_window": {"type": "integer"}, "reason": _S}),
    "/api/windows/{number}/pause": _action_doc("暂停 Pause the window", {"reason": _S}),
    "/api/windows/{number}/open": _action_doc("开启 Open the window"),
    "/api/login": {"post": {"summary": "工作人员登录 Staff login (工号 + password, window for counter staff)",
                            "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                                "required": ["staff_no", "password"], "properties": {
                                    "staff_no": {"type": "string"}, "password": {"type": "string"},
                                    "window": {"type": "integer"}}}}}},
                            "responses": {"200": {"description": '{"token","role","window","name"}'},
                                          "401": {"description": "wrong staff number or password"}}}},
    "/api/staff/{staff_no}/photo": {"get": {"summary": "工作人员照片 Staff photo for the counter tablet (set with govhall staff photo)",
                                             "parameters": [{"name": "staff_no", "in": "path", "required": True,
                                                             "schema": {"type": "string"}}],
                                             "responses": {"200": {"description": "JPEG or PNG"},
                                                           "404": {"description": "no photo recorded"}}}},
    "/api/logout": {"post": {"summary": "退出登录 Revoke the presented token", "responses": {"200": {"description": "ok"}}}},
}
