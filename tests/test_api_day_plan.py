"""The day's support plan (每日兼办) on the live server: made once per business day when the server starts or the
day turns, stored, logged, announced as ``tidal.planned``, shown in ``GET /api/tidal`` and the window objects, and
followed when windows call. The plan equals the simulator's for the same hall and day."""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from queue_server.app import create_app, open_database
from queue_server.core.clock import FakeClock, SystemClock
from queue_server.core.config import HallConfig
from queue_server.core.errors import ApiError
from queue_server.core.events import Event
from queue_server.keys import BUS, HALL
from queue_server.simulation.model import DayPlan, expected_arrivals
from queue_server.simulation.runner import class_order_of, sessions_of, windows_for
from queue_server.simulation.schedule import day_plan_moves
from queue_server.tidal.runner import TIDAL
from queue_server.tidal.settings import simulation_profile, tidal_settings
from queue_server.web.auth import create_token
from tests.apiclient import Api
from tests.halls import with_tidal

_ids = itertools.count()
MONDAY = date(2026, 11, 23)


class Running:
    """One start of the server on a SQLite file: its app, an HTTP client, and every event its bus published."""

    def __init__(self, app, db, url: str, session: aiohttp.ClientSession, events: list[Event]) -> None:
        self.app, self.db, self.url, self.session, self.events = app, db, url, session, events
        self.api = Api(session, url)

    def as_(self, role: str, window: int | None = None) -> Api:
        return self.api.as_(create_token(self.db, SystemClock(), role, window, name=f"test-{role}"))

    def sign_in_everywhere(self) -> None:
        """Every counter's clerk signs in (the tide only asks windows where someone works)."""
        hall = self.app[HALL]
        for window in hall.config.windows:
            create_token(self.db, SystemClock(), "staff", window, name="值班", staff_no=f"9{window:03d}")
            hall.set_staff(window, f"9{window:03d}", "值班")

    def planned_events(self) -> list[Event]:
        return [e for e in self.events if e.name == "tidal.planned"]

    def hall_windows_planned(self) -> dict[int, str]:
        return dict(self.db.execute("select number, plan_service from windows where plan_service is not null"))


@contextlib.asynccontextmanager
async def running(config: HallConfig, db_path: Path, clock: FakeClock) -> AsyncIterator[Running]:
    """Start the real app on a loopback port over ``db_path``; the bus is watched from before start-up."""
    db = open_database(db_path)
    app = create_app(config, db=db, clock=clock)
    events: list[Event] = []
    app[BUS].subscribe(events.append)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            yield Running(app, db, str(server.make_url("")).rstrip("/"), session, events)
    finally:
        await server.close()
        db.close()


def simulator_plan(config: HallConfig, day: date) -> dict[int, str]:
    """The plan the hall simulator applies at the start of ``day`` (its ``tidal`` policy with ``day_plan``)."""
    sessions = sessions_of(config)
    profile = simulation_profile(config)
    plan = DayPlan(day, [], windows_for(config, "tidal", sessions, profile.break_min, profile.break_spans), sessions,
                   {code: float(s.minutes) for code, s in config.services.items()}, class_order_of(config))
    history = expected_arrivals(day, sessions, plan.mean_min, profile)
    return {m.window: m.service for m in day_plan_moves(plan, history)}


async def take(api: Api, service: str) -> dict:
    status, ticket = await api.post("/api/tickets", {"service": service, "request_id": f"dp-{next(_ids)}"})
    assert status == 201, ticket
    return ticket


def plan_of(tidal: dict) -> dict[int, str]:
    return {p["window"]: p["service"] for p in tidal["day_plan"]}


async def test_the_server_plans_the_day_at_start_up_as_the_simulator_does(hall_config, db_path, clock):
    """GIVEN the demo hall (day_plan = true) WHEN the server starts on a Monday THEN the day's plan is made: every
    planned window is a regular window trained for its service, the plan is the simulator's for that day, it is
    listed by GET /api/tidal, shown on the window objects and logged with its expected work; WHEN the day turns
    (a month-start Tuesday a week later) THEN a fresh plan, again the simulator's, reaches the window's panel."""
    assert tidal_settings(hall_config).day_plan
    async with running(hall_config, db_path, clock) as hall:
        runner = hall.app[TIDAL]
        admin = hall.as_("admin")
        status, tidal = await admin.get("/api/tidal")
        assert status == 200
        plan = plan_of(tidal)
        assert plan and plan == simulator_plan(hall_config, MONDAY)
        for window, service in plan.items():
            assert not hall_config.windows[window].standby
            assert service in runner.trained[window] and service not in hall_config.windows[window].services
        assert all(p["service_name"] == hall_config.services[p["service"]].name for p in tidal["day_plan"])

        _, snapshot = await hall.api.get("/api/hall")
        for w in snapshot["windows"]:
            assert w["plan_service"] == plan.get(w["number"])
            if w["number"] in plan:
                assert w["services"] == [*hall_config.windows[w["number"]].services, plan[w["number"]]]
                assert w["plan_service_name"] == hall_config.services[plan[w["number"]]].name
        status, nine = await hall.as_("staff", 9).get("/api/windows/9")
        assert status == 200 and nine["plan_service"] == plan[9] and plan[9] in nine["waiting"]

        _, log = await admin.get("/api/tidal/log")
        entries = [e for e in log["entries"] if e["action"] == "plan"]
        assert {e["window"]: e["service"] for e in entries} == plan
        assert all(e["actor"] == "tidal-policy" and e["reason"].startswith("每日兼办：今日预计") for e in entries)
        work = {e["service"]: e["data"]["work_min"] for e in entries}
        assert all(v > 0 and f"约 {round(v)} 分钟" in next(e["reason"] for e in entries if e["service"] == s)
                   for s, v in work.items())
        assert {e.data["window"] for e in hall.planned_events()} == set(plan)

        # a week later: Tuesday 1 December, a month start (its surges change the expected work)
        tuesday = simulator_plan(hall_config, MONDAY + timedelta(days=8))
        async with hall.session.ws_connect(
                f"{hall.url}/api/ws?topics=window:9&token={create_token(hall.db, SystemClock(), 'staff', 9)}") as ws:
            first = json.loads((await ws.receive()).data)
            assert first["event"] == "snapshot"
            nine = next(w for w in first["data"]["windows"] if w["number"] == 9)
            assert nine["plan_service"] == plan[9] and nine["services"][-1] == plan[9]
            clock.advance(8 * 24 * 3600)
            status, _ = await admin.post("/api/tidal/run")
            assert status == 200
            while True:
                message = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
                if message["event"] == "tidal.planned":
                    break
        assert message["data"] == {"window": 9, "service": tuesday[9],
                                   "service_name": hall_config.services[tuesday[9]].name,
                                   "reason": message["data"]["reason"]}
        assert "本窗口兼办" in message["data"]["reason"]
        _, tidal = await admin.get("/api/tidal")
        assert plan_of(tidal) == tuesday
        _, log = await admin.get("/api/tidal/log?date=2026-12-01")
        assert {e["window"]: e["service"] for e in log["entries"] if e["action"] == "plan"} == tuesday
        _, log = await admin.get("/api/tidal/log?date=2026-11-23")
        assert {e["window"]: e["service"] for e in log["entries"] if e["action"] == "plan"} == plan  # kept


async def test_a_planned_window_calls_a_ticket_of_its_planned_service(server):
    """GIVEN window 9 (社保待遇: pension, enrolment) planned for another service and only that service's ticket
    waiting WHEN its staff call THEN they get that ticket; a window not planned for it finds nobody to call."""
    plan = {p["window"]: p["service"] for p in server.app[TIDAL].day_plan_view()}
    service = plan[9]
    other = next(n for n, s in plan.items()
                 if s != service and service not in server.hall.config.windows[n].services)
    async with aiohttp.ClientSession() as session:
        api = Api(session, server.url)
        ticket = await take(api.as_(server.token("kiosk")), service)
        status, body = await api.as_(server.token("staff", other)).post(f"/api/windows/{other}/call")
        assert status == 409 and body["error"] == "queue_empty"
        status, called = await api.as_(server.token("staff", 9)).post("/api/windows/9/call")
        assert status == 200 and called["number"] == ticket["number"] and called["service"] == service


async def test_planned_windows_count_as_capacity_for_the_estimates(server):
    """GIVEN Monday's plan (windows 9 and 11 take up si_card; 7, 8 and 30, which serve it, take up another item)
    WHEN four si_card tickets wait THEN the estimate counts 7 (now 1/4), 8 (now 1/3), 9 (1/3), 11 (1/4) and 30
    (now 1/5) — without the plan it was 13/12 of a window and a 22.2-minute wait."""
    plan = {p["window"]: p["service"] for p in server.app[TIDAL].day_plan_view()}
    assert (plan[9], plan[11]) == ("si_card", "si_card")
    assert (plan[7], plan[8], plan[30]) == ("company_change", "hpf_withdraw", "si_enroll")
    capacity = 1 / 4 + 1 / 3 + 1 / 3 + 1 / 4 + 1 / 5
    assert server.hall.service_load("si_card").capacity == pytest.approx(capacity)
    async with aiohttp.ClientSession() as session:
        api = Api(session, server.url)
        kiosk = api.as_(server.token("kiosk"))
        tickets = [await take(kiosk, "si_card") for _ in range(4)]
        _, snapshot = await api.get("/api/hall")
    serving = [w for w in snapshot["windows"] if "si_card" in w["services"] and w["state"] == "open"]
    assert sorted(w["number"] for w in serving) == [7, 8, 9, 11, 30]
    si_card = next(s for s in snapshot["services"] if s["code"] == "si_card")
    assert si_card["waiting"] == 4 and si_card["estimated_wait_min"] == round(4 * 6 / capacity)
    assert tickets[-1]["estimated_wait_min"] == round(3 * 6 / capacity)


async def test_a_restart_on_the_same_day_does_not_plan_again(hall_config, db_path, clock):
    async with running(hall_config, db_path, clock) as first:
        plan = plan_of((await first.as_("admin").get("/api/tidal"))[1])
        assert len(first.planned_events()) == len(plan) > 0
    clock.advance(5 * 3600)  # 14:00, the afternoon session
    async with running(hall_config, db_path, clock) as second:
        await take(second.as_("kiosk"), "si_card")  # a hall change runs the policy again
        await asyncio.sleep(0.05)
        assert second.planned_events() == []
        assert plan_of((await second.as_("admin").get("/api/tidal"))[1]) == plan
        rows = second.db.execute("select count(*) from day_plans").fetchone()[0]
        logged = second.db.execute("select count(*) from tidal_log where action = 'plan'").fetchone()[0]
        window_log = second.db.execute("select count(*) from window_log where action = 'plan'").fetchone()[0]
        assert rows == logged == window_log == len(plan)


async def test_a_new_days_plan_is_made_on_the_writer_thread_never_on_the_loop(hall_config, db_path, clock):
    """GIVEN a server running since Monday WHEN Tuesday's first ticket is taken THEN the tide plans the day (weeks
    of history read) on the writer thread, although taking a number runs on the loop with its batch's hooks."""
    async with running(hall_config, db_path, clock) as hall:
        runner = hall.app[TIDAL]
        assert runner.day_planned()
        clock.advance(24 * 3600)
        assert not runner.day_planned()
        threads: list[int] = []
        plan_day = runner.plan_day
        runner.plan_day = lambda: threads.append(threading.get_ident()) or plan_day()
        await take(hall.as_("kiosk"), "si_card")
        await asyncio.sleep(0.05)
        assert threads and threading.get_ident() not in threads and runner.day_planned()


async def test_switched_off_the_next_day_the_old_plan_is_cleared_and_nothing_planned(hall_config, db_path, clock):
    async with running(hall_config, db_path, clock) as monday:
        plan = plan_of((await monday.as_("admin").get("/api/tidal"))[1])
        assert plan
    clock.advance(24 * 3600)
    async with running(with_tidal(hall_config, day_plan=False), db_path, clock) as tuesday:
        admin = tuesday.as_("admin")
        _, tidal = await admin.get("/api/tidal")
        assert tidal["day_plan"] == []
        _, snapshot = await tuesday.api.get("/api/hall")
        assert all(w["plan_service"] is None and w["plan_service_name"] is None for w in snapshot["windows"])
        nine = next(w for w in snapshot["windows"] if w["number"] == 9)
        assert nine["services"] == list(hall_config.windows[9].services)
        await take(tuesday.as_("kiosk"), plan[9])
        status, body = await tuesday.as_("staff", 9).post("/api/windows/9/call")
        assert status == 409 and body["error"] == "queue_empty"
        assert tuesday.planned_events() == []
        _, log = await admin.get("/api/tidal/log")
        assert [e for e in log["entries"] if e["action"] == "plan"] == []
        cleared = tuesday.db.execute("select window from window_log where action = 'plan_clear'").fetchall()
        assert sorted(w for (w,) in cleared) == sorted(plan)


async def test_the_plan_refuses_an_untrained_service_or_a_standby_window(server):
    hall, runner = server.app[HALL], server.app[TIDAL]
    before = runner.day_plan_view()
    with pytest.raises(ApiError) as refused:
        hall.set_day_plan({9: "passport"}, "admin:test", "试验", runner.trained)
    assert refused.value.status == 422 and "未经" in refused.value.message
    with pytest.raises(ApiError) as refused:
        hall.set_day_plan({31: "si_card"}, "admin:test", "试验", runner.trained)
    assert refused.value.status == 422 and "备用窗口" in refused.value.message
    planned_nine = next(p["service"] for p in before if p["window"] == 9)
    assert runner.day_plan_view() == before  # refused whole: nothing cleared
    assert hall.current_services(9) == [*hall.config.windows[9].services, planned_nine]


async def test_only_the_manager_may_run_the_policy_that_makes_the_plan(server):
    async with aiohttp.ClientSession() as session:
        api = Api(session, server.url)
        for role, window in (("staff", 9), ("kiosk", None), ("display", None)):
            status, _ = await api.as_(server.token(role, window)).post("/api/tidal/run")
            assert status == 403
        status, tidal = await api.as_(server.token("display")).get("/api/tidal")
        assert status == 200 and tidal["day_plan"]
        status, _ = await api.as_(server.token("staff", 9)).get("/api/tidal")
        assert status == 403


async def test_switched_off_and_on_the_same_day_the_stored_plan_is_cleared_then_put_back(hall_config, db_path, clock):
    async with running(hall_config, db_path, clock) as first:
        plan = plan_of((await first.as_("admin").get("/api/tidal"))[1])
    clock.advance(3600)
    async with running(with_tidal(hall_config, day_plan=False), db_path, clock) as off:
        assert (await off.as_("admin").get("/api/tidal"))[1]["day_plan"] == []
        assert off.hall_windows_planned() == {}
    clock.advance(3600)
    async with running(hall_config, db_path, clock) as on:
        assert plan_of((await on.as_("admin").get("/api/tidal"))[1]) == plan
        assert on.hall_windows_planned() == plan
        assert {e.data["window"]: e.data["service"] for e in on.planned_events()} == plan  # the panels learn again
        assert on.db.execute("select count(*) from day_plans").fetchone()[0] == len(plan)
        assert on.db.execute("select count(*) from tidal_log where action = 'plan'").fetchone()[0] == len(plan)


async def test_the_plan_does_not_depend_on_the_tides_cross_window_support(hall_config, db_path, tmp_path, clock):
    """GIVEN cross_window_support on, then off WHEN the server starts THEN the day is planned from the hall's
    cross-training either way, as the simulator plans it; only the tide's support differs: an overloaded loan queue
    (no standby window may take it) gets a trained counter with support on and none with it off."""
    supported = {}
    for on, path in ((True, db_path), (False, tmp_path / "off.db")):
        config = with_tidal(hall_config, cross_window_support=on)
        async with running(config, path, clock) as hall:
            _, tidal = await hall.as_("admin").get("/api/tidal")
            assert plan_of(tidal) and plan_of(tidal) == simulator_plan(config, MONDAY)
            hall.sign_in_everywhere()
            kiosk = hall.as_("kiosk")
            for _ in range(12):
                await take(kiosk, "hpf_loan")
            await hall.as_("admin").post("/api/tidal/run")  # it also ran after each ticket
            _, tidal = await hall.as_("admin").get("/api/tidal")
            supported[on] = [o["window"] for o in tidal["open"]]
    assert supported[True] and not any(hall_config.windows[w].standby for w in supported[True])
    assert supported[False] == []


async def test_after_a_week_of_tickets_the_plan_follows_what_the_hall_really_issued(hall_config, db_path, clock):
    """GIVEN six business days on which 企业设立登记 drew far more tickets than the demand profile foresees WHEN the
    next business day (a month-start Tuesday) is planned THEN the plan rests on those days' tickets, says so, and
    sends more trained counters to 企业设立登记 than the profile's plan does."""
    async with running(hall_config, db_path, clock) as hall:
        kiosk = hall.as_("kiosk")
        for day in range(8):  # Monday 23 Nov to Monday 30 Nov: six business days, a weekend between
            if day not in (5, 6):
                for service, count in (("company_setup", 40), ("si_card", 4)):
                    for _ in range(count):
                        await take(kiosk, service)
            clock.advance(24 * 3600)
        tuesday = date(2026, 12, 1)
        await hall.as_("admin").post("/api/tidal/run")
        _, tidal = await hall.as_("admin").get("/api/tidal")
        learned = plan_of(tidal)
        _, log = await hall.as_("admin").get(f"/api/tidal/log?date={tuesday.isoformat()}")
    plans = [e for e in log["entries"] if e["action"] == "plan"]
    assert plans and all(e["data"]["basis"] == "近 6 个营业日的取号与办理时长" for e in plans)
    assert all("依据近 6 个营业日的取号与办理时长" in e["reason"] for e in plans)
    forecast = simulator_plan(hall_config, tuesday)
    setup = [w for w, s in learned.items() if s == "company_setup"]
    assert len(setup) > sum(1 for s in forecast.values() if s == "company_setup")


async def test_the_plan_learns_the_minutes_a_service_really_takes(hall_config, db_path, clock):
    """GIVEN six business days on which every 社保卡 ticket took 30 minutes from call to finish (configured: 6)
    WHEN the next day is planned THEN the minutes per ticket are learned as the live estimates learn them (the
    configured figure counted as 4 services, blended with the 18 served), and the plan's 社保卡 work rests on them."""
    from queue_server.policy.day_plan import expected_from_history
    from queue_server.simulation.model import day_factor
    from queue_server.tidal.day_plan import past_counts, past_minutes

    assert hall_config.services["si_card"].minutes == 6
    async with running(hall_config, db_path, clock) as hall:
        kiosk, staff = hall.as_("kiosk"), hall.as_("staff", 7)
        for day in range(8):  # Monday 23 Nov to Monday 30 Nov, three 30-minute services a business day
            served = 0
            if day not in (5, 6):
                for _ in range(3):
                    await take(kiosk, "si_card")
                    for step in ("call", "start"):
                        status, body = await staff.post(f"/api/windows/7/{step}")
                        assert status == 200, body
                    clock.advance(30 * 60)
                    status, body = await staff.post("/api/windows/7/finish")
                    assert status == 200, body
                    served += 1
            clock.advance(24 * 3600 - served * 30 * 60)
        tuesday = date(2026, 12, 1)
        await hall.as_("admin").post("/api/tidal/run")
        _, log = await hall.as_("admin").get(f"/api/tidal/log?date={tuesday.isoformat()}")
        learned = past_minutes(hall.db, tuesday, {"si_card": 6.0})["si_card"]
        past = past_counts(hall.db, tuesday)
    assert learned == pytest.approx((6 * 4 + 30 * 18) / (4 + 18))
    profile = simulation_profile(hall_config)
    tickets = expected_from_history(past, lambda d, s: day_factor(d, profile, s), tuesday, ["si_card"])["si_card"]
    si_card = [e for e in log["entries"] if e["action"] == "plan" and e["service"] == "si_card"]
    assert si_card and all(e["data"]["work_min"] == round(tickets * learned, 1) for e in si_card)
