"""The hall's health: ``GET /api/health`` (server, database and every reported device) and
``POST /api/devices/report``, where the device agent and the kiosks report their devices (and so heartbeat)."""
from __future__ import annotations

import logging

from aiohttp import web

from queue_server import __version__
from queue_server.core.clock import to_iso
from queue_server.core.db import write_transaction
from queue_server.core.errors import invalid, storage_failure
from queue_server.health import store as device_reports
from queue_server.keys import CLOCK, CONFIG, DB
from queue_server.web.auth import require
from queue_server.web.json_io import field, json_response, read_json

log = logging.getLogger(__name__)

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
    # The token's id makes the source unique: kiosks set up alike share a name (every `--role kiosk` token is named
    # "kiosk" by default), and one kiosk's "ok" must not erase another's 缺纸.
    source = f"{who.role}:{who.name}#{who.token_id}" + (f"@{who.window}" if who.window else "")
    count = device_reports.record(request.app[DB], source, devices, request.app[CLOCK].now())
    return json_response({"source": source, "devices": count})


async def _handle_health(request: web.Request) -> web.Response:
    """Server, database and every reported device (printer paper, screen links, voice, last heartbeat).

    The database counts as "ok" only if a real write commits: a disk gone read-only still serves reads, and a
    health check that only reads would call the hall healthy while no ticket can be issued.
    """
    devices: list[dict] = []
    db, now = request.app[DB], request.app[CLOCK].now()
    cause = None
    try:
        with write_transaction(db):
            db.execute("insert or replace into health_probe (id, at) values (1, ?)", [to_iso(now)])
        db_state = "ok"
        devices = device_reports.current(db, now, request.app[CONFIG].hall.tz)
    except Exception as exc:  # a broken database must still produce an answer
        failure = storage_failure(exc)
        db_state = "read_only" if failure is not None and failure.extra.get("cause") == "SQLITE_READONLY" else "error"
        cause = failure.message if failure is not None else "数据库无法访问，请联系管理员"
        log.error("health: database not writable: %s", exc)
    down = [d for d in devices if not d["ok"]]
    body = {"status": "ok" if db_state == "ok" else "degraded", "db": db_state, "version": __version__,
            "devices": devices, "devices_down": len(down)}
    if cause is not None:
        body["message"] = cause
    return json_response(body, status=200 if db_state == "ok" else 503)


def setup(app: web.Application) -> None:
    """Add the health routes."""
    app.router.add_get("/api/health", _handle_health)
    app.router.add_post("/api/devices/report", _handle_report)


OPENAPI_PATHS = {
    "/api/health": {"get": {"summary": "健康检查 Health: server, database, reported devices",
                            "responses": {"200": {"description": '{"status","db","version","devices","devices_down"}'},
                                          "503": {"description": 'the database cannot be written: "db": "read_only"/"error" and "message" with the cause'}}}},
    "/api/devices/report": {"post": {
        "summary": "设备状态上报（兼作心跳） Device health report", "security": [{"bearer": list(REPORTING_ROLES)}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["devices"],
            "properties": {"devices": {"type": "array", "items": {"type": "object", "properties": {
                "device": {"type": "string"}, "kind": {"type": "string"}, "ok": {"type": "boolean"},
                "detail": {"type": "string"}}}}}}}}},
        "responses": {"200": {"description": '{"source", "devices": N}'}},
    }},
}
