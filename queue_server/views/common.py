"""Small helpers shared by the route modules."""
from __future__ import annotations

import json

from aiohttp import web

from ..errors import not_found
from ..events import Event
from ..keys import BUS


def json_response(data: object, status: int = 200) -> web.Response:
    """JSON with Chinese left readable."""
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def publish(request: web.Request, events: list[Event]) -> None:
    """Hand committed events to the bus (the WebSocket hub, the tidal runner, the device agent's feed)."""
    request.app[BUS].publish_all(events)


def window_number(request: web.Request) -> int:
    """The ``{number}`` path part as a window number, or 404."""
    text = request.match_info["number"]
    if not text.isdigit():
        raise not_found(f"没有 {text} 号窗口")
    return int(text)
