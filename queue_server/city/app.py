"""The city server's application: a pool of PostgreSQL connections (the schema brought up to date at start), the
token middleware, the declared routes and the OpenAPI document."""
from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg
from aiohttp import web

from queue_server.city import accounts, migrate, routes
from queue_server.city.ingest import refresh_rollups
from queue_server.city.keys import CLOCK, POOL, SETTINGS, CitySettings
from queue_server.core.clock import Clock
from queue_server.web import openapi
from queue_server.web.json_io import error_middleware

log = logging.getLogger(__name__)


async def open_pool(dsn: str, **kwargs) -> asyncpg.Pool:
    """A pool on ``dsn`` with the schema up to date."""
    pool = await asyncpg.create_pool(dsn, init=migrate.json_codec, **kwargs)
    async with pool.acquire() as conn:
        await migrate.migrate(conn)
    return pool


#: how often the stale daily rollups are rebuilt (reports also rebuild them before reading)
ROLLUP_SECONDS = 2.0


async def _refresh_every(pool: asyncpg.Pool, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            async with pool.acquire() as conn:
                await refresh_rollups(conn)
        except (OSError, asyncpg.PostgresError):  # the database restarting: the next round tries again
            log.exception("rebuilding the daily rollups failed")


def create_city_app(settings: CitySettings, *, clock: Clock) -> web.Application:
    """Build the city server (its pool opens when the app starts)."""
    app = web.Application(middlewares=[error_middleware, accounts.authenticating(POOL)],
                          client_max_size=8 * 1024 * 1024)  # a hall's batch of a few thousand records
    app[SETTINGS] = settings
    app[CLOCK] = clock

    async def _pool(app: web.Application):
        app[POOL] = await open_pool(settings.dsn, min_size=2, max_size=10)
        refresher = asyncio.get_running_loop().create_task(_refresh_every(app[POOL], ROLLUP_SECONDS))
        yield
        refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresher
        await app[POOL].close()

    app.cleanup_ctx.append(_pool)
    routes.setup(app)
    openapi.setup(app)
    return app
