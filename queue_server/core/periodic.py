"""Work an area does on its own while the server runs: a timer that runs a job every so often.

The job is an ordinary coroutine the tests call directly after moving the hall's clock; here it only gets a loop
that lives and dies with the app (``cleanup_ctx``), so no area writes its own start/cancel/await dance. A failing run
is logged and the next one tries again: a housekeeping bug must never stop the hall.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)


def run_periodically(app: web.Application, name: str, seconds: float,
                     job: Callable[[web.Application], Awaitable[object]]) -> None:
    """Run ``job(app)`` at start-up and then every ``seconds`` while ``app`` runs.

    :param name: what the job is, for the log when a run fails (e.g. ``"booking jobs"``).
    """

    async def loop() -> None:
        while True:
            try:
                await job(app)
            except Exception:  # noqa: BLE001 - logged; the next run tries again
                log.exception("%s failed", name)
            await asyncio.sleep(seconds)

    async def _lifetime(app: web.Application):
        task = asyncio.create_task(loop(), name=name)
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(_lifetime)
