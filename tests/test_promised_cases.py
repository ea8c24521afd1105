"""Promised-time cases (限时办结): accepted at the counter for a served ticket, the deadline counted in working days
across the National Day holiday and its make-up Saturday, approved and issued in order, overdue by the clock, and
the on-time rate per unit — through the real server with the fake clock."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from queue_server.core.clock import FakeClock
from tests.apiclient import Api

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock() -> FakeClock:
    # the Wednesday before the National Day holiday (1–7 October 2026; Saturday 10 October is a make-up working day)
    return FakeClock(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
async def hall(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


async def _served_ticket(server, hall: Api, service: str = "bdc_transfer") -> tuple[str, int]:
    """A number taken at the kiosk and called at a window serving ``service``: (number, window)."""
    kiosk = hall.as_(server.token("kiosk"))
    status, ticket = await kiosk.post("/api/tickets", {"service": service, "request_id": f"r-{service}"})
    assert status == 201
    window = server.hall.config.windows_serving(service)[0]
    status, called = await hall.as_(server.token("staff", window)).post(f"/api/windows/{window}/call")
    assert status == 200 and called["number"] == ticket["number"]
    return ticket["number"], window


async def test_a_case_runs_its_working_days_across_the_holiday(server, hall):
    number, window = await _served_ticket(server, hall)
    staff = hall.as_(server.token("staff", window))
    status, case = await staff.post("/api/cases", {"ticket": number, "guide": "bdc-002", "applicant": "张三丰"})
    assert status == 201, case
    # 3 working days after Wednesday 30 September: 8 October, 9 October, Saturday 10 October (调休)
    assert case["deadline"] == "2026-10-10T23:59:59+08:00"
    assert (case["state"], case["promised_days"], case["applicant"]) == ("accepted", 3, "张*丰")
    assert case["guide_name"].startswith("存量房转移登记") and case["window"] == window
    other = next(n for n in server.hall.config.windows if n != window)
    assert (await hall.as_(server.token("staff", other)).post(f"/api/cases/{case['id']}/approve"))[0] == 403
    status, reply = await staff.post(f"/api/cases/{case['id']}/issue")
    assert status == 409 and "已受理" in reply["message"]
    status, case = await staff.post(f"/api/cases/{case['id']}/approve", {"note": "审核通过"})
    assert status == 200 and case["state"] == "approved"
    admin = hall.as_(server.token("admin"))
    server.clock.advance(timedelta(days=11).total_seconds())  # 10 October has passed: overdue until issued
    _, late = await admin.get("/api/cases?overdue=1&from=2026-09-01")
    assert [c["id"] for c in late] == [case["id"]]
    status, case = await admin.post(f"/api/cases/{case['id']}/issue")
    assert status == 200 and case["state"] == "issued" and case["on_time"] is False and not case["overdue"]
    _, rates = await admin.get("/api/cases/rates?from=2026-09-01")
    bdc = next(r for r in rates if r["key"] == "bdc")
    assert (bdc["name"], bdc["cases"], bdc["on_time"], bdc["on_time_rate"]) == ("不动产登记中心", 1, 0, 0.0)


async def test_what_cannot_be_a_case_is_named(server, hall):
    number, window = await _served_ticket(server, hall)
    staff = hall.as_(server.token("staff", window))
    status, reply = await staff.post("/api/cases", {"ticket": number, "guide": "bdc-004"})
    assert status == 422 and reply["field"] == "guide" and "即办" in reply["message"]
    status, reply = await staff.post("/api/cases", {"ticket": "Z999", "guide": "bdc-002"})
    assert status == 422 and reply["field"] == "ticket"
    status, reply = await staff.post("/api/cases", {"ticket": number, "guide": "no-such-item"})
    assert status == 422 and reply["field"] == "guide"
    assert (await staff.post("/api/cases", {"ticket": number, "guide": "bdc-002"}))[0] == 201
    assert (await staff.post("/api/cases", {"ticket": number, "guide": "bdc-002"}))[0] == 409
    # the staff panel reads one ticket's cases back (numbers restart each day: today's by default)
    _, cases = await staff.get(f"/api/cases?ticket={number.lower()}")
    assert [(c["ticket_number"], c["guide_code"]) for c in cases] == [(number, "bdc-002")]
    assert (await staff.get("/api/cases?ticket=Z999"))[1] == []
    kiosk = hall.as_(server.token("kiosk"))
    _, waiting = await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "r-waiting"})
    status, reply = await staff.post("/api/cases", {"ticket": waiting["number"], "guide": "bdc-002"})
    assert status == 422 and "还没有在窗口办理" in reply["message"]
    assert (await kiosk.post("/api/cases", {"ticket": number, "guide": "bdc-002"}))[0] == 403


async def test_the_bulletin_has_the_on_time_rate_and_the_overdue_cases(server, hall):
    number, window = await _served_ticket(server, hall)
    status, case = await hall.as_(server.token("staff", window)).post("/api/cases", {"ticket": number, "guide": "bdc-003"})
    assert status == 201, case
    server.clock.advance(timedelta(days=14).total_seconds())
    status, content = await hall.as_(server.token("admin")).get("/api/bulletin?quarter=2026Q3")
    assert status == 200
    assert content["promised_cases"]["cases"] == 1 and content["promised_cases"]["on_time_rate"] == 0.0
    assert {u["key"]: u for u in content["units"]}["bdc"]["case_on_time_rate"] == 0.0
    assert [c["ticket_number"] for c in content["overdue_promised_cases"]] == [number]
