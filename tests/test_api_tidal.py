"""Tidal windows on the live server: the policy runs after each change, staff acknowledge, managers escalate,
open and close by hand, and everything lands in the audit log."""
from __future__ import annotations

import asyncio
import itertools
import json

import aiohttp
import pytest

from queue_server.tidal.runner import TIDAL
from tests.apiclient import Api
from tests.halls import with_tidal

_ids = itertools.count()
# si_card is served by windows 7 (1/3), 8 (1/2) and 30 (1/4): 13/12 of a window at 6 minutes a ticket, so the
# estimated wait passes 20 minutes with the 4th ticket waiting (4 × 6 / (13/12) = 22.2). Only standby window 32
# may take si_card.
STANDBY = {31, 32, 33, 34}


# The tide alone: these figures assume no day's support plan (每日兼办 is tested in test_api_day_plan.py).
@pytest.fixture(scope="session")
def hall_config(hall_config):
    return with_tidal(hall_config, day_plan=False)


@pytest.fixture(autouse=True)
def everyone_signed_in(server):
    """Every counter has its clerk signed in, so the tide may choose any window (who is missing is tested apart)."""
    return server.sign_in(*server.hall.config.windows)


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


async def take(api: Api, kiosk: str, service: str) -> dict:
    status, ticket = await api.as_(kiosk).post("/api/tickets", {"service": service, "request_id": f"t-{next(_ids)}"})
    assert status == 201, ticket
    return ticket


async def tidal_open(api: Api, admin: str) -> list[dict]:
    for _ in range(50):  # the policy runs on the loop right after the event; give it a few turns
        await asyncio.sleep(0.01)
        status, body = await api.as_(admin).get("/api/tidal")
        assert status == 200
        if body["open"]:
            return body["open"]
    return []


async def test_load_opens_a_standby_window_after_the_change_that_crosses_the_threshold(server, api):
    kiosk, admin = server.token("kiosk"), server.token("admin")
    for _ in range(3):
        await take(api, kiosk, "si_card")
    assert await tidal_open(api, admin) == []  # 3 × 6 / (13/12) = 16.6 min: under the threshold
    async with api.session.ws_connect(f"{server.url}/api/ws?topics=window:32&token={server.token('staff', 32)}") as ws:
        assert json.loads((await ws.receive()).data)["event"] == "snapshot"
        await take(api, kiosk, "si_card")
        opened = await tidal_open(api, admin)
        assert [(o["service"], o["window"], o["manual"]) for o in opened] == [("si_card", 32, False)]
        assert opened[0]["figures"]["waiting"] == 4 and opened[0]["figures"]["estimated_wait_min"] == 22.2
        assert "超过 20 分钟" in opened[0]["reason"]
        while True:
            message = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
            if message["event"] == "tidal.opened":
                break
        assert message["data"]["window"] == 32 and message["data"]["service_name"] == "社会保障卡办理"
        assert message["data"]["ack_due"]
    _, hall = await api.get("/api/hall")
    window = next(w for w in hall["windows"] if w["number"] == 32)
    assert window["tidal"] == "si_card" and window["state"] == "open"
    si_card = next(s for s in hall["services"] if s["code"] == "si_card")
    assert si_card["estimated_wait_min"] < 22  # the tidal window now counts as capacity


async def test_tidal_window_calls_the_service_and_staff_acknowledge(server, api):
    kiosk, admin = server.token("kiosk"), server.token("admin")
    tickets = [await take(api, kiosk, "si_card") for _ in range(4)]
    assert await tidal_open(api, admin)
    staff32, staff31 = server.token("staff", 32), server.token("staff", 31)
    status, body = await api.as_(staff31).post("/api/windows/32/tidal/ack")
    assert status == 403
    status, body = await api.as_(staff32).post("/api/windows/32/tidal/ack")
    assert status == 200 and body["acknowledged_at"] and body["acknowledged_by"].startswith("staff:")
    status, body = await api.as_(staff32).post("/api/windows/32/tidal/ack")
    assert status == 409 and body["error"] == "conflict"
    status, called = await api.as_(staff32).post("/api/windows/32/call")
    assert status == 200 and called["number"] == tickets[0]["number"]
    server.clock.advance(3600)  # acknowledged: no escalation, however long
    _, run = await api.as_(admin).post("/api/tidal/run")
    assert [a["kind"] for a in run["actions"]] == []


async def test_no_acknowledgement_escalates_to_the_manager_after_the_timeout(server, api):
    kiosk, admin = server.token("kiosk"), server.token("admin")
    for _ in range(5):
        await take(api, kiosk, "si_card")
    assert await tidal_open(api, admin)
    server.clock.advance(179)
    _, run = await api.as_(admin).post("/api/tidal/run")
    assert run["actions"] == []
    async with api.session.ws_connect(f"{server.url}/api/ws?topics=admin&token={admin}") as ws:
        assert json.loads((await ws.receive()).data)["event"] == "snapshot"
        server.clock.advance(1)
        _, run = await api.as_(admin).post("/api/tidal/run")
        assert [(a["kind"], a["window"]) for a in run["actions"]] == [("escalate", 32)]
        message = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
        assert message["event"] == "tidal.escalated" and "未确认" in message["data"]["reason"]
    _, log = await api.as_(admin).get("/api/tidal/log")
    assert [e["action"] for e in log["entries"]] == ["open", "escalate"]
    assert log["entries"][0]["data"]["waiting"] == 4 and log["entries"][0]["actor"] == "tidal-policy"


async def test_closes_after_the_hold_time_once_the_queue_is_served(server, api):
    kiosk, admin = server.token("kiosk"), server.token("admin")
    for _ in range(4):
        await take(api, kiosk, "si_card")
    assert await tidal_open(api, admin)
    staff = {n: server.token("staff", n) for n in (7, 8, 32)}
    await api.as_(staff[32]).post("/api/windows/32/tidal/ack")
    for n in (7, 8, 32):  # three windows take one ticket each; one is left waiting
        status, _ = await api.as_(staff[n]).post(f"/api/windows/{n}/call")
        assert status == 200
    _, run = await api.as_(admin).post("/api/tidal/run")
    assert run["actions"] == []
    hold_min = server.app[TIDAL].settings.defaults.hold_min  # the demo hall's, 5 minutes
    server.clock.advance(hold_min * 60 - 1)
    _, run = await api.as_(admin).post("/api/tidal/run")
    assert run["actions"] == []  # calm since the calls, but not yet for the hold time
    server.clock.advance(1)
    _, run = await api.as_(admin).post("/api/tidal/run")
    assert [(a["kind"], a["window"]) for a in run["actions"]] == [("close", 32)]
    assert run["actions"][0]["figures"]["below_min"] == hold_min
    _, tidal = await api.as_(admin).get("/api/tidal")
    assert tidal["open"] == []
    _, hall = await api.get("/api/hall")
    assert next(w for w in hall["windows"] if w["number"] == 32)["tidal"] is None
    _, log = await api.as_(admin).get("/api/tidal/log")
    assert [e["action"] for e in log["entries"]] == ["open", "ack", "close"]


async def test_manager_opens_and_closes_by_hand(server, api):
    admin, staff = server.token("admin"), server.token("staff", 1)
    status, body = await api.as_(staff).post("/api/tidal/open", {"service": "passport"})
    assert status == 403
    status, body = await api.as_(admin).post("/api/tidal/open", {"service": "marriage"})
    assert status == 409 and "没有可开设" in body["message"]
    status, body = await api.as_(admin).post("/api/tidal/open", {"service": "passport", "window": 31})
    assert status == 422 and body["error"] == "invalid"
    status, body = await api.as_(admin).post("/api/tidal/open", {"service": "passport", "window": 7})  # 社保 staff
    assert status == 422 and body["error"] == "invalid"
    status, body = await api.as_(admin).post("/api/tidal/open", {"service": "nope"})
    assert status == 422
    status, opened = await api.as_(admin).post("/api/tidal/open", {"service": "passport", "reason": "旅游旺季"})
    assert status == 201 and opened["window"] == 34 and opened["manual"] and opened["reason"] == "旅游旺季"
    server.clock.advance(3600)  # a manual opening is never closed by the policy, even with nobody waiting
    _, run = await api.as_(admin).post("/api/tidal/run")
    assert [a["kind"] for a in run["actions"]] == ["escalate"]
    status, closed = await api.as_(admin).post("/api/tidal/close", {"window": 34})
    assert status == 200 and closed["closed_at"] and closed["close_reason"] == "值班长手动关闭潮汐窗口"
    status, body = await api.as_(admin).post("/api/tidal/close", {"window": 34})
    assert status == 409


async def test_a_service_closed_by_hand_is_not_reopened_during_its_hold_time(server, api):
    kiosk, admin = server.token("kiosk"), server.token("admin")
    for _ in range(6):
        await take(api, kiosk, "si_card")
    opened = await tidal_open(api, admin)
    status, _ = await api.as_(admin).post("/api/tidal/close", {"window": opened[0]["window"], "reason": "人手不足"})
    assert status == 200
    await take(api, kiosk, "si_card")
    assert await tidal_open(api, admin) == []
    server.clock.advance(server.app[TIDAL].settings.defaults.hold_min * 60)
    _, run = await api.as_(admin).post("/api/tidal/run")
    assert [(a["kind"], a["service"]) for a in run["actions"]] == [("open", "si_card")]


async def test_the_timer_runs_the_policy_without_any_event(server, api):
    """Holds and acknowledgement timeouts expire with nothing happening in the hall: the timer catches them."""
    from dataclasses import replace

    kiosk, admin = server.token("kiosk"), server.token("admin")
    for _ in range(4):
        await take(api, kiosk, "si_card")
    assert await tidal_open(api, admin)
    runner = server.app[TIDAL]
    runner.settings = replace(runner.settings, check_interval_s=0.02)
    task = asyncio.create_task(runner.timer())
    try:
        server.clock.advance(181)
        for _ in range(100):
            await asyncio.sleep(0.02)
            _, log = await api.as_(admin).get("/api/tidal/log")
            if log["entries"][-1]["action"] == "escalate":
                break
        assert [e["action"] for e in log["entries"]] == ["open", "escalate"]
    finally:
        task.cancel()


async def test_a_tidal_window_does_not_carry_over_to_the_next_business_day(server, api):
    admin = server.token("admin")
    status, opened = await api.as_(admin).post("/api/tidal/open", {"service": "passport"})
    assert status == 201
    server.clock.advance(20 * 3600)  # Tuesday 05:00, after the 04:00 day start
    _, run = await api.as_(admin).post("/api/tidal/run")
    _, tidal = await api.as_(admin).get("/api/tidal")
    assert tidal["open"] == []
    _, hall = await api.get("/api/hall")
    assert next(w for w in hall["windows"] if w["number"] == opened["window"])["tidal"] is None
    _, log = await api.as_(admin).get("/api/tidal/log")
    assert [(e["action"], e["reason"]) for e in log["entries"]] == [("close", "营业日结束，潮汐窗口自动关闭")]


async def test_a_calm_trained_counter_supports_an_overloaded_service_and_goes_home_when_its_own_queue_rises(
        server, api):
    """GIVEN hpf_loan (25 min, windows 12 and 13 only; no standby window may take it) and 综合受理3 (window 30,
    trained for 公积金 items through its hpf_withdraw) with nothing waiting WHEN the loan queue passes the threshold
    THEN window 30 is asked to take it up (nobody is added), its staff acknowledge and call a loan ticket; WHEN its own
    general intake queue passes the upper threshold THEN the support ends at once, with the reason in the log."""
    kiosk, admin, staff30 = server.token("kiosk"), server.token("admin"), server.token("staff", 30)
    async with api.session.ws_connect(f"{server.url}/api/ws?topics=window:30&token={staff30}") as ws:
        assert json.loads((await ws.receive()).data)["event"] == "snapshot"
        loans = [await take(api, kiosk, "hpf_loan") for _ in range(2)]
        opened = await tidal_open(api, admin)
        assert [(o["service"], o["window"]) for o in opened] == [("hpf_loan", 30)]
        assert opened[0]["figures"]["support"] is True and opened[0]["figures"]["own_waiting"] == 0
        assert "跨窗口支援" in opened[0]["reason"]
        while True:
            message = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
            if message["event"] == "tidal.opened":
                break
        assert message["data"]["service"] == "hpf_loan"
    status, _ = await api.as_(staff30).post("/api/windows/30/tidal/ack")
    assert status == 200
    _, hall = await api.get("/api/hall")
    window = next(w for w in hall["windows"] if w["number"] == 30)
    assert window["tidal"] == "hpf_loan" and "hpf_loan" in window["services"] and "general_intake" in window["services"]
    status, called = await api.as_(staff30).post("/api/windows/30/call")
    assert status == 200 and called["number"] == loans[0]["number"]
    for _ in range(11):  # its own 综合受理 queue passes 10 waiting
        await take(api, kiosk, "general_intake")
    for _ in range(50):
        await asyncio.sleep(0.01)
        _, tidal = await api.as_(admin).get("/api/tidal")
        if all(o["window"] != 30 for o in tidal["open"]):
            break
    # The support ends; the 综合受理 surge itself gets a standby window (every standby window does general intake).
    assert [(o["service"], o["window"] in STANDBY) for o in tidal["open"]] == [("general_intake", True)]
    _, log = await api.as_(admin).get("/api/tidal/log")
    at_30 = [e for e in log["entries"] if e["window"] == 30]
    assert [e["action"] for e in at_30] == ["open", "ack", "close"]
    assert "结束支援" in at_30[-1]["reason"]
    assert [(e["action"], e["window"] in STANDBY) for e in log["entries"] if e["window"] != 30] == [("open", True)]
    _, hall = await api.get("/api/hall")
    window = next(w for w in hall["windows"] if w["number"] == 30)
    assert window["tidal"] is None and window["state"] == "open" and "hpf_loan" not in window["services"]


async def test_manager_asks_a_trained_counter_to_support_by_hand(server, api):
    admin = server.token("admin")
    status, opened = await api.as_(admin).post("/api/tidal/open", {"service": "hpf_loan", "window": 30,
                                                                   "reason": "公积金贷款集中办理"})
    assert status == 201 and opened["window"] == 30 and opened["manual"]
    _, hall = await api.get("/api/hall")
    window = next(w for w in hall["windows"] if w["number"] == 30)
    assert window["tidal"] == "hpf_loan" and window["services"][-1] == "hpf_loan"
    status, _ = await api.as_(admin).post("/api/tidal/close", {"window": 30})
    assert status == 200
    _, hall = await api.get("/api/hall")
    assert next(w for w in hall["windows"] if w["number"] == 30)["tidal"] is None
