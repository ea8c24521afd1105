"""The city server's application: a pool of PostgreSQL connections (the schema brought up to date at start), the
token middleware, the declared routes and the OpenAPI document."""
from __future__ import annotations

import json

import asyncpg
from aiohttp import web

from queue_server.city import accounts, migrate, routes
from queue_server.city.keys import CLOCK, POOL, SETTINGS, CitySettings
from queue_server.core.clock import Clock
from queue_server.web import openapi
from queue_server.web.json_io import error_middleware


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects (the heartbeat, the units' names)
    await conn.set_type_codec("jsonb", encoder=lambda v: json.dumps(v, ensure_ascii=False), decoder=json.loads,
                              schema="pg_catalog")


async def open_pool(dsn: str, **kwargs) -> asyncpg.Pool:
    """A pool on ``dsn`` with the schema up to date."""
    pool = await asyncpg.create_pool(dsn, init=_init_connection, **kwargs)
    async with pool.acquire() as conn:
        await migrate.migrate(conn)
    return pool


def create_city_app(settings: CitySettings, *, clock: Clock) -> web.Application:
    """Build the city server (its pool opens when the app starts)."""
    app = web.Application(middlewares=[error_middleware, accounts.authenticating(POOL)],
                          client_max_size=8 * 1024 * 1024)  # a hall's batch of a few thousand records
    app[SETTINGS] = settings
    app[CLOCK] = clock

    async def _pool(app: web.Application):
        app[POOL] = await open_pool(settings.dsn, min_size=2, max_size=10)
        yield
        await app[POOL].close()

    app.cleanup_ctx.append(_pool)
    routes.setup(app)
    openapi.setup(app)
    return app
