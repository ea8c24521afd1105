"""The composition root: the list of the hall's areas, the application factory, and opening the database.

Every area is a package of ``queue_server`` with a ``routes.py`` (``setup(app)``, adding its declared routes) and, where
it keeps tables, a ``schema.py`` (a sqlite-utils ``migrations`` set). This module is the one place that knows them
all; the areas never import it, nor each other's routes.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from aiohttp import web
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from queue_server.core.clock import Clock
from queue_server.core.config import HallConfig
from queue_server.core.db import connect, database_file
from queue_server.core.events import EventBus
from queue_server.core.writer import Writer
from queue_server.keys import BUS, CLOCK, CONFIG, DB, HALL, OPEN_ALL_HOURS, WRITER
from queue_server.queue.hall import Hall
from queue_server.web import openapi, security
from queue_server.web.auth import TOKEN_CACHE
from queue_server.web.json_io import error_middleware
from queue_server.web.token_cache import TokenCache
from queue_server.web.ws import HUB, WebSocketHub

#: the hall's areas, in the order their tables are migrated and their routes registered (the queue core first: the
#: others refer to its tickets and windows; outbound after every area with a batch hook, so its own hook sees
#: their events)
AREAS = ["queue", "guides", "reviews", "phones", "tidal", "health", "practices", "cases", "tasks", "training",
         "consult", "surveys", "booking", "bulletin", "outbound", "admin"]

#: areas that keep tables of their own (each has ``schema.py``)
_AREAS_WITH_TABLES = ["queue", "guides", "reviews", "phones", "tidal", "health", "practices", "cases", "tasks",
                      "training", "consult", "surveys", "outbound", "booking"]


def route_modules() -> list[str]:
    """Every area's route module, in registration order."""
    return [f"queue_server.{area}.routes" for area in AREAS]


def migration_sets() -> list[Migrations]:
    """Every area's migration set, the queue core's first."""
    return [importlib.import_module(f"queue_server.{area}.schema").migrations for area in _AREAS_WITH_TABLES]


def open_database(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the hall database with durable settings and apply every pending migration.

    :param path: the SQLite file; its folder is created if missing.
    :param migrate: apply migrations (only a backup tool would say no).
    """
    db = connect(path)
    if migrate:
        for migrations in migration_sets():
            migrations.apply(db)
    return db


def create_app(config: HallConfig, *, db: Database, clock: Clock, open_all_hours: bool = False) -> web.Application:
    """Build the queue server.

    :param config: the validated hall configuration.
    :param db: an open, migrated database file (see :func:`open_database`). On the event loop it is the read
        connection; the app's :class:`~queue_server.core.writer.Writer` opens its own connection to the same file
        for every write (started and stopped with the app).
    :param clock: the clock every rule reads.
    :param open_all_hours: issue tickets outside business hours (drills, demos, tests).
    """
    app = web.Application(middlewares=[error_middleware], client_max_size=1024 * 1024)
    hall = Hall(config, db, clock)

    bus = EventBus()
    path = database_file(db)
    if path is None:
        raise ValueError("the queue server needs a database file: its writer thread opens its own connection")
    writer = Writer(path, bus.publish_all)
    # the WebSocket route rolls the day over (through the writer) first; 工号 only for clients with a token
    hub = WebSocketHub(lambda staff_numbers: hall.snapshot(staff_numbers=staff_numbers))
    bus.subscribe(hub.on_event)
    app[CONFIG] = config
    app[DB] = db
    app[CLOCK] = clock
    app[BUS] = bus
    app[HUB] = hub
    app[HALL] = hall
    app[WRITER] = writer
    app[TOKEN_CACHE] = TokenCache()

    async def _run_writer(app: web.Application):
        # registered before any area's: the areas' start-up work may write, and their clean-up runs first
        writer.start()
        yield
        await writer.stop()

    app.cleanup_ctx.append(_run_writer)
    app[OPEN_ALL_HOURS] = open_all_hours
    security.install(app, config, clock)
    modules = route_modules()
    for name in modules:
        importlib.import_module(name).setup(app)
    openapi.setup(app)  # last: the document is built from every route declared above

    async def _close_sockets(app: web.Application) -> None:
        await hub.close_all()

    app.on_shutdown.append(_close_sockets)
    return app
