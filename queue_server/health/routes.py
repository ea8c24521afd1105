"""The hall's health: ``GET /api/health`` (server, database and every reported device) and
``POST /api/devices/report``, where the device agent and the kiosks report their devices (and so heartbeat)."""
from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from queue_server import __version__
from queue_server.core.clock import to_iso
from queue_server.core.errors import storage_failure
from queue_server.health import store as device_reports
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.types import Line, Text

log = logging.getLogger(__name__)
#: how long health waits for its write probe before calling the database busy (the writer on an earlier batch)
PROBE_SECONDS = 1.0

REPORTING_ROLES = ("agent", "kiosk", "tablet", "display", "staff")
routes = ApiRoutes()


class DeviceState(BaseModel):
    device: Line(80) = Field(title="设备名称")
    ok: bool = Field(title="是否正常")
    kind: Line(20, min_length=0) | None = Field(None, title="设备类型")
    # an agent's detail is often an OS error with a long path: taken up to 2000 characters, stored cut to 200
    detail: Text(2000, min_length=0) | None = Field(None, title="详情")


def _each_once(devices: list[DeviceState]) -> list[DeviceState]:
    # a source names each of its devices once: the store keeps one row per (source, device)
    seen: set[str] = set()
    for item in devices:
        if item.device in seen:
            raise PydanticCustomError("duplicate_device", f"设备 {item.device} 重复上报")
        seen.add(item.device)
    return devices


class DeviceReport(BaseModel):
    devices: Annotated[list[DeviceState], AfterValidator(_each_once)] = Field(title="设备列表", max_length=500)


@routes.post("/api/devices/report", "设备状态上报（兼作心跳） Device health report", roles=REPORTING_ROLES,
             body=DeviceReport, responses={"200": '{"source", "devices": N}'})
async def _handle_report(request: web.Request, body: DeviceReport) -> web.Response:
    who = require(request, *REPORTING_ROLES)
    devices = [{"device": d.device, "kind": d.kind or None, "ok": d.ok, "detail": (d.detail or "")[:200] or None}
               for d in body.devices]
    # The token's id makes the source unique: kiosks set up alike share a name (every `--role kiosk` token is named
    # "kiosk" by default), and one kiosk's "ok" must not erase another's 缺纸.
    source = f"{who.role}:{who.name}#{who.token_id}" + (f"@{who.window}" if who.window else "")
    at = request.app[CLOCK].now()
    count = await request.app[WRITER].run(lambda db: device_reports.record(db, source, devices, at, who.token_id))
    return json_response({"source": source, "devices": count})


@routes.get("/api/health", "健康检查 Health: server, database, reported devices",
            responses={"200": '{"status","db","version","devices","devices_down","retired_devices"}',
                       "503": 'the database cannot be written: "db": "read_only"/"error" and "message" with the cause'})
async def _handle_health(request: web.Request) -> web.Response:
    """Server, database and every reported device (printer paper, screen links, voice, last heartbeat); the
    devices last reported with a token since revoked or expired are listed apart (``retired_devices``), not as down.

    The database counts as "ok" only if a real write commits, through the writer like every write: a disk gone
    read-only still serves reads, and a health check that only reads would call the hall healthy while no ticket
    can be issued. The answer never waits long on the writer: if it is still committing an earlier batch after
    :data:`PROBE_SECONDS`, the database is "busy" (200: reads and the queue go on; the probe still runs).
    """
    devices: list[dict] = []
    retired: list[dict] = []
    db, now = request.app[DB], request.app[CLOCK].now()
    at = to_iso(now)
    cause = None
    probe = request.app[WRITER].run(
        lambda wdb: wdb.execute("insert or replace into health_probe (id, at) values (1, ?)", [at]))
    try:
        await asyncio.wait_for(asyncio.shield(probe), PROBE_SECONDS)
        db_state = "ok"
    except asyncio.TimeoutError:
        db_state, cause = "busy", "数据库正在保存之前的操作，读取不受影响"
    except Exception as exc:  # a broken database must still produce an answer
        failure = storage_failure(exc)
        db_state = "read_only" if failure is not None and failure.extra.get("cause") == "SQLITE_READONLY" else "error"
        cause = failure.message if failure is not None else "数据库无法访问，请联系管理员"
        log.error("health: database not writable: %s", exc)
    if db_state in ("ok", "busy"):
        devices, retired = device_reports.current(db, now, request.app[CONFIG].hall.tz)
    down = [d for d in devices if not d["ok"]]
    body = {"status": "ok" if db_state == "ok" else "degraded", "db": db_state, "version": __version__,
            "devices": devices, "devices_down": len(down), "retired_devices": retired}
    if cause is not None:
        body["message"] = cause
    return json_response(body, status=200 if db_state in ("ok", "busy") else 503)


def setup(app: web.Application) -> None:
    """Add the health routes."""
    routes.add_to(app)
