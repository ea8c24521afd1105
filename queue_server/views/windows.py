"""Routes a counter uses: call, recall, skip, finish, hold, resume, transfer, pause, open (API.md), plus start,
re-queue and the window's own view for the staff panel and keypads."""
from __future__ import annotations

from aiohttp import web

from ..auth import require
from ..errors import field, invalid, not_found, read_json
from ..keys import HALL
from .common import json_response, publish, window_number

#: roles that may act on a window: its own staff, managers, and the device agent relaying a hardware keypad
WINDOW_ROLES = ("staff", "admin", "agent")


async def _handle_window_action(request: web.Request) -> web.Response:
    number = window_number(request)
    who = require(request, *WINDOW_ROLES, window=number)
    action = request.match_info["action"]
    hall = request.app[HALL]
    body = await read_json(request, optional=True)
    actor = who.actor
    if action == "call":
        result, events = hall.call_next(number, actor)
    elif action == "recall":
        result, events = hall.recall(number, actor)
    elif action == "start":
        result, events = hall.start(number, actor)
    elif action == "finish":
        result, events = hall.finish(number, actor)
    elif action == "skip":
        result, events = hall.skip(number, actor, field(body, "reason", str, required=False))
    elif action == "hold":
        result, events = hall.hold(number, actor, field(body, "reason", str, required=False))
    elif action == "resume":
        result, events = hall.resume(number, field(body, "ticket", str), actor)
    elif action == "requeue":
        result, events = hall.requeue(number, field(body, "ticket", str), actor)
    elif action == "transfer":
        to_window = field(body, "to_window", int, required=False)
        result, events = hall.transfer(number, actor, field(body, "reason", str),
                                       field(body, "to_service", str, required=False), to_window)
    elif action == "pause":
        result, events = hall.pause(number, actor, field(body, "reason", str))
    elif action == "open":
        result, events = hall.open(number, actor)
    else:
        raise invalid("action", f"未知的窗口操作 {action!r}")
    publish(request, events)
    return json_response(_staff_view(result))


def _staff_view(result: dict) -> dict:
    """What the counter sees: never the ticket's token, which would let staff submit the citizen's review."""
    return {k: v for k, v in result.items() if k not in ("token", "status_url", "review_url")}


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
    return json_response(view)


ACTIONS = ("call", "recall", "start", "finish", "skip", "hold", "resume", "requeue", "transfer", "pause", "open")


def setup(app: web.Application) -> None:
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
}
