"""What the queue's routes (and the tidal routes acting on windows) share: the window in the path, and handing
committed events on."""
from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.core.events import Event
from queue_server.keys import BUS, HALL, WRITER
from queue_server.web.api import validate
from queue_server.web.types import WindowNumber


class WindowPath(BaseModel):
    """The ``{number}`` part of a window's routes (whether the hall has that window is the route's question: 404)."""

    number: WindowNumber = Field(title="窗口号")


def publish(request: web.Request, events: list[Event]) -> None:
    """Hand committed events to the bus (the WebSocket hub, the tidal runner, the device agent's feed)."""
    request.app[BUS].publish_all(events)


async def roll_day(app: web.Application) -> None:
    """At a new business day, have the writer expire yesterday's tickets before a read shows them as waiting."""
    hall = app[HALL]
    if hall.needs_roll():
        await app[WRITER].run(lambda db: hall.roll_day())


def window_number(request: web.Request) -> int:
    """The ``{number}`` path part as a window number, or 404 (for routes not yet declared with :class:`WindowPath`)."""
    return validate(WindowPath, {"number": request.match_info["number"]}, status=404, code="not_found").number
