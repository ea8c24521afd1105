"""A real HTTP receiver on loopback standing in for a webhook consumer, an SMS gateway or the province: it records
every request (headers and raw body) and answers what the test sets; it can be stopped and started on its port."""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field, replace

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from queue_server.app import create_app, open_database
from tests.apiclient import Api
from tests.conftest import RunningServer, free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """``await receiver.start()``; ``receiver.status`` and ``body`` are the answer (``fail_times`` answers ``fail_status`` first);
    ``receiver.requests`` everything received, in order (failed attempts included)."""

    port: int = field(default_factory=free_port)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    #: the answer's body (an SMS gateway's JSON, say)
    body: str = "ok"
    fail_times: int = 0
    fail_status: int = 500
    requests: list[Received] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(Received(request.path, dict(request.headers), await request.read()))
        if self.fail_times > 0:
            self.fail_times -= 1
            return web.Response(status=self.fail_status, text="down for now")
        return web.Response(status=self.status, headers=self.headers, text=self.body)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def until(condition, what: str, seconds: float = 15.0) -> None:
    """Wait for ``condition()`` to hold (checked every 20 ms); fail naming ``what`` after a generous deadline."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


@contextlib.asynccontextmanager
async def hall_with(hall_config, db_path, clock, outbound: dict):
    """The real server with ``[outbound]`` set to ``outbound`` (open all hours), and ``server.api`` an admin client."""
    db = open_database(db_path)
    config = replace(hall_config, sections={**hall_config.sections, "outbound": outbound})
    app = create_app(config, db=db, clock=clock, open_all_hours=True)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    server = RunningServer(test_server, app, db, clock)
    try:
        async with aiohttp.ClientSession() as http:
            server.api = Api(http, server.url, server.token("admin"))
            yield server
    finally:
        await test_server.close()
        db.close()
