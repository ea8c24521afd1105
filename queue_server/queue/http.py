"""What the queue's routes (and the tidal routes acting on windows) share: the window in the path, and handing
committed events on."""
from __future__ import annotations

from aiohttp import web

from queue_server.core.errors import not_found
from queue_server.core.events import Event
from queue_server.keys import BUS, HALL, WRITER


def publish(request: web.Request, events: list[Event]) -> None:
    """Hand committed events to the bus (the WebSocket hub, the tidal runner, the device agent's feed)."""
    request.app[BUS].publish_all(events)


async def roll_day(app: web.Application) -> None:
    """At a new business day, have the writer expire yesterday's tickets before a read shows them as waiting."""
    hall = app[HALL]
    if hall.needs_roll():
        await app[WRITER].run(lambda db: hall.roll_day())


def window_number(request: web.Request) -> int:
    """The ``{number}`` path part as a window number, or 404."""
    text = request.match_info["number"]
    if not text.isdigit():
        raise not_found(f"没有 {text} 号窗口")
    return int(text)
