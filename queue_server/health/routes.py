"""The hall's health: ``GET /api/health`` (server, database and every reported device) and
``POST /api/devices/report``, where the device agent and the kiosks report their devices (and so heartbeat)."""
from __future__ import annotations

from aiohttp import web

from queue_server import __version__
from queue_server.core.errors import invalid
from queue_server.health import store as device_reports
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.web.auth import require
from queue_server.web.json_io import field, json_response, read_json

REPORTING_ROLES = ("agent", "kiosk", "tablet", "display", "staff")


async def _handle_report(request: web.Request) -> web.Response:
    who = require(request, *REPORTING_ROLES)
    body = await read_json(request)
    items = field(body, "devices", list)
    devices = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("device"), str) or not isinstance(item.get("ok"), bool):
            raise invalid(f"devices[{i}]", "应为 {\"device\": 名称, \"ok\": true/false, \"kind\"?, \"detail\"?}")
        detail = item.get("detail")
        devices.append({"device": item["device"][:80], "kind": str(item.get("kind") or "")[:20] or None,
                        "ok": item["ok"], "detail": str(detail)[:200] if detail else None})
    source = f"{who.role}:{who.name}" + (f"@{who.window}" if who.window else "")
    at = request.app[CLOCK].now()
    count = await request.app[WRITER].run(lambda db: device_reports.record(db, source, devices, at))
    return json_response({"source": source, "devices": count})


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


def setup(app: web.Application) -> None:
    """Add the health routes."""
    app.router.add_get("/api/health", _handle_health)
    app.router.add_post("/api/devices/report", _handle_report)


OPENAPI_PATHS = {
    "/api/health": {"get": {"summary": "健康检查 Health: server, database, reported devices",
                            "responses": {"200": {"description": '{"status","db","version","devices","devices_down"}'}}}},
    "/api/devices/report": {"post": {
        "summary": "设备状态上报（兼作心跳） Device health report", "security": [{"bearer": list(REPORTING_ROLES)}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["devices"],
            "properties": {"devices": {"type": "array", "items": {"type": "object", "properties": {
                "device": {"type": "string"}, "kind": {"type": "string"}, "ok": {"type": "boolean"},
                "detail": {"type": "string"}}}}}}}}},
        "responses": {"200": {"description": '{"source", "devices": N}'}},
    }},
}
