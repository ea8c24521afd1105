"""Two halls (two real hall servers on loopback, two SQLite files) ship through their outboxes to the city server
on a real PostgreSQL: the city's figures equal each hall's own ``GET /api/kpis``; the city down for a while and
back, everything sent again, a hall SIGKILLed and restarted — nothing lost, nothing counted twice."""
from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import replace
from datetime import date, timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from queue_server.app import create_app, open_database
from queue_server.core.clock import SystemClock
from queue_server.core.config import DEMO_CONFIG_PATH
from queue_server.keys import OUTBOX, WRITER
from queue_server.outbound import city_capture
from queue_server.outbound.routes import WORKER
from tests.city_support import CityServer, bearer
from tests.conftest import RunningServer, ServerProcess
from tests.review_support import Desk, mon, script_day

DAY = "2026-11-23"
COMPARED = ("tickets", "served", "no_shows", "mean_wait_min", "share_over_20_min", "good_rate", "bad_rate",
            "active_review_rate", "unrated_rate", "on_time_rectification_rate", "rectification_satisfaction_rate")
#: retries a fraction of a second apart (on the hall's clock), so an outage ends in the test's time
FAST = {"first_delay": 0.1, "max_delay": 1}


def _city_section(city: CityServer, code: str, token: str, beat: float) -> dict:
    return {"url": city.url, "hall_code": code, "token": token, "heartbeat_seconds": beat, **FAST}


def _unshipped(hall: RunningServer) -> int:
    dead = hall.db.execute("SELECT last_error FROM outbox WHERE channel = 'city' AND state = 'dead'").fetchall()
    assert not dead, dead
    return hall.db.execute("SELECT count(*) FROM outbox WHERE channel = 'city' AND state = 'pending'").fetchone()[0]


async def _shipped(hall: RunningServer, within: float = 30) -> None:
    """Until the hall's outbox has delivered every city message (its clock moved on for the retries' backoff)."""
    deadline = time.monotonic() + within
    while _unshipped(hall):
        assert time.monotonic() < deadline, "the outbox did not deliver in time"
        hall.clock.advance(1)
        hall.app[WORKER].wake()
        await asyncio.sleep(0.05)


async def _serve(http: aiohttp.ClientSession, hall: RunningServer, n: int) -> list[dict]:
    """``n`` citizens over the hall's API: numbers from the kiosk, window 5 calls each (办结并叫下一位) and
    finishes the last; the tickets as issued (with their tokens)."""
    kiosk, staff = bearer(hall.token("kiosk")), bearer(hall.token("staff", 5))
    issued = []
    for i in range(n):
        async with http.post(f"{hall.url}/api/tickets", json={"service": "company_setup", "request_id": f"r{i}-{id(issued)}"},
                             headers=kiosk) as r:
            assert r.status == 201, await r.text()
            issued.append(await r.json())
    for _ in range(n):
        async with http.post(f"{hall.url}/api/windows/5/call", json={"finish_current": True}, headers=staff) as r:
            assert r.status == 200, await r.text()
    async with http.post(f"{hall.url}/api/windows/5/finish", headers=staff) as r:
        assert r.status == 200, await r.text()
    return issued


@pytest.fixture
async def city_and_halls(tmp_path, hall_config, clock, city_dsn):
    """The city server, then halls A and B configured with ``[city]`` (their outboxes ship to it)."""
    city = await CityServer(city_dsn, clock).start()
    halls, servers = {}, []
    try:
        for code, name in (("ha", "甲县政务服务中心"), ("hb", "乙县政务服务中心")):
            # beats are driven by the test (beat()), the loop's own only at start
            section = _city_section(city, code, city.hall(code, name), 3600)
            config = replace(hall_config, sections={**hall_config.sections, "city": section})
            db = open_database(tmp_path / f"{code}.db")
            app = create_app(config, db=db, clock=clock, open_all_hours=True)
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            servers.append((server, db))
            halls[code] = RunningServer(server, app, db, clock)
        yield city, halls
    finally:
        await city.stop()
        for server, db in servers:
            await server.close()
            db.close()


async def _beat(hall: RunningServer) -> None:
    await hall.app[OUTBOX].channels["city"].channel.beat(hall.app)


async def _kpis(http, city, admin, code, end):
    async with http.get(f"{city.url}/api/city/kpis?from={DAY}&to={end}&hall={code}", headers=bearer(admin)) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def test_the_city_counts_what_each_hall_counts_through_an_outage_and_a_resend(city_and_halls, clock):
    city, halls = city_and_halls
    admin = city.admin()
    hall_a, hall_b = halls["ha"], halls["hb"]
    async with aiohttp.ClientSession() as http:
        # hall B over its API (the writer's batches: the outbox's hook ships them), one review on the phone
        served = await _serve(http, hall_b, 3)
        async with http.post(f"{hall_b.url}/api/reviews", json={"ticket_token": served[0]["token"], "level": "satisfied",
                                                               "reasons": [], "comment": "", "channel": "qr"}) as r:
            assert r.status == 201
        # hall A's scripted Monday (written beside the writer: the heartbeat's drain ships it) and its later days
        await script_day(Desk(hall_a, http))
        end = clock.now().astimezone(mon(0, 0).tzinfo).date().isoformat()
        for hall in halls.values():
            await _beat(hall)
            await _shipped(hall)

        for code, hall in halls.items():
            own = await Desk(hall, http).get(f"/api/kpis?from={DAY}&to={end}")
            theirs = await _kpis(http, city, admin, code, end)
            assert {k: theirs[k] for k in COMPARED} == {k: own[k] for k in COMPARED}, code
            assert own["p90_wait_min"] <= theirs["p90_wait_min"] <= own["p90_wait_min"] + 1

        # the city is down for a while: hall B keeps serving, its messages wait in its outbox, in order
        await city.stop()
        await _serve(http, hall_b, 2)
        for _ in range(5):
            clock.advance(1)
            hall_b.app[WORKER].wake()
            await asyncio.sleep(0.05)
        assert _unshipped(hall_b) > 0
        await city.start()  # the same port, the same database
        await _shipped(hall_b)

        # everything again (a hall re-joining), and the delivered messages once more, as when the hall died
        # before it noted their delivery: counted once
        await hall_b.app[WRITER].run(city_capture.everything)
        await _beat(hall_b)
        await _shipped(hall_b)
        await hall_b.app[WRITER].run(lambda db: db.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = created_at WHERE channel = 'city'"))
        hall_b.app[WORKER].wake()
        await _shipped(hall_b)

        own = await Desk(hall_b, http).get(f"/api/kpis?from={DAY}&to={end}")
        theirs = await _kpis(http, city, admin, "hb", end)
        assert {k: theirs[k] for k in COMPARED} == {k: own[k] for k in COMPARED}
        assert (own["tickets"], own["served"]) == (5, 5)
        async with http.get(f"{city.url}/api/city/halls?date={DAY}", headers=bearer(admin)) as r:
            listed = {h["code"]: (h["tickets"], h["served"]) for h in await r.json()}
        assert listed == {"ha": (6, 5), "hb": (3, 3)}  # hall B's last two came on a later day
        board = await (await http.get(f"{city.url}/api/city/board", headers=bearer(admin))).json()
        assert [(b["code"], b["waiting"], b["stale"]) for b in board] == [("ha", 0, False), ("hb", 0, False)]


async def test_a_hall_killed_and_restarted_while_the_city_is_down_loses_nothing(city_dsn, tmp_path):
    """GIVEN a hall server (a real ``govhall serve`` process) shipping to the city WHEN the city goes down, the
    hall serves on, is SIGKILLed, restarts and serves again, then the city comes back THEN the city has every
    ticket once and the hall's own KPIs."""
    city = await CityServer(city_dsn, SystemClock()).start()
    admin = city.admin()
    config = tmp_path / "hall.toml"
    section = _city_section(city, "xa", city.hall("xa", "西岸县政务服务中心"), 1)
    config.write_text(DEMO_CONFIG_PATH.read_text("utf-8") + "\n[city]\n" + "".join(
        f"{k} = {v!r}\n".replace("'", '"') for k, v in section.items()), "utf-8")
    hall = ServerProcess(tmp_path / "hall.db", config=config)
    hall.start()
    try:
        # no kept-alive connections: the servers behind them die and come back on the same ports
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            proc_hall = _Remote(hall)
            await _serve(http, proc_hall, 3)
            await _until(http, city, admin, 3)
            await city.stop()
            await _serve(http, proc_hall, 2)
            hall.stop(kill=True)  # SIGKILL: no clean shutdown
            with sqlite3.connect(tmp_path / "hall.db") as db:
                waiting = db.execute("SELECT count(*) FROM outbox WHERE channel = 'city' AND state = 'pending'")
                assert waiting.fetchone()[0] > 0  # what the city has not got yet is in the dead hall's outbox
            hall.start()
            await _serve(http, proc_hall, 2)
            await asyncio.sleep(1.5)  # a few failed attempts against the stopped city
            await city.start()
            await _until(http, city, admin, 7)
            span = _around_today()
            async with http.get(f"{hall.url}/api/kpis?{span}", headers=bearer(hall.token("admin"))) as r:
                own = await r.json()
            async with http.get(f"{city.url}/api/city/kpis?{span}&hall=xa", headers=bearer(admin)) as r:
                theirs = await r.json()
            assert {k: theirs[k] for k in COMPARED} == {k: own[k] for k in COMPARED}
            assert (own["tickets"], own["served"]) == (7, 7)
    finally:
        hall.stop()
        await city.stop()


def _around_today() -> str:
    """The days around today (the real clock's business day, whatever the hour the test runs at)."""
    today = date.today()
    return f"from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=1)).isoformat()}"


class _Remote:
    """A hall server process seen as the ``_serve`` helper sees a hall: its address and its tokens."""

    def __init__(self, process: ServerProcess) -> None:
        self.process = process

    @property
    def url(self) -> str:
        return self.process.url

    def token(self, role: str, window: int | None = None) -> str:
        return self.process.token(role, window)


async def _until(http, city, admin, tickets: int, within: float = 60) -> None:
    """Until the city counts ``tickets`` for the hall, all served."""
    deadline = time.monotonic() + within
    while True:
        async with http.get(f"{city.url}/api/city/kpis?hall=xa&{_around_today()}", headers=bearer(admin)) as r:
            got = await r.json()
        if (got.get("tickets"), got.get("served")) == (tickets, tickets):
            return
        assert time.monotonic() < deadline, got
        await asyncio.sleep(0.2)


class _CountingProxy:
    """Between a hall and the city: forwards each ``POST /api/city/records`` and notes its seqs and the city's
    answer; answers 503 itself while ``down`` (the city unreachable)."""

    def __init__(self, city: CityServer) -> None:
        self.city, self.down = city, False
        #: per request the city answered 200: (the seqs sent, the city's answer)
        self.delivered: list[tuple[list[int], dict]] = []

    async def _records(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.down:
            return web.Response(status=503, text="down")
        async with self.http.post(f"{self.city.url}/api/city/records", json=body,
                                            headers={"Authorization": request.headers["Authorization"]}) as r:
            answer = await r.json()
            if r.status == 200:
                self.delivered.append(([record["seq"] for record in body["records"]], answer))
            return web.json_response(answer, status=r.status)

    async def start(self) -> _CountingProxy:
        app = web.Application()
        app.router.add_post("/api/city/records", self._records)
        self.http = aiohttp.ClientSession()
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        self.url = f"http://127.0.0.1:{self.server.port}"
        return self

    async def close(self) -> None:
        await self.server.close()
        await self.http.close()


async def test_a_backlog_reaches_the_city_in_batches_in_order_and_counted_once(city_dsn, tmp_path, hall_config,
                                                                              clock):
    """The city unreachable while a hall serves 120 citizens: the hundreds of records waiting in its outbox reach
    the city in batches of ``[city] batch_size`` (far fewer requests than records), in sequence order, each counted
    once, and the city's figures equal the hall's."""
    city = await CityServer(city_dsn, clock).start()
    proxy = await _CountingProxy(city).start()
    proxy.down = True
    section = {**_city_section(city, "ha", city.hall("ha", "甲县政务服务中心"), 3600), "url": proxy.url}
    db = open_database(tmp_path / "ha.db")
    app = create_app(replace(hall_config, sections={**hall_config.sections, "city": section}), db=db, clock=clock,
                     open_all_hours=True)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    hall = RunningServer(server, app, db, clock)
    try:
        async with aiohttp.ClientSession() as http:
            await _serve(http, hall, 120)
            await _beat(hall)
            backlog = _unshipped(hall)
            assert backlog >= 300
            proxy.down = False
            await _shipped(hall)

            seqs = [seq for sent, _ in proxy.delivered for seq in sent]
            shipped = [row[0] for row in db.execute("SELECT seq FROM outbox WHERE channel = 'city' ORDER BY seq")]
            assert seqs == shipped  # every message, each once, in order
            assert len(proxy.delivered) <= backlog // 100 + 2  # batches of 100, not one request a record
            assert sum(answer["accepted"] for _, answer in proxy.delivered) == len(shipped)
            assert sum(answer["duplicates"] for _, answer in proxy.delivered) == 0

            end = clock.now().astimezone(mon(0, 0).tzinfo).date().isoformat()
            own = await Desk(hall, http).get(f"/api/kpis?from={DAY}&to={end}")
            theirs = await _kpis(http, city, city.admin(), "ha", end)
            assert {k: theirs[k] for k in COMPARED} == {k: own[k] for k in COMPARED}
            assert theirs["tickets"] == 120
    finally:
        await server.close()
        db.close()
        await proxy.close()
        await city.stop()
