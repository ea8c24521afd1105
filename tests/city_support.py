"""Helpers of the city tests: the city server in this process on a real port over a test database, and records
as a hall's outbox would send them."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestServer

from queue_server.city.app import create_city_app
from queue_server.city.keys import CitySettings
from queue_server.core.clock import Clock
from tests.conftest import ROOT


def govhall(*args: str) -> str:
    """``python -m queue_server …``; its output's last line (the token the city commands print)."""
    out = subprocess.run([sys.executable, "-m", "queue_server", *args], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return out.strip().splitlines()[-1]


class CityServer:
    """The city server on 127.0.0.1 (a real port), stoppable and restartable on the same port."""

    def __init__(self, dsn: str, clock: Clock, port: int = 0) -> None:
        self.dsn, self.clock, self.port = dsn, clock, port
        self.server: TestServer | None = None

    async def start(self) -> CityServer:
        app = create_city_app(CitySettings(dsn=self.dsn, name="某某市", stale_after=timedelta(minutes=3)),
                              clock=self.clock)
        self.server = TestServer(app, host="127.0.0.1", port=self.port)
        await self.server.start_server()
        self.port = self.server.port
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()
            self.server = None

    def hall(self, code: str, name: str) -> str:
        return govhall("city", "hall", "add", "--dsn", self.dsn, "--code", code, "--name", name)

    def admin(self) -> str:
        return govhall("city", "token", "create", "--dsn", self.dsn, "--role", "admin")


def ticket(seq: int, tid: int, at: datetime, status: str = "waiting", *, wait: float | None = None,
           department: str = "gov", **extra: Any) -> dict[str, Any]:
    """A ``ticket`` record of ticket ``tid`` issued at ``at``."""
    data = {"id": tid, "business_day": at.date().isoformat(), "number": f"A{tid:03d}", "service": "A",
            "department": department, "status": status, "issued_at": at.isoformat(), "wait_min": wait, **extra}
    if wait is not None:
        data["called_at"] = (at + timedelta(minutes=wait)).isoformat()
    return {"seq": seq, "kind": "ticket", "data": data}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
