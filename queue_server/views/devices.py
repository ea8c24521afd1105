"""``POST /api/devices/report``: the device agent and the kiosks report their devices' health (and so heartbeat);
``GET /api/health`` shows it."""
from __future__ import annotations

from aiohttp import web

from .. import device_reports
from ..auth import require
from ..errors import field, invalid, read_json
from ..keys import CLOCK, DB
from .common import json_response

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
    count = device_reports.record(request.app[DB], source, devices, request.app[CLOCK].now())
    return json_response({"source": source, "devices": count})


def setup(app: web.Application) -> None:
    app.router.add_post("/api/devices/report", _handle_report)


OPENAPI_PATHS = {
    "/api/devices/report": {"post": {
        "summary": "设备状态上报（兼作心跳） Device health report", "security": [{"bearer": list(REPORTING_ROLES)}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["devices"],
            "properties": {"devices": {"type": "array", "items": {"type": "object", "properties": {
                "device": {"type": "string"}, "kind": {"type": "string"}, "ok": {"type": "boolean"},
                "detail": {"type": "string"}}}}}}}}},
        "responses": {"200": {"description": '{"source", "devices": N}'}},
    }},
}
