"""Typed application state shared by the areas' routes (``app[KEY]``). The WebSocket hub's key, ``HUB``, lives with
the hub in :mod:`queue_server.web.ws`, which itself reads the callers' tokens through these keys."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlite_utils import Database

if TYPE_CHECKING:
    from queue_server.core.clock import Clock
    from queue_server.core.config import HallConfig
    from queue_server.core.events import EventBus
    from queue_server.core.writer import Writer
    from queue_server.queue.hall import Hall

CONFIG: web.AppKey["HallConfig"] = web.AppKey("config")
DB: web.AppKey[Database] = web.AppKey("db")
CLOCK: web.AppKey["Clock"] = web.AppKey("clock")
BUS: web.AppKey["EventBus"] = web.AppKey("bus")
HALL: web.AppKey["Hall"] = web.AppKey("hall")
OPEN_ALL_HOURS: web.AppKey[bool] = web.AppKey("open_all_hours")
#: the one writer: every write of a request is ``await app[WRITER].run(fn)`` (see :mod:`queue_server.core.writer`)
WRITER: web.AppKey["Writer"] = web.AppKey("writer")
#: the outbox (see :mod:`queue_server.outbound`): inside a write operation, ``app[OUTBOX].enqueue(db, channel, kind,
#: payload)`` stores a message in the operation's own transaction; it stores nothing (returns ``None``) when the hall
#: file leaves that channel off. Absent only in apps built without the outbound area.
OUTBOX: web.AppKey[Any] = web.AppKey("outbox")
