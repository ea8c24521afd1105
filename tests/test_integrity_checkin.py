"""Issue 13, finding 3: appointment codes cannot be enumerated at a kiosk.

Wrong codes are limited per kiosk token and per address, codes of other days answer like unknown ones, and a code
already checked in never hands out its ticket's token again.
"""
from __future__ import annotations

from datetime import datetime

import aiohttp
import pytest

from tests.apiclient import Api
from tests.conftest import SHANGHAI

pytestmark = pytest.mark.open_all_hours
UNKNOWN = "预约码不存在或不是今天的预约"


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


async def _book(api: Api, admin: str, day: str, slot: str = "09:00-09:30") -> str:
    """Book ``day`` (tomorrow or later: booking is ahead of time), for the test to move the clock to."""
    status, booked = await api.as_(admin).post("/api/appointments", {
        "service": "si_card", "date": day, "slot": slot, "name": "王五", "phone": "13800002222"})
    assert status == 201, booked
    return booked["code"]


async def test_wrong_codes_are_limited_per_kiosk_with_a_retry_time(server, api):
    kiosk = api.as_(server.token("kiosk"))
    admin = server.token("admin")
    today = await _book(api, admin, "2026-11-24")
    server.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))
    wrong = [f"{n:06d}" for n in range(11) if f"{n:06d}" != today]
    for code in wrong[:10]:  # a malformed code is refused by the route's declared path before it is counted
        status, reply = await kiosk.post(f"/api/appointments/{code}/check-in")
        assert status in (404, 422), reply
    status, reply = await kiosk.post(f"/api/appointments/{today}/check-in")
    assert status == 429 and reply["error"] == "rate_limited" and 0 < reply["retry_after"] <= 600, reply
    assert reply["message"].endswith("后再试")
    # another kiosk of the hall on another address would still work; here the address counts too, so wait it out
    server.clock.advance(reply["retry_after"])
    status, ticket = await kiosk.post(f"/api/appointments/{today}/check-in")
    assert status == 201 and ticket["kind"] == "appointment"


async def test_a_code_for_another_day_answers_like_an_unknown_one(server, api):
    kiosk = api.as_(server.token("kiosk"))
    admin = server.token("admin")
    yesterday = await _book(api, admin, "2026-11-24")
    tomorrow = await _book(api, admin, "2026-11-26")
    server.clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI))
    answers = [await kiosk.post(f"/api/appointments/{code}/check-in") for code in (tomorrow, yesterday, "999999")]
    unknown = answers[-1] if answers[-1][1]["message"] == UNKNOWN else None
    assert unknown is not None, answers
    assert all(answer == answers[-1] for answer in answers), answers


async def test_a_checked_in_code_never_hands_out_its_token_again(server, api):
    kiosk = api.as_(server.token("kiosk"))
    code = await _book(api, server.token("admin"), "2026-11-24")
    server.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))
    status, first = await kiosk.post(f"/api/appointments/{code}/check-in")
    assert status == 201 and first["token"]
    status, again = await api.as_(server.token("kiosk")).post(f"/api/appointments/{code}/check-in")
    assert status == 409 and again == {"error": "conflict", "number": first["number"],
                                       "message": f"该预约已签到，号码为 {first['number']}，请留意叫号"}
