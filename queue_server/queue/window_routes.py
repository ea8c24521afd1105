"""Routes a counter uses: staff log in to a window (and out), then call, recall, skip, finish, hold, resume, transfer,
pause, open (API.md), plus start, re-queue and the window's own view for the staff panel and keypads."""
from __future__ import annotations

from aiohttp import web

from queue_server.core.clock import from_iso, to_iso
from queue_server.core.db import write_transaction
from queue_server.core.errors import ApiError, invalid, not_found, unauthorized
from queue_server.keys import CLOCK, DB, HALL
from queue_server.queue.hall_view import staff_ticket
from queue_server.queue.http import publish, window_number
from queue_server.web.auth import (PHOTO_TYPES, ROLES, hash_token, login, presented_token, principal, require,
                                   staff_photo)
from queue_server.web.json_io import field, json_response, read_json
from queue_server.web.security import GUARDS

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
    action = request.match_info["action"]
    if action == "call" and field(body, "finish_current", bool, required=False):
        result, events, called = request.app[HALL].finish_and_call(number, who.actor, _text(body, "expect"))
        publish(request, events)  # the finish stands even when nobody waits for the call
        if not called:
            raise ApiError(409, "queue_empty", f"已办结 {result['number']}，当前没有等候的号码")
        return json_response(result)
    result, events = _ACTIONS[action](request.app[HALL], number, who.actor, body)
    publish(request, events)
    # Staff-facing answers never carry the citizen's token or links (API.md): holding them, a counter could rate
    # its own service on the public review route. Window views have no such keys; tickets lose them here.
    return json_response(staff_ticket(result))


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
    # the panel's queue list and the current ticket's tag (a 绿色通道 citizen at the counter shows as one)
    view["queue"], view["current_ticket"] = hall.window_queue(number)
    view["staffed"] = hall.staffed().get(number)
    return json_response(view)


async def _handle_login(request: web.Request) -> web.Response:
    """Staff (工号 + password) log in to a window; managers log in without one.

    Wrong guesses are limited per 工号 and per address (429 with the wait); the password check runs off the event
    loop, so guessing neither stalls the hall nor tells real 工号 from unknown ones by how long it takes.
    """
    body = await read_json(request)
    window = field(body, "window", int, required=False)
    staff_no, password = field(body, "staff_no", str), field(body, "password", str)
    hall, guards = request.app[HALL], request.app[GUARDS]
    if window is not None and window not in hall.config.windows:
        raise invalid("window", f"没有 {window} 号窗口")
    pairs = ((guards.login_staff, staff_no[:64]), (guards.login_address, request.remote or "-"))
    guards.check("登录", *pairs)
    try:
        token, info = await login(request.app[DB], request.app[CLOCK], staff_no, password, window,
                                  guards.settings.staff_session_hours)
    except ApiError as exc:
        if exc.status == 401:
            for guard, key in pairs:
                guard.fail(key)
        raise
    guards.login_staff.clear(pairs[0][1])
    if info["role"] == "staff":
        hall.set_staff(window, info["staff_no"], info["name"])
    info["expires_at"] = from_iso(info["expires_at"]).astimezone(hall.config.hall.tz).isoformat(timespec="seconds")
    return json_response({"token": token, **info}, status=200)


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


async def _handle_get_staff_photo(request: web.Request) -> web.StreamResponse:
    """A staff member's photo by 工号, for callers with a token (the staff panel, admin pages): an open route keyed by
    工号 would tell anyone which 工号 exist."""
    require(request, *ROLES)
    return _photo(staff_photo(request.app[DB], request.match_info["staff_no"]))


async def _handle_get_window_photo(request: web.Request) -> web.StreamResponse:
    """The photo of whoever is on duty at a window, public like the face at the counter (亮证亮照上岗)."""
    number = window_number(request)
    if number not in request.app[HALL].config.windows:
        raise not_found(f"没有 {number} 号窗口")
    row = request.app[DB].execute("select staff_no from windows where number = ?", [number]).fetchone()
    return _photo(staff_photo(request.app[DB], row[0]) if row and row[0] else None)


def _photo(path) -> web.StreamResponse:
    if path is None:
        raise not_found("没有该工作人员的照片")
    return web.FileResponse(path, headers={"Content-Type": PHOTO_TYPES[path.suffix.lower()],
                                           "Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/staff/{staff_no}/photo", _handle_get_staff_photo)
    app.router.add_post("/api/login", _handle_login)
    app.router.add_post("/api/logout", _handle_logout)
    app.router.add_get("/api/windows/{number}", _handle_get_window)
    app.router.add_get("/api/windows/{number}/staff-photo", _handle_get_window_photo)
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
    "/api/windows/{number}/call": _action_doc(
        "叫号 Call next (409 queue_empty); finish_current finishes the current ticket and calls the next in one "
        "transaction (expect is the current number the clerk saw, so a double press cannot finish the next citizen)",
        {"finish_current": {"type": "boolean"}, "expect": _S}),
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
                            "responses": {"200": {"description": '{"token","role","window","name","staff_no","expires_at"}'},
                                          "401": {"description": "wrong staff number or password"},
                                          "429": {"description": "too many wrong guesses for this 工号 or address; retry_after seconds"}}}},
    "/api/staff/{staff_no}/photo": {"get": {"summary": "工作人员照片 Staff photo for the counter tablet (set with govhall staff photo)",
                                             "parameters": [{"name": "staff_no", "in": "path", "required": True,
                                                             "schema": {"type": "string"}}],
                                             "responses": {"200": {"description": "JPEG or PNG"},
                                                           "404": {"description": "no photo recorded"}}}},
    "/api/windows/{number}/staff-photo": {"get": {"summary": "窗口在岗人员照片 Photo of the staff member on duty (counter tablet)",
                                                   "parameters": [{"name": "number", "in": "path", "required": True,
                                                                   "schema": {"type": "integer"}}],
                                                   "responses": {"200": {"description": "JPEG or PNG"},
                                                                 "404": {"description": "nobody on duty, or no photo"}}}},
    "/api/logout": {"post": {"summary": "退出登录 Revoke the presented token", "responses": {"200": {"description": "ok"}}}},
}
