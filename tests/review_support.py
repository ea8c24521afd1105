"""Helpers for the reviews area's tests: serve tickets through the real Hall, post reviews over real HTTP."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp

from queue_server.auth import add_staff
from queue_server.clock import SystemClock


class Desk:
    """Drives one test hall: tickets through the Hall's own operations, reviews through the HTTP API."""

    def __init__(self, server: Any, http: aiohttp.ClientSession) -> None:
        self.server = server
        self.http = http
        self.hall = server.hall
        self._seq = 0
        self._admin: dict[str, str] | None = None

    def at(self, local: datetime) -> None:
        """Move the fake clock to a hall-local instant."""
        self.server.clock.set(local)

    def issue(self, service: str = "bdc_transfer") -> dict:
        self._seq += 1
        ticket, _, _ = self.hall.issue_ticket(service, f"test-{self._seq}", None, "kiosk:test")
        return ticket

    def call(self, window: int, staff_no: str = "1001") -> dict:
        ticket, _ = self.hall.call_next(window, f"staff:{staff_no}")
        return ticket

    def finish(self, window: int, staff_no: str = "1001") -> dict:
        ticket, _ = self.hall.finish(window, f"staff:{staff_no}")
        return ticket

    def skip(self, window: int, staff_no: str = "1001") -> dict:
        ticket, _ = self.hall.skip(window, f"staff:{staff_no}", "未到场")
        return ticket

    def serve(self, window: int = 1, service: str = "bdc_transfer") -> dict:
        """Issue, call and finish one ticket; returns the ticket row (with its token)."""
        self.issue(service)
        self.call(window)
        return self.finish(window)

    def admin(self) -> dict[str, str]:
        if self._admin is None:
            self._admin = self.server.auth("admin")
        return self._admin

    def add_staff(self, staff_no: str, name: str) -> None:
        add_staff(self.server.db, SystemClock(), staff_no, name, "staff", "secret123")

    async def review(self, token: str | None, level: str = "very_satisfied", *, channel: str = "qr",
                     reasons: list[str] | None = None, headers: dict[str, str] | None = None,
                     **extra: Any) -> tuple[int, dict]:
        body: dict[str, Any] = {"level": level, "reasons": reasons or [], "comment": "", "channel": channel, **extra}
        if token is not None:
            body["ticket_token"] = token
        async with self.http.post(f"{self.server.url}/api/reviews", json=body, headers=headers or {}) as r:
            return r.status, await r.json()

    async def get(self, path: str) -> Any:
        async with self.http.get(f"{self.server.url}{path}", headers=self.admin()) as r:
            assert r.status == 200, (path, r.status, await r.text())
            return await r.json()

    async def post(self, path: str, body: dict) -> tuple[int, dict]:
        async with self.http.post(f"{self.server.url}{path}", json=body, headers=self.admin()) as r:
            return r.status, await r.json()
