"""A loopback SMS gateway for the tests: a real aiohttp server that records every request and answers what the
test queued (the provider's JSON, an HTTP status, or a plain default)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Gateway:
    """Records requests in ``received``; answers the next of ``answers`` ((status, body, headers)), else
    ``default``."""

    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    default: tuple[int, Any, dict[str, str]] = (200, {"ok": True}, {})
    server: TestServer | None = None

    @property
    def url(self) -> str:
        return str(self.server.make_url("/"))

    def answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.answers.append((status, body, headers or {}))

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append(Received(request.method, request.path_qs, dict(request.headers), await request.read()))
        status, body, headers = self.answers.pop(0) if self.answers else self.default
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        return web.Response(status=status, text=text, headers=headers, content_type="application/json")

    async def start(self) -> Gateway:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
