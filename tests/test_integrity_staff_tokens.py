"""Issue 13, findings 1 and 4: staff never hold a citizen's ticket token, so they cannot write the review of their
own service, and a counter re-queues only its own no-shows.

Everything runs against the real server on loopback; the staff side uses a real login.
"""
from __future__ import annotations

import json

import aiohttp
import pytest

from queue_server.web.auth import add_staff
from tests.apiclient import Api

pytestmark = pytest.mark.open_all_hours
CITIZEN_KEYS = ("token", "status_url", "review_url")


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


async def _staff(server, api: Api, window: int, staff_no: str) -> Api:
    add_staff(server.db, server.clock, staff_no, f"员工{staff_no}", "staff", "secret-1")
    status, login = await api.post("/api/login", {"staff_no": staff_no, "password": "secret-1", "window": window})
    assert status == 200, login
    return api.as_(login["token"])


def _leaks(answer: object, ticket_token: str) -> list[str]:
    """Where ``answer`` carries the citizen's token or a link built on it."""
    text = json.dumps(answer, ensure_ascii=False)
    found = [key for key in CITIZEN_KEYS if f'"{key}"' in text]
    return found + (["token value"] if ticket_token in text else [])


async def test_no_window_answer_carries_the_ticket_token_so_staff_cannot_rate_themselves(server, api):
    kiosk = api.as_(server.token("kiosk"))
    staff = await _staff(server, api, 1, "1001")
    status, ticket = await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "r1"})
    assert status == 201 and ticket["token"], "the kiosk still gets the token: it is printed on the ticket"
    secret = ticket["token"]
    answers = {}
    for action, body in (("call", None), ("recall", None), ("start", None), ("hold", {"reason": "取材料"}),
                         ("resume", {"ticket": ticket["number"]}), ("finish", None)):
        status, answers[action] = await staff.post(f"/api/windows/1/{action}", body)
        assert status == 200, (action, answers[action])
    status, answers["window"] = await staff.get("/api/windows/1")
    assert status == 200
    for action, answer in answers.items():
        assert _leaks(answer, secret) == [], action
    # a skipped and re-queued ticket, and a transferred one, answer the same way
    await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "r2"})
    await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "r3"})
    _, called = await staff.post("/api/windows/1/call")
    for path, body in (("skip", None), ("requeue", {"ticket": called["number"]}), ("call", None),
                       ("transfer", {"to_window": 2, "reason": "材料在二窗"})):
        status, answer = await staff.post(f"/api/windows/1/{path}", body)
        assert status == 200 and not set(CITIZEN_KEYS) & set(answer), (path, answer)
    # the citizen's own review (paper ticket QR, no Authorization) still works, exactly once
    status, review = await api.as_(None).post("/api/reviews", {"ticket_token": secret, "level": "satisfied",
                                                               "reasons": [], "comment": "", "channel": "qr"})
    assert status == 201, review
    # a review sent with a staff token is refused whatever ticket token it names
    status, refused = await staff.post("/api/reviews", {"ticket_token": secret, "level": "satisfied",
                                                        "reasons": [], "comment": "", "channel": "qr"})
    assert status == 403, refused


async def test_staff_websocket_events_carry_no_ticket_token(server, api):
    staff = await _staff(server, api, 1, "1001")
    kiosk = api.as_(server.token("kiosk"))
    await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "w1"})
    async with api.session.ws_connect(f"{server.url}/api/ws?topics=hall,window:1&token={staff.token}") as ws:
        assert (await ws.receive_json(timeout=5))["event"] == "snapshot"
        await staff.post("/api/windows/1/call")
        await staff.post("/api/windows/1/finish")
        events = [await ws.receive_json(timeout=5) for _ in range(2)]
    assert [e["event"] for e in events] == ["ticket.called", "ticket.finished"]
    assert all("ticket_token" not in e["data"] for e in events)


async def test_requeue_only_of_a_ticket_skipped_at_the_callers_window(server, api):
    kiosk = api.as_(server.token("kiosk"))
    first = await _staff(server, api, 1, "1001")
    other = await _staff(server, api, 2, "1002")
    await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "q1"})
    _, called = await first.post("/api/windows/1/call")
    assert (await first.post("/api/windows/1/skip"))[0] == 200
    status, refused = await other.post("/api/windows/2/requeue", {"ticket": called["number"]})
    assert status == 409 and refused["message"] == f"号码 {called['number']} 不是本窗口过号的号码"
    status, requeued = await first.post("/api/windows/1/requeue", {"ticket": called["number"]})
    assert status == 200 and requeued["status"] == "waiting" and "token" not in requeued
