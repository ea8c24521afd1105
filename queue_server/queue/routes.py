"""The queue area's routes: the hall snapshot and its WebSocket feed here; tickets and appointments, windows and the
citizen's status page in their own modules, registered by :func:`setup`."""
from __future__ import annotations

from aiohttp import web

from queue_server.keys import HALL
from queue_server.queue import status_page, ticket_routes, window_routes
from queue_server.queue.http import roll_day
from queue_server.web.json_io import json_response
from queue_server.web.ws import HUB


async def _handle_hall(request: web.Request) -> web.Response:
    await roll_day(request.app)
    return json_response(request.app[HALL].snapshot())


async def _handle_ws(request: web.Request) -> web.StreamResponse:
    await roll_day(request.app)  # the snapshot a new client starts from is today's
    return await request.app[HUB].handle(request)


def setup(app: web.Application) -> None:
    """Add the queue's routes."""
    app.router.add_get("/api/hall", _handle_hall)
    app.router.add_get("/api/ws", _handle_ws)
    for module in (ticket_routes, window_routes, status_page):
        module.setup(app)


OPENAPI_PATHS = {
    "/api/hall": {"get": {"summary": "大厅快照 Hall snapshot",
                          "responses": {"200": {"description": "services, windows, recent_calls"}}}},
    "/api/ws": {"get": {"summary": "WebSocket: ?topics=hall,window:3; snapshot then ordered events with seq",
                        "responses": {"101": {"description": "switching protocols"}}}},
    **ticket_routes.OPENAPI_PATHS,
    **window_routes.OPENAPI_PATHS,
    **status_page.OPENAPI_PATHS,
}
