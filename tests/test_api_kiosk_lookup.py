"""The kiosk's two reads added for issue 14: today's ticket by its number (查询进度) and the 绿色通道 lane's own wait
in the hall snapshot (a priority ticket passes the walk-ins, so the walk-in wait overstates it)."""
from __future__ import annotations

import itertools

import aiohttp
import pytest

from tests.apiclient import Api

_ids = itertools.count()
pytestmark = pytest.mark.open_all_hours


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


async def _take(kiosk, service: str, priority: str | None = None) -> dict:
    body = {"service": service, "request_id": f"lookup-{next(_ids)}"}
    if priority:
        body["priority"] = priority
    status, ticket = await kiosk.post("/api/tickets", body)
    assert status == 201, ticket
    return ticket


async def test_ticket_by_number_for_kiosks_only(server, api):
    """GIVEN two waiting tickets WHEN a kiosk looks up the second by its number THEN it gets its service, people
    ahead and estimate, and never its token or review link; the public and a bad number get 401 and 422."""
    kiosk = api.as_(server.token("kiosk"))
    first, second = await _take(kiosk, "bdc_transfer"), await _take(kiosk, "bdc_transfer")
    status, found = await kiosk.get(f"/api/tickets/by-number/{second['number'].lower()}")
    assert status == 200, found
    assert found["number"] == second["number"] and found["service"] == "bdc_transfer"
    assert found["status"] == "waiting" and found["ahead"] == second["ahead"] == first["ahead"] + 1
    assert "token" not in found and found["review_url"] is None
    assert (await kiosk.get("/api/tickets/by-number/Z999"))[0] == 404
    status, body = await kiosk.get("/api/tickets/by-number/A-1")  # not a number's shape: the declared path refuses it
    assert status == 404 and body["field"] == "number"
    assert (await api.get(f"/api/tickets/by-number/{second['number']}"))[0] == 401


async def test_priority_lane_wait_in_the_snapshot(server, api):
    """GIVEN three walk-ins and one priority ticket waiting for a service THEN the snapshot's priority lane counts
    only the priority ticket, and its estimate is that of a ticket with one ahead, below the walk-ins' wait."""
    kiosk = api.as_(server.token("kiosk"))
    for _ in range(3):
        await _take(kiosk, "bdc_mortgage")
    await _take(kiosk, "bdc_mortgage", "elderly")
    status, hall = await api.get("/api/hall")
    assert status == 200
    entry = next(s for s in hall["services"] if s["code"] == "bdc_mortgage")
    assert entry["waiting"] == 4 and entry["priority_waiting"] == 1
    assert entry["priority_estimated_wait_min"] < entry["estimated_wait_min"]
    # and the next priority ticket is told exactly that wait
    ticket = await _take(kiosk, "bdc_mortgage", "elderly")
    assert ticket["ahead"] == 1 and ticket["estimated_wait_min"] == entry["priority_estimated_wait_min"]
