"""Test-wide set-up: Kivy must be told it has no screen before anything imports it."""
from __future__ import annotations

import os
import shutil

from kiosk.common.headless import without_screen  # noqa: E402 - before anything imports Kivy

without_screen(os.environ)

import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestServer

from queue_server.app import create_app, open_database
from queue_server.core.clock import FakeClock, SystemClock
from queue_server.core.config import DEMO_CONFIG_PATH, HallConfig, load_config
from queue_server.keys import WRITER
from queue_server.web.auth import create_token

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: a working Monday morning in the hall
MONDAY_9AM = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_9AM)


@pytest.fixture(scope="session")
def hall_config() -> HallConfig:
    return load_config(DEMO_CONFIG_PATH)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "hall.db"


class RunningServer:
    """The real app on a loopback port, with handles a test needs."""

    def __init__(self, server: TestServer, app, db, clock) -> None:
        self._server = server
        self.app = app
        self.db = db
        self.clock = clock
        from queue_server.keys import HALL

        self.hall = app[HALL]
        self.url = str(server.make_url("")).rstrip("/")

    def token(self, role: str, window: int | None = None) -> str:
        return create_token(self.db, SystemClock(), role, window, name=f"test-{role}")

    def sign_in(self, *windows: int) -> dict[int, str]:
        """Staff signed in at ``windows`` as ``POST /api/login`` leaves them (a session bound to the window and the
        window's sign-in row): the tide opens only windows where someone works. Their tokens, by window."""
        tokens = {}
        for window in windows:
            staff_no = f"9{window:03d}"
            tokens[window] = create_token(self.db, SystemClock(), "staff", window, name=f"值班{window}",
                                          staff_no=staff_no)
            self.hall.set_staff(window, staff_no, f"值班{window}")
        return tokens

    def auth(self, role: str, window: int | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, window)}"}


@pytest.fixture
async def server(request, hall_config: HallConfig, db_path: Path, clock: FakeClock):
    """The queue server in this process on 127.0.0.1 (a real TCP port), with the fake clock and a real SQLite file.

    Mark a test ``@pytest.mark.open_all_hours`` to let it take numbers at any hour.
    """
    db = open_database(db_path)
    open_all_hours = request.node.get_closest_marker("open_all_hours") is not None
    app = create_app(hall_config, db=db, clock=clock, open_all_hours=open_all_hours)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    try:
        yield RunningServer(test_server, app, db, clock)
    finally:
        hold = app[WRITER]._hold  # a test that held the writer and failed must not leave it held: stop would wait
        if hold:
            Path(hold).unlink(missing_ok=True)
        await test_server.close()
        db.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``python -m queue_server serve`` as a child process on a free port."""

    def __init__(self, db_path: Path, config: Path = DEMO_CONFIG_PATH, extra: list[str] | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.db_path = db_path
        self.env = {**os.environ, **(env or {})}
        self.config = config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra = extra or ["--open-all-hours"]
        self.proc: subprocess.Popen | None = None

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "queue_server", *args]

    def start(self) -> None:
        self.log_path = self.db_path.with_suffix(".log")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.command("serve", "--config", str(self.config), "--db", str(self.db_path), "--port", str(self.port), *self.extra),
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=self.env,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start in 30 s")

    def stop(self, kill: bool = False) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            self.proc.wait(timeout=15)

    def restart(self) -> None:
        self.stop()
        self.start()

    def token(self, role: str, window: int | None = None) -> str:
        args = ["token", "create", "--config", str(self.config), "--db", str(self.db_path), "--role", role]
        if window is not None:
            args += ["--window", str(window)]
        out = subprocess.run(self.command(*args), cwd=ROOT, capture_output=True, text=True, check=True).stdout
        return out.strip().splitlines()[-1]


@pytest.fixture
def server_process(tmp_path: Path):
    """A real ``govhall serve`` subprocess (open all hours) with its own SQLite file."""
    proc = ServerProcess(tmp_path / "hall.db")
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def desk(server):
    """A reviews desk (:class:`tests.review_support.Desk`) on the in-process server."""
    import aiohttp

    from tests.review_support import Desk

    async with aiohttp.ClientSession() as http:
        yield Desk(server, http)


@pytest.fixture
async def day(desk):
    """The desk after a scripted Monday of tickets, reviews, cases and complaints
    (:func:`tests.review_support.script_day`)."""
    from tests.review_support import script_day

    await script_day(desk)
    return desk


#: headless Chromium from Debian (the `run` script installs it); flags that keep it quiet and fast in CI
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture
async def browser():
    """Headless Chromium through Playwright, for the admin and phone pages."""
    playwright = pytest.importorskip("playwright.async_api")
    async with playwright.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for the session (:mod:`tests.postgres`). Skipped only where PostgreSQL is not
    installed on a developer's machine; in CI (``CI`` set, where ``run`` installs it) its absence fails."""
    from tests.postgres import Cluster, pg_bin

    bin_dir = pg_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed (Debian package postgresql; ./run installs it)")
        pytest.skip("PostgreSQL is not installed here (Debian: apt-get install postgresql); the city tests need it")
    cluster = Cluster(bin_dir)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def city_dsn(postgres, request) -> str:
    """A fresh database for one test in the session's PostgreSQL cluster."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50] + f"_{free_port()}"
    return postgres.create_database(name)


@pytest.fixture
async def city(city_dsn):
    """The city server on a fresh database, its clock at Monday 9:00 (:class:`tests.city_support.CityServer`)."""
    from tests.city_support import CityServer

    server = await CityServer(city_dsn, FakeClock(MONDAY_9AM)).start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def receiver():
    """A recording HTTP receiver on loopback (:class:`tests.receiver.Receiver`), started."""
    from tests.receiver import Receiver

    r = Receiver()
    await r.start()
    try:
        yield r
    finally:
        await r.stop()
