"""A thin HTTP client for tests: JSON in and out, status kept, tokens per role."""
from __future__ import annotations

from typing import Any

import aiohttp


class Api:
    """Calls the server at ``url`` with a bearer token."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str | None = None) -> None:
        self.session = session
        self.url = url
        self.token = token

    def as_(self, token: str | None) -> "Api":
        return Api(self.session, self.url, token)

    async def request(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        kwargs: dict[str, Any] = {"headers": headers}
        if raw is not None:
            kwargs["data"] = raw
            headers["Content-Type"] = "application/json"
        elif body is not None:
            kwargs["json"] = body
        async with self.session.request(method, self.url + path, **kwargs) as response:
            try:
                data = await response.json(content_type=None)
            except ValueError:
                data = await response.text()
            return response.status, data

    async def get(self, path: str) -> tuple[int, Any]:
        return await self.request("GET", path)

    async def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return await self.request("POST", path, body, **kw)
