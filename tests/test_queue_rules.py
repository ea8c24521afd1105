"""Queue rules through the real server: call order, every counter operation, day rollover, business hours."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import aiohttp
import pytest

from tests.apiclient import Api
from tests.conftest import SHANGHAI

_ids = itertools.count()


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


async def take(api: Api, kiosk: str, service: str, priority: str | None = None) -> dict:
    body = {"service": service, "request_id": f"req-{next(_ids)}"}
    if priority:
        body["priority"] = priority
    status, ticket = await api.as_(kiosk).post("/api/tickets", body)
    assert status == 201, ticket
    return ticket


async def test_call_order_priority_and_appointment_before_walk_ins(server, api):
    kiosk, admin, staff = server.token("kiosk"), server.token("admin"), server.token("staff", 1)
    status, booked = await api.as_(admin).post("/api/appointments", {  # booked the day before
        "service": "bdc_transfer", "date": "2026-11-24", "slot": "09:00-09:30", "name": "李四", "phone": "13800001111"})
    assert status == 201 and len(booked["code"]) == 6
    server.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))
    walk1 = await take(api, kiosk, "bdc_transfer")
    server.clock.advance(60)
    walk2 = await take(api, kiosk, "bdc_mortgage")
    server.clock.advance(60)
    status, appt = await api.as_(kiosk).post(f"/api/appointments/{booked['code']}/check-in")
    assert status == 201 and appt["kind"] == "appointment"
    server.clock.advance(60)
    prio = await take(api, kiosk, "bdc_mortgage", "elderly")
    assert prio["ahead"] == 0 and walk2["ahead"] == 0

    order = []
    for _ in range(4):
        status, called = await api.as_(staff).post("/api/windows/1/call")
        assert status == 200, called
        order.append(called["number"])
        assert (await api.as_(staff).post("/api/windows/1/finish"))[0] == 200
    assert order == [prio["number"], appt["number"], walk1["number"], walk2["number"]]
    status, body = await api.as_(staff).post("/api/windows/1/call")
    assert status == 409 and body["error"] == "queue_empty"


async def test_appointment_check_in_rules(server, api):
    kiosk, admin = server.token("kiosk"), server.token("admin")
    _, tomorrow = await api.as_(admin).post("/api/appointments", {
        "service": "si_card", "date": "2026-11-24", "slot": "09:00-09:30", "name": "王五", "phone": "13800002222"})
    status, body = await api.as_(kiosk).post(f"/api/appointments/{tomorrow['code']}/check-in")
    assert status == 404 and body["message"] == "预约码不存在或不是今天的预约"
    _, late = await api.as_(admin).post("/api/appointments", {
        "service": "si_card", "date": "2026-11-24", "slot": "08:30-09:00", "name": "赵六", "phone": "0394-4211111"})
    server.clock.set(datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI))
    status, ticket = await api.as_(kiosk).post(f"/api/appointments/{late['code']}/check-in")
    assert status == 201 and ticket["kind"] == "walk_in"  # an hour late: queues as a walk-in
    again_status, again = await api.as_(kiosk).post(f"/api/appointments/{late['code']}/check-in")
    assert again_status == 409 and again["number"] == ticket["number"] and "token" not in again
    status, body = await api.as_(kiosk).post("/api/appointments/999999/check-in")
    assert status == 404 and body["error"] == "not_found"


async def test_every_counter_operation(server, api):
    kiosk, staff1, staff2 = server.token("kiosk"), server.token("staff", 1), server.token("staff", 2)
    a = await take(api, kiosk, "bdc_transfer")
    b = await take(api, kiosk, "bdc_transfer")
    c = await take(api, kiosk, "bdc_transfer")
    w1 = api.as_(staff1)

    assert (await w1.post("/api/windows/1/call"))[1]["number"] == a["number"]
    status, again = await w1.post("/api/windows/1/call")
    assert status == 409 and a["number"] in again["message"]
    status, recalled = await w1.post("/api/windows/1/recall")
    assert status == 200 and recalled["number"] == a["number"]
    status, held = await w1.post("/api/windows/1/hold", {"reason": "缺少身份证复印件"})
    assert held["status"] == "held"
    assert (await w1.get("/api/windows/1"))[1]["held"] == [a["number"]]  # for the panel's 回呼 list
    assert (await w1.post("/api/windows/1/call"))[1]["number"] == b["number"]
    status, body = await w1.post("/api/windows/1/resume", {"ticket": a["number"]})
    assert status == 409  # b is still at the counter
    status, skipped = await w1.post("/api/windows/1/skip", {"reason": "未到场"})
    assert skipped["status"] == "no_show"
    assert (await w1.get("/api/windows/1"))[1]["skipped"] == [b["number"]]  # for 过号重排
    status, resumed = await w1.post("/api/windows/1/resume", {"ticket": a["number"]})
    assert status == 200 and resumed["status"] == "called"
    status, started = await w1.post("/api/windows/1/start")
    assert started["status"] == "serving"
    status, moved = await w1.post("/api/windows/1/transfer", {"to_service": "tax_property", "reason": "需先缴税"})
    assert status == 200 and moved["status"] == "transferred" and moved["service"] == "tax_property"
    # the late citizen b comes back: re-queued behind the rule's number of waiting tickets
    status, requeued = await w1.post("/api/windows/1/requeue", {"ticket": b["number"]})
    assert status == 200 and requeued["status"] == "waiting"
    status, body = await w1.post("/api/windows/1/skip")
    assert status == 409  # nothing at the counter
    assert (await w1.post("/api/windows/1/call"))[1]["number"] in (b["number"], c["number"])
    assert server.db.execute("select state from windows where number = 34").fetchone()[0] == "closed"  # standby
    status, body = await w1.post("/api/windows/1/transfer", {"to_window": 34, "reason": "转潮汐窗口"})
    assert status == 409 and "34 号窗口未开放" in body["message"]  # a closed standby window would never call it
    assert (await w1.get("/api/windows/1"))[1]["current"]  # the citizen is still at window 1
    status, moved = await w1.post("/api/windows/1/transfer", {"to_window": 2, "reason": "转业务骨干"})
    assert moved["status"] == "transferred"
    status, called2 = await api.as_(staff2).post("/api/windows/2/call")
    assert called2["number"] == moved["number"]  # a ticket sent to a window goes first there
    status, paused = await w1.post("/api/windows/1/pause", {"reason": "午间休息"})
    assert paused["state"] == "paused"
    status, body = await w1.post("/api/windows/1/call")
    assert status == 409 and "暂停" in body["message"]
    status, opened = await w1.post("/api/windows/1/open")
    assert opened["state"] == "open"

    log = server.db.execute("select action, window, actor, reason from ticket_log where ticket_id = ? order by id",
                            [a["id"]]).fetchall()
    assert [row[0] for row in log] == ["issue", "call", "recall", "hold", "resume", "start", "transfer"]
    assert log[3][3] == "缺少身份证复印件" and log[6][3] == "需先缴税" and all(r[2] for r in log)


async def test_requeue_is_limited(server, api):
    kiosk, staff = server.token("kiosk"), server.token("staff", 8)
    t = await take(api, kiosk, "si_card")
    w = api.as_(staff)
    await w.post("/api/windows/8/call")
    await w.post("/api/windows/8/skip")
    assert (await w.post("/api/windows/8/requeue", {"ticket": t["number"]}))[0] == 200
    await w.post("/api/windows/8/call")
    await w.post("/api/windows/8/skip")
    status, body = await w.post("/api/windows/8/requeue", {"ticket": t["number"]})
    assert status == 409 and "重新取号" in body["message"]


@pytest.mark.open_all_hours
async def test_numbers_restart_each_business_day_and_old_tickets_expire(server, api):
    kiosk = server.token("kiosk")
    first = await take(api, kiosk, "passport")
    second = await take(api, kiosk, "passport")
    assert (first["number"], second["number"]) == ("G001", "G002")
    server.clock.advance(timedelta(hours=18, minutes=59).total_seconds())  # 03:59 next day: still Monday's business day
    assert (await take(api, kiosk, "passport"))["number"] == "G003"
    server.clock.advance(120)  # 04:01 Tuesday: nobody has taken a number yet today
    status, old = await api.get(f"/api/tickets/{second['token']}")
    assert old["status"] == "expired"  # the citizen's status page does not say 等候中 for yesterday's number
    tuesday = await take(api, kiosk, "passport")
    assert tuesday["number"] == "G001"
    status, old = await api.get(f"/api/tickets/{first['token']}")
    assert old["status"] == "expired"
    assert server.db.execute("select count(*) from tickets").fetchone()[0] == 4  # history kept


async def test_outside_business_hours_is_closed(server, api):
    kiosk = server.token("kiosk")
    server.clock.advance(3 * 3600 + 5 * 60)  # 12:05, lunch break
    status, body = await api.as_(kiosk).post("/api/tickets", {"service": "passport", "request_id": "lunch"})
    assert status == 409 and body["error"] == "closed"
    # the kiosk shows this message to the citizen as it is: Chinese punctuation, the hours in it
    assert body["message"] == "现在不是办理时间（工作日 08:30-12:00、13:30-17:30），请在办理时间内取号", body
    server.clock.advance(5 * 24 * 3600 - 3 * 3600)  # Saturday 09:05
    status, body = await api.as_(kiosk).post("/api/tickets", {"service": "passport", "request_id": "sat"})
    assert status == 409 and body["error"] == "closed"


async def test_same_request_id_returns_the_same_ticket(server, api):
    kiosk = api.as_(server.token("kiosk"))
    s1, t1 = await kiosk.post("/api/tickets", {"service": "hpf_loan", "request_id": "tap-77"})
    s2, t2 = await kiosk.post("/api/tickets", {"service": "hpf_loan", "request_id": "tap-77"})
    assert (s1, s2) == (201, 200) and t1 == t2
    s3, body = await kiosk.post("/api/tickets", {"service": "passport", "request_id": "tap-77"})
    assert s3 == 409


async def test_estimates_follow_queue_and_capacity(server, api):
    kiosk = server.token("kiosk")
    tickets = [await take(api, kiosk, "marriage") for _ in range(4)]
    assert [t["ahead"] for t in tickets] == [0, 1, 2, 3]
    waits = [t["estimated_wait_min"] for t in tickets]
    assert waits[0] == 0 and waits == sorted(waits) and waits[3] > waits[1]
    _, hall = await api.get("/api/hall")
    marriage = next(s for s in hall["services"] if s["code"] == "marriage")
    assert marriage["waiting"] == 4 and marriage["estimated_wait_min"] >= waits[3]
