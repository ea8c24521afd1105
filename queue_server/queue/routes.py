"""The queue area's routes: the hall snapshot and its WebSocket feed here; tickets and appointments, windows and the
citizen's status page, the operation log in their own modules, registered by :func:`setup`."""
from __future__ import annotations

from aiohttp import web

from queue_server.keys import HALL
from queue_server.queue import oplog_routes, status_page, ticket_routes, window_routes
from queue_server.web.auth import principal
from queue_server.web.json_io import json_response
from queue_server.web.ws import HUB


async def _handle_hall(request: web.Request) -> web.Response:
    request.app[HALL].roll_day()
    # 工号 only for the hall's own devices and people (any valid token), never for an anonymous caller
    return json_response(request.app[HALL].snapshot(staff_numbers=principal(request) is not None))


async def _handle_ws(request: web.Request) -> web.StreamResponse:
    return await request.app[HUB].handle(request)


def setup(app: web.Application) -> None:
    """Add the queue's routes."""
    app.router.add_get("/api/hall", _handle_hall)
    app.router.add_get("/api/ws", _handle_ws)
    for module in (ticket_routes, window_routes, status_page, oplog_routes):
        module.setup(app)


OPENAPI_PATHS = {
    "/api/hall": {"get": {"summary": "大厅快照 Hall snapshot",
                          "responses": {"200": {"description": "services, windows, recent_calls"}}}},
    "/api/ws": {"get": {"summary": "WebSocket: ?topics=hall,window:3; snapshot then ordered events with seq",
                        "responses": {"101": {"description": "switching protocols"}}}},
    **ticket_routes.OPENAPI_PATHS,
    **window_routes.OPENAPI_PATHS,
    **status_page.OPENAPI_PATHS,
    **oplog_routes.OPENAPI_PATHS,
}
