"""Two halls (two real hall servers on loopback, two SQLite files) ship to the city server on a real PostgreSQL:
the city's figures equal each hall's own ``GET /api/kpis``; the city down for a while loses nothing; a record sent
again is counted once.

The outbox that will carry these messages is built on another branch; until it is merged, ``Pump`` stands in for
its delivery worker with the outbox's contract (a sequence per stored message, strictly in order, the next only
after the previous was delivered, retried until delivered). Everything else is the real channel and the real halls.
"""
from __future__ import annotations

from datetime import datetime

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from queue_server.app import create_app, open_database
from queue_server.core.writer import Writer
from queue_server.keys import WRITER
from queue_server.outbound import city_capture
from queue_server.outbound.channel import Message
from queue_server.outbound.city import CityChannel, build
from tests.city_support import CityServer, bearer
from tests.conftest import RunningServer
from tests.review_support import Desk, mon, script_day

DAY = "2026-11-23"
COMPARED = ("tickets", "served", "no_shows", "mean_wait_min", "share_over_20_min", "good_rate", "bad_rate",
            "active_review_rate", "unrated_rate", "on_time_rectification_rate", "rectification_satisfaction_rate")


class Pump:
    """The outbox's delivery of one ordered channel, as its contract states it (see the module docstring)."""

    def __init__(self, channel: CityChannel, writer: Writer) -> None:
        self.channel, self.writer = channel, writer
        self.pending: list[Message] = []
        self.seq = 0

    async def collect(self, now: datetime) -> None:
        """What the writer's batch would store: the drained records and a heartbeat."""
        for kind, payload in await self.writer.run(lambda db: self.channel.heartbeat_operation(db, now, DAY)):
            self.seq += 1
            self.pending.append(Message(f"m{self.seq}", "city", kind, payload, now, 1, self.seq))

    async def deliver(self, http: aiohttp.ClientSession) -> int:
        """Deliver in order until one fails; how many were delivered."""
        sent = 0
        while self.pending:
            outcome = await self.channel.deliver(self.pending[0], http)
            assert not outcome.permanent, outcome.error
            if not outcome.delivered:
                break
            self.pending.pop(0)
            sent += 1
        return sent


@pytest.fixture
async def halls(server, tmp_path, hall_config, clock, city_dsn):
    """Hall A (the ``server`` fixture) and hall B (a second server, its own file), both shipping to one city."""
    db_b = open_database(tmp_path / "hall-b.db")
    app_b = create_app(hall_config, db=db_b, clock=clock, open_all_hours=True)
    test_b = TestServer(app_b, host="127.0.0.1")
    await test_b.start_server()
    city = await CityServer(city_dsn, clock).start()
    try:
        pumps = {}
        for code, hall in (("ha", server), ("hb", RunningServer(test_b, app_b, db_b, clock))):
            token = city.hall(code, {"ha": "甲县政务服务中心", "hb": "乙县政务服务中心"}[code])
            channel = build({"url": city.url, "hall_code": code, "token": token}, hall_config,
                            tmp_path / ("hall.db" if code == "ha" else "hall-b.db"))
            pumps[code] = (hall, Pump(channel, hall.app[WRITER]))
        yield city, pumps
    finally:
        await city.stop()
        await test_b.close()
        db_b.close()


async def _city_kpis(http, city, admin, code, end):
    async with http.get(f"{city.url}/api/city/kpis?from={DAY}&to={end}&hall={code}", headers=bearer(admin)) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def test_the_city_counts_what_each_hall_counts_through_an_outage_and_a_resend(halls, clock):
    city, pumps = halls
    admin = city.admin()
    (hall_a, pump_a), (hall_b, pump_b) = pumps["ha"], pumps["hb"]
    async with aiohttp.ClientSession() as http:
        desk_b = Desk(hall_b, http)  # Monday 9:00 at hall B: three served at once, one left waiting
        served = [desk_b.serve(2) for _ in range(3)]
        desk_b.issue("company_setup")
        assert (await desk_b.review(served[0]["token"], "satisfied"))[0] == 201
        # hall A's scripted Monday, and its cases worked on later days
        await script_day(Desk(hall_a, http))
        end = clock.now().astimezone(mon(0, 0).tzinfo).date().isoformat()
        for _, pump in pumps.values():
            await pump.collect(clock.now())
            assert await pump.deliver(http) == pump.seq

        for code, (hall, _) in pumps.items():
            own = await Desk(hall, http).get(f"/api/kpis?from={DAY}&to={end}")
            theirs = await _city_kpis(http, city, admin, code, end)
            assert {k: theirs[k] for k in COMPARED} == {k: own[k] for k in COMPARED}, code
            assert own["p90_wait_min"] <= theirs["p90_wait_min"] <= own["p90_wait_min"] + 1

        # the city is down for a while: hall B keeps serving, its messages wait in order
        await city.stop()
        late = desk_b.serve(2)
        assert (await desk_b.review(late["token"], "very_dissatisfied", reasons=["服务态度不好"]))[0] == 201
        await pump_b.collect(clock.now())
        assert await pump_b.deliver(http) == 0 and pump_b.pending
        await city.start()  # the same port, the same database
        assert await pump_b.deliver(http) > 0 and not pump_b.pending

        # the hall sends everything again (a replayed outbox, a re-joined hall): nothing is counted twice
        await hall_b.app[WRITER].run(city_capture.everything)
        await pump_b.collect(clock.now())
        again = list(pump_b.pending)
        await pump_b.deliver(http)
        pump_b.pending = again  # and the same messages once more, as after a lost answer
        await pump_b.deliver(http)

        own = await Desk(hall_b, http).get(f"/api/kpis?from={DAY}&to={end}")
        theirs = await _city_kpis(http, city, admin, "hb", end)
        assert {k: theirs[k] for k in COMPARED} == {k: own[k] for k in COMPARED}
        assert (own["tickets"], own["served"], own["bad_rate"]) == (5, 4, 0.5)

        async with http.get(f"{city.url}/api/city/halls?date={DAY}", headers=bearer(admin)) as r:
            listed = {h["code"]: h for h in await r.json()}
        assert (listed["ha"]["tickets"], listed["hb"]["tickets"], listed["hb"]["waiting"]) == (6, 4, 0)  # expired at the day's end
        total = await (await http.get(f"{city.url}/api/city/kpis?from={DAY}&to={end}", headers=bearer(admin))).json()
        assert total["tickets"] == 6 + 5
        board = await (await http.get(f"{city.url}/api/city/board", headers=bearer(admin))).json()
        assert [(b["code"], b["waiting"], b["stale"]) for b in board] == [("ha", 0, False), ("hb", 0, False)]
