"""The application factory: config, database, clock and bus in; a ready aiohttp application out."""
from __future__ import annotations

import importlib

from aiohttp import web
from sqlite_utils import Database

from . import openapi
from .clock import Clock
from .config import HallConfig
from .errors import error_middleware
from .events import EventBus
from .hall import Hall
from .keys import BUS, CLOCK, CONFIG, DB, HALL, HUB, OPEN_ALL_HOURS
from .ws import WebSocketHub

#: route modules, each with ``setup(app)`` and ``OPENAPI_PATHS``
VIEW_MODULES = [
    "queue_server.views.hall",
    "queue_server.views.tickets",
    "queue_server.views.windows",
    "queue_server.views.status_page",
    "queue_server.views.guides",
    "queue_server.views.reviews",
    "queue_server.views.admin",
    "queue_server.views.tidal",
    "queue_server.views.devices",
]


def create_app(config: HallConfig, *, db: Database, clock: Clock, open_all_hours: bool = False) -> web.Application:
    """Build the queue server.

    :param config: the validated hall configuration.
    :param db: an open, migrated database (see :func:`queue_server.db.open_database`).
    :param clock: the clock every rule reads.
    :param open_all_hours: issue tickets outside business hours (drills, demos, tests).
    """
    app = web.Application(middlewares=[error_middleware], client_max_size=1024 * 1024)
    bus = EventBus()
    hub = WebSocketHub()
    bus.subscribe(hub.on_event)
    app[CONFIG] = config
    app[DB] = db
    app[CLOCK] = clock
    app[BUS] = bus
    app[HUB] = hub
    app[HALL] = Hall(config, db, clock)
    app[OPEN_ALL_HOURS] = open_all_hours
    for name in VIEW_MODULES:
        importlib.import_module(name).setup(app)
    openapi.setup(app, VIEW_MODULES)

    async def _close_sockets(app: web.Application) -> None:
        await hub.close_all()

    app.on_shutdown.append(_close_sockets)
    return app
