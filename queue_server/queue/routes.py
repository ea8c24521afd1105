"""The queue area's routes: the hall snapshot and its WebSocket feed here; tickets and appointments, windows and the
citizen's status page, the operation log in their own modules, registered by :func:`setup`."""
from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.keys import HALL
from queue_server.queue import oplog_routes, status_page, ticket_routes, window_routes
from queue_server.queue.http import roll_day
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import principal
from queue_server.web.json_io import json_response
from queue_server.web.types import Line, Token
from queue_server.web.ws import HUB

routes = ApiRoutes()


class WsQuery(BaseModel):
    topics: Line(500) | None = Field(None, title="订阅主题", examples=["hall,window:3"],
                                     pattern=r"^ *(hall|admin|window:[0-9]{1,4}) *(, *(hall|admin|window:[0-9]{1,4}) *)*$")
    token: Token | None = Field(None, title="访问令牌")


@routes.get("/api/hall", "大厅快照 Hall snapshot", responses={"200": "services, windows, recent_calls"})
async def _handle_hall(request: web.Request) -> web.Response:
    await roll_day(request.app)
    # 工号 only for the hall's own devices and people (any valid token), never for an anonymous caller
    return json_response(request.app[HALL].snapshot(staff_numbers=principal(request) is not None))


@routes.get("/api/ws", "WebSocket: ?topics=hall,window:3; snapshot then ordered events with seq", query=WsQuery,
            responses={"101": "switching protocols", "400": "not a WebSocket request"})
async def _handle_ws(request: web.Request, query: WsQuery) -> web.StreamResponse:
    await roll_day(request.app)  # the snapshot a new client starts from is today's
    return await request.app[HUB].handle(request)


def setup(app: web.Application) -> None:
    """Add the queue's routes."""
    routes.add_to(app)
    for module in (ticket_routes, window_routes, status_page, oplog_routes):
        module.setup(app)
