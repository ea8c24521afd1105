"""Fixtures for the kiosk app tests: one real server per test module, tokens minted directly, screenshot folder.

Starting ``govhall serve`` and ``govhall token create`` as processes costs seconds each; the kiosk tests share one
server per module and write tokens and staff accounts straight into its database with the same functions the CLI
uses (tokens made so work at once, API.md). Tests that stop the server use the function-scoped
``server_process`` instead.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from queue_server.booking import slots
from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from tests.conftest import ServerProcess


class KioskServer:
    """A running ``govhall serve`` plus direct access to its database for credentials."""

    def __init__(self, proc: ServerProcess) -> None:
        self.proc = proc
        self.url = proc.url

    def _db(self) -> Any:
        from queue_server.app import open_database

        return open_database(self.proc.db_path)

    def token(self, role: str, window: int | None = None) -> str:
        """A new bearer token for ``role`` (and window)."""
        from queue_server.core.clock import SystemClock
        from queue_server.web.auth import create_token

        db = self._db()
        try:
            return create_token(db, SystemClock(), role, window)
        finally:
            db.close()

    def add_staff(self, staff_no: str, name: str, password: str, role: str = "staff",
                  photo: Path | None = None) -> None:
        """A staff account (工号) as ``govhall staff add [--photo]`` makes it."""
        from queue_server.core.clock import SystemClock
        from queue_server.web.auth import add_staff, set_staff_photo

        db = self._db()
        try:
            add_staff(db, SystemClock(), staff_no, name, role, password)
            if photo is not None:
                set_staff_photo(db, staff_no, photo)
        finally:
            db.close()

    def get(self, path: str, token: str | None = None) -> Any:
        """GET ``path`` → JSON."""
        request = urllib.request.Request(self.url + path, headers=_auth(token))
        with urllib.request.urlopen(request, timeout=5) as resp:
            return json.loads(resp.read())

    def post(self, path: str, body: Any, token: str | None = None) -> tuple[int, Any]:
        """POST JSON → (status, JSON)."""
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json", **_auth(token)})
        try:
            with urllib.request.urlopen(request, timeout=5) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def waiting(self, service: str) -> int:
        """How many wait for ``service`` now."""
        return next(s["waiting"] for s in self.get("/api/hall")["services"] if s["code"] == service)


def slot_now(hall: dict[str, Any]) -> str:
    """The 30-minute booking slot an all-hours server takes now, from ``GET /api/hall``'s ``hall``: the one running,
    or from 23:30 (the last evening slot over) the coming night's 00:00-00:30, whose check-in is early."""
    slot = slots.first_slot_not_ended(slots.ALL_HOURS, 30, hall["business_day"],
                                      datetime.fromisoformat(hall["now"]), load_config(DEMO_CONFIG_PATH).hall)
    assert slot is not None
    return slot


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture(scope="module")
def kiosk_server(tmp_path_factory: pytest.TempPathFactory):
    """A real ``govhall serve`` (open all hours) shared by one test module."""
    proc = ServerProcess(tmp_path_factory.mktemp("hall") / "hall.db")
    proc.start()
    try:
        yield KioskServer(proc)
    finally:
        proc.stop()


@pytest.fixture
def shots(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """Where this test's screenshots go (under $GOVHALL_SHOTS/<test> when set, for a person to look at)."""
    keep = os.environ.get("GOVHALL_SHOTS")
    return Path(keep) / request.node.name if keep else tmp_path / "shots"
