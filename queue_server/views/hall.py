"""Routes anyone may read: health, the hall snapshot, the WebSocket, and staff login."""
from __future__ import annotations

from aiohttp import web

from .. import __version__, device_reports
from ..auth import PHOTO_TYPES, hash_token, login, presented_token, principal, staff_photo
from ..clock import to_iso
from ..db import write_transaction
from ..errors import field, invalid, not_found, read_json, unauthorized
from ..keys import CLOCK, CONFIG, DB, HALL, HUB
from .common import json_response


async def _handle_health(request: web.Request) -> web.Response:
    """Server, database and every reported device (printer paper, screen links, voice, last heartbeat)."""
    devices: list[dict] = []
    try:
        request.app[DB].execute("select 1").fetchone()
        db_state = "ok"
        devices = device_reports.current(request.app[DB], request.app[CLOCK].now(), request.app[CONFIG].hall.tz)
    except Exception:  # a broken database must still produce an answer
        db_state = "error"
    down = [d for d in devices if not d["ok"]]
    return json_response({"status": "ok" if db_state == "ok" else "degraded", "db": db_state, "version": __version__,
                          "devices": devices, "devices_down": len(down)},
                         status=200 if db_state == "ok" else 503)


async def _handle_hall(request: web.Request) -> web.Response:
    request.app[HALL].roll_day()
    return json_response(request.app[HALL].snapshot())


async def _handle_ws(request: web.Request) -> web.StreamResponse:
    return await request.app[HUB].handle(request)


async def _handle_login(request: web.Request) -> web.Response:
    """Staff (工号 + password) log in to a window; managers log in without one."""
    body = await read_json(request)
    window = field(body, "window", int, required=False)
    hall = request.app[HALL]
    if window is not None and window not in hall.config.windows:
        raise invalid("window", f"没有 {window} 号窗口")
    token, info = login(request.app[DB], request.app[CLOCK], field(body, "staff_no", str), field(body, "password", str), window)
    if info["role"] == "staff":
        hall.set_staff(window, info["staff_no"], info["name"])
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
    """A staff member's photo, public like their name and 工号 on the counter tablet (亮证亮照上岗)."""
    path = staff_photo(request.app[DB], request.match_info["staff_no"])
    if path is None:
        raise not_found("没有该工作人员的照片")
    return web.FileResponse(path, headers={"Content-Type": PHOTO_TYPES[path.suffix.lower()],
                                           "Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/health", _handle_health)
    app.router.add_get("/api/hall", _handle_hall)
    app.router.add_get("/api/ws", _handle_ws)
    app.router.add_post("/api/login", _handle_login)
    app.router.add_post("/api/logout", _handle_logout)
    app.router.add_get("/api/staff/{staff_no}/photo", _handle_get_staff_photo)


OPENAPI_PATHS = {
    "/api/health": {"get": {"summary": "健康检查 Health: server, database, reported devices",
                            "responses": {"200": {"description": '{"status","db","version","devices","devices_down"}'}}}},
    "/api/hall": {"get": {"summary": "大厅快照 Hall snapshot",
                          "responses": {"200": {"description": "services, windows, recent_calls"}}}},
    "/api/ws": {"get": {"summary": "WebSocket: ?topics=hall,window:3; snapshot then ordered events with seq",
                        "responses": {"101": {"description": "switching protocols"}}}},
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
