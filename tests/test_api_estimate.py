"""Wait estimates on the live server, against a scripted day at the housing-fund loan counters."""
from __future__ import annotations

import itertools

import aiohttp
import pytest

from tests.apiclient import Api
from tests.halls import with_tidal

_ids = itertools.count()
# hpf_loan (25 configured minutes) is served by windows 12 and 13, each shared with hpf_withdraw: one window of
# capacity. No standby window may take it, and cross-window support is switched off here (window 30 is trained for
# it), so no tidal window changes the arithmetic.


# The day's support plan is switched off too: it gives windows 12 and 13 a third service each (medical insurance
# items), which would leave hpf_loan two thirds of a window.
@pytest.fixture(scope="session")
def hall_config(hall_config):
    return with_tidal(hall_config, day_plan=False)


@pytest.fixture
async def api(server):
    from dataclasses import replace

    from queue_server.tidal.runner import TIDAL

    runner = server.app[TIDAL]
    runner.settings = replace(runner.settings, cross_window_support=False)
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


async def take(api: Api, kiosk: str) -> dict:
    status, ticket = await api.as_(kiosk).post("/api/tickets", {"service": "hpf_loan", "request_id": f"e-{next(_ids)}"})
    assert status == 201, ticket
    return ticket


async def test_estimates_follow_the_queue_and_the_days_service_times(server, api):
    kiosk, admin, staff = server.token("kiosk"), server.token("admin"), api.as_(server.token("staff", 12))
    first = [await take(api, kiosk) for _ in range(4)]
    # Cold start: the configured 25 minutes per ticket, one window of capacity.
    assert [t["estimated_wait_min"] for t in first] == [0, 25, 50, 75]

    assert (await staff.post("/api/windows/12/call"))[1]["number"] == first[0]["number"]
    server.clock.advance(10 * 60)
    await staff.post("/api/windows/12/finish")
    assert (await staff.post("/api/windows/12/call"))[1]["number"] == first[1]["number"]
    # One 10-minute service today, blended with the configured 25 (weighted as 4 services): 22 min a ticket.
    late = await take(api, kiosk)
    assert late["ahead"] == 2 and late["estimated_wait_min"] == 44

    server.clock.advance(20 * 60)
    await staff.post("/api/windows/12/finish")
    await staff.post("/api/windows/12/call")
    # History 10 and 20 minutes: (4 × 25 + 30) / 6 = 21.7 min a ticket; the late ticket has one ahead now.
    status, now = await api.get(f"/api/tickets/{late['token']}")
    assert status == 200 and now["ahead"] == 1 and now["estimated_wait_min"] == 22

    status, acc = await api.as_(admin).get("/api/estimates/accuracy")
    assert status == 200
    # Called so far: quoted 0 / waited 0, quoted 25 / waited 10, quoted 50 / waited 30.
    assert acc["tickets"] == 3
    assert acc["mean_abs_error_min"] == pytest.approx(35 / 3, abs=1e-3)
    assert acc["share_under_estimated"] == 0.0
    assert acc["bias_min"] == pytest.approx(-35 / 3, abs=1e-3)
    assert acc["services"]["hpf_loan"]["tickets"] == 3

    status, body = await api.as_(admin).get("/api/estimates/accuracy?from=2026-11-24&to=2026-11-23")
    assert status == 422 and body["error"] == "invalid"
    status, body = await api.as_(admin).get("/api/estimates/accuracy?from=tomorrow")
    assert status == 422 and "日期" in body["message"]
    status, _ = await api.as_(kiosk).get("/api/estimates/accuracy")
    assert status == 403


async def test_an_outlier_service_barely_moves_the_estimate(server, api):
    """A ticket left open over a long break (120 min) must not inflate every later quote."""
    kiosk, staff = server.token("kiosk"), api.as_(server.token("staff", 12))
    for _ in range(3):
        await take(api, kiosk)
    for minutes in (20, 20, 120):
        await staff.post("/api/windows/12/call")
        server.clock.advance(minutes * 60)
        await staff.post("/api/windows/12/finish")
    waiting = [await take(api, kiosk) for _ in range(2)]
    # Clipped at 3 × median (60): (4 × 25 + 20 + 20 + 60) / 7 = 28.6 per ticket; unclipped it would be 37.1.
    assert waiting[1]["ahead"] == 1 and waiting[1]["estimated_wait_min"] == 29



async def test_a_ticket_issued_after_another_write_in_the_same_batch_is_quoted_from_the_new_state(server, api, tmp_path):
    """GIVEN one hpf_loan ticket waiting and one called ten minutes ago at window 12 WHEN one batch of the writer
    takes, in this order, a new ticket, the finish of the called one (the service's first time today) and another
    new ticket THEN the first is quoted from the configured 25 minutes a ticket and the second from the blended 22,
    as a fresh read of its status gives: what the writer keeps from ticket to ticket within a batch does not
    outlive a write that changes it."""
    import asyncio

    from queue_server.keys import WRITER

    kiosk, staff = server.token("kiosk"), api.as_(server.token("staff", 12))
    called, _ = await take(api, kiosk), await take(api, kiosk)
    assert (await staff.post("/api/windows/12/call"))[1]["number"] == called["number"]
    server.clock.advance(10 * 60)

    writer, trigger = server.app[WRITER], tmp_path / "hold"
    writer._hold = str(trigger)  # the test hook: the writer stops before its commit while the file exists
    trigger.touch()
    try:
        holding = asyncio.create_task(take(api, kiosk))
        for _ in range(500):
            if (tmp_path / "hold.held").exists():
                break
            await asyncio.sleep(0.01)
        batches = writer.batches
        first = asyncio.create_task(take(api, kiosk))
        await asyncio.sleep(0.2)  # queued in this order behind the held batch
        finish = asyncio.create_task(staff.post("/api/windows/12/finish"))
        await asyncio.sleep(0.2)
        second = asyncio.create_task(take(api, kiosk))
        await asyncio.sleep(0.2)
    finally:
        trigger.unlink()
    await holding
    first, (status, _), second = await first, await finish, await second
    assert status == 200 and writer.batches == batches + 2  # the held batch, then the three together

    assert (first["ahead"], first["estimated_wait_min"]) == (2, 50)
    assert (second["ahead"], second["estimated_wait_min"]) == (3, 66)
    status, now = await api.get(f"/api/tickets/{second['token']}")
    assert (status, now["ahead"], now["estimated_wait_min"]) == (200, 3, 66)
