"""The SMS reminders from the real server's events, as the outbox stores them: the channel's ``messages_for`` runs in
the outbox's batch hook, inside each batch's transaction, over the real SQLite file."""
from __future__ import annotations

import dataclasses
import json
import uuid

import aiohttp
import pytest

from queue_server.phones.routes import housekeeping
from tests.apiclient import Api
from tests.receiver import hall_with, until

PHONE = "13812341234"
SMS = {"provider": "generic", "url": "http://127.0.0.1:9/sms", "remind_ahead": 2, "review_link_delay_min": 10}


@pytest.fixture
def hall_config(hall_config):
    """The demo hall with the SMS channel configured."""
    return dataclasses.replace(hall_config, sections={**hall_config.sections, "outbound": {"sms": SMS}})


@pytest.fixture
def sent(server):
    """Every SMS message the outbox stored, in commit order (its gateway refuses connections: they stay there)."""
    def messages() -> list[tuple[str, dict]]:
        return [(kind, json.loads(payload)) for kind, payload in server.db.execute(
            "select kind, payload from outbox where channel = 'sms' order by seq").fetchall()]
    return messages


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as http:
        yield Api(http, server.url)


async def issue(api: Api, server, n: int, service: str = "si_card") -> list[dict]:
    kiosk = api.as_(server.token("kiosk"))
    tickets = []
    for _ in range(n):
        status, ticket = await kiosk.post("/api/tickets", {"service": service, "request_id": uuid.uuid4().hex})
        assert status == 201, ticket
        tickets.append(ticket)
    return tickets


async def call(api: Api, server, window: int = 8) -> dict:
    status, ticket = await api.as_(server.token("staff", window)).post(f"/api/windows/{window}/call",
                                                                       {"finish_current": True})
    assert status == 200, ticket
    return ticket


async def finish(api: Api, server, window: int = 8) -> None:
    status, body = await api.as_(server.token("staff", window)).post(f"/api/windows/{window}/finish")
    assert status == 200, body


def kinds(sent: list) -> list[tuple[str, dict]]:
    return [(kind, payload["params"]) for kind, payload in sent]


async def test_ahead_once_then_called_then_review_link(server, api, sent):
    tickets = await issue(api, server, 6)
    mine = tickets[5]
    status, saved = await api.as_(server.token("kiosk")).post(f"/api/tickets/{mine['token']}/phone", {"phone": PHONE})
    assert status == 201 and saved["phone"] == "138****1234"
    await issue(api, server, 1)  # behind, without a phone: never a message

    await call(api, server)  # 4 ahead, then 3: nothing yet
    await call(api, server)
    assert sent() == []
    await call(api, server)  # 2 ahead: the reminder
    assert kinds(sent()) == [("sms.ahead", {"hall": "示范县政务服务中心", "number": mine["number"], "ahead": "2",
                                          "service": "社会保障卡办理"})]
    assert sent()[0][1]["phone"] == PHONE
    await call(api, server)  # 1, then 0 ahead: the reminder was once
    await call(api, server)
    assert len(sent()) == 1
    called = await call(api, server)
    assert called["number"] == mine["number"]
    assert kinds(sent())[1] == ("sms.called", {"hall": "示范县政务服务中心", "number": mine["number"], "window": "8",
                                             "service": "社会保障卡办理"})
    await call(api, server)  # finishes mine, calls the last (no phone)
    await finish(api, server)
    assert len(sent()) == 2

    server.clock.advance(5 * 60)
    assert (await housekeeping(server.app))[2] == 0  # the tablet asks first
    server.clock.advance(6 * 60)
    assert (await housekeeping(server.app))[2] == 1
    assert kinds(sent())[2] == ("sms.review_link", {"hall": "示范县政务服务中心", "number": mine["number"],
                                                  "url": f"http://127.0.0.1:8080/r/{mine['token']}"})
    await housekeeping(server.app)  # once
    assert len(sent()) == 3


async def test_a_rated_ticket_gets_no_review_link(server, api, sent):
    mine, other = await issue(api, server, 2)
    for ticket in (mine, other):
        assert (await api.post(f"/api/tickets/{ticket['token']}/phone", {"phone": PHONE}))[0] == 201
    await call(api, server)
    await call(api, server)  # finishes mine
    status, _ = await api.post("/api/reviews", {"ticket_token": mine["token"], "level": "very_satisfied",
                                                "channel": "qr"})
    assert status == 201
    await finish(api, server)  # the other
    server.clock.advance(15 * 60)
    await housekeeping(server.app)
    links = [params["number"] for kind, params in kinds(sent()) if kind == "sms.review_link"]
    assert links == [other["number"]]


async def test_no_ahead_reminder_when_already_near_the_front(server, api, sent):
    """The kiosk showed the count a moment ago: only the call's SMS follows."""
    tickets = await issue(api, server, 3)
    await api.post(f"/api/tickets/{tickets[2]['token']}/phone", {"phone": PHONE})  # 2 ahead = remind_ahead
    for _ in range(3):
        await call(api, server)
    assert [kind for kind, _ in sent()] == ["sms.called"]


async def test_only_the_queue_that_moved_is_looked_at(server, api, sent):
    """A call for one service leaves another service's consented tickets alone, however near the front."""
    card = await issue(api, server, 4)
    await api.post(f"/api/tickets/{card[3]['token']}/phone", {"phone": PHONE})  # 3 ahead
    await issue(api, server, 1, service="company_setup")
    await call(api, server, window=4)  # the company queue moved
    assert sent() == []
    await call(api, server)  # the card queue moved: 2 ahead
    assert [kind for kind, _ in sent()] == ["sms.ahead"]


async def test_withdrawn_consent_stops_the_reminders(server, api, sent):
    tickets = await issue(api, server, 4)
    path = f"/api/tickets/{tickets[3]['token']}/phone"
    await api.post(path, {"phone": PHONE})
    assert await api.request("DELETE", path) == (200, {"withdrawn": True})
    for _ in range(4):
        await call(api, server)
    assert sent() == []


async def test_the_gateway_gets_the_sms(hall_config, db_path, clock, receiver):
    """End to end: the real server with ``[outbound.sms]`` pointing at a loopback gateway; a call of a ticket with a
    phone reaches the gateway as an SMS, through the outbox's worker, and the outbox records it delivered."""
    sms = {"sms": {"provider": "generic", "url": receiver.url, "auth_value": "Bearer gw-token"}}
    async with hall_with(hall_config, db_path, clock, sms) as hall:
        first, mine = await issue(hall.api, hall, 2)
        assert (await hall.api.as_(None).post(f"/api/tickets/{mine['token']}/phone", {"phone": PHONE}))[0] == 201
        await call(hall.api, hall)
        assert (await call(hall.api, hall))["number"] == mine["number"]
        await until(lambda: receiver.requests, "the SMS at the gateway")
        await until(lambda: hall.db.execute("select state from outbox where channel = 'sms'").fetchone()[0]
                    == "delivered", "recorded as delivered")
    request = receiver.requests[0]
    assert request.headers["Authorization"] == "Bearer gw-token"
    assert json.loads(request.body) == {
        "id": request.headers["X-Govhall-Delivery"], "kind": "sms.called", "phone": PHONE,
        "text": f"【示范县政务服务中心】请{mine['number']}号到8号窗口办理。"}
    assert len(receiver.requests) == 1  # the first ticket left no phone


async def transfer(api: Api, server, body: dict, window: int = 8) -> None:
    status, moved = await api.as_(server.token("staff", window)).post(f"/api/windows/{window}/transfer", body)
    assert status == 200, moved


async def test_a_transferred_ticket_is_reminded_again_in_its_new_queue(server, api, sent):
    """GIVEN a citizen called for 社保卡 (their phone left at the front: only the call's SMS) WHEN the clerk transfers
    them to 企业开办, where four wait ahead of them THEN they wait anew: "前面还有 2 位" of the new service comes once
    as that queue moves, then the call to the new window. A transfer into a queue where the citizen is already near
    the front sends nothing (the clerk just told them), only the call."""
    for _ in range(4):
        await issue(api, server, 1, service="company_setup")
        server.clock.advance(1)  # each its own time: the transferred ticket keeps its own place in time
    mine = (await issue(api, server, 1))[0]
    assert (await api.post(f"/api/tickets/{mine['token']}/phone", {"phone": PHONE}))[0] == 201
    await call(api, server)
    assert [kind for kind, _ in sent()] == ["sms.called"]
    await transfer(api, server, {"to_service": "company_setup", "reason": "需先办理企业开办"})
    assert len(sent()) == 1  # four ahead: too far back
    await call(api, server, window=4)  # three ahead
    assert len(sent()) == 1
    await call(api, server, window=4)  # two ahead: the reminder, naming the new service
    assert kinds(sent())[1] == ("sms.ahead", {"hall": "示范县政务服务中心", "number": mine["number"], "ahead": "2",
                                            "service": "企业设立登记"})
    for _ in range(3):
        called = await call(api, server, window=4)
    assert called["number"] == mine["number"] and [kind for kind, _ in sent()] == ["sms.called", "sms.ahead",
                                                                                  "sms.called"]
    assert kinds(sent())[2][1]["window"] == "4"

    # near the front of the new queue at once: nothing but the call
    other = (await issue(api, server, 1))[0]
    assert (await api.post(f"/api/tickets/{other['token']}/phone", {"phone": "13900001111"}))[0] == 201
    await call(api, server)
    await transfer(api, server, {"to_service": "company_setup", "reason": "需先办理企业开办"})
    await call(api, server, window=4)
    assert [(kind, payload["phone"]) for kind, payload in sent()[3:]] == [("sms.called", "13900001111"),
                                                                         ("sms.called", "13900001111")]


async def test_a_requeued_no_show_gets_the_call_again_and_no_second_count(server, api, sent):
    """GIVEN a citizen reminded at two ahead and called WHEN they miss the call (过号) and, back at the counter, are
    re-queued behind three others THEN the next call to them sends "请到 N 号窗口" again; no second "前面还有 N 位"
    comes (once per ticket: they are in the hall, and were told their place when re-queued)."""
    tickets = await issue(api, server, 4)
    mine = tickets[3]
    assert (await api.post(f"/api/tickets/{mine['token']}/phone", {"phone": PHONE}))[0] == 201
    await call(api, server)  # two ahead
    assert [kind for kind, _ in sent()] == ["sms.ahead"]
    await call(api, server)
    await call(api, server)
    assert (await call(api, server))["number"] == mine["number"]
    for _ in range(5):  # behind, each at its own time (a re-queue goes just after the third's)
        server.clock.advance(1)
        await issue(api, server, 1)
    staff = api.as_(server.token("staff", 8))
    assert (await staff.post("/api/windows/8/skip", {"reason": "未到场"}))[0] == 200
    status, requeued = await staff.post("/api/windows/8/requeue", {"ticket": mine["number"]})
    assert status == 200, requeued
    numbers = [(await call(api, server))["number"] for _ in range(4)]
    assert numbers[3] == mine["number"]  # behind three
    assert [kind for kind, _ in sent()] == ["sms.ahead", "sms.called", "sms.called"]
    assert kinds(sent())[2][1]["number"] == mine["number"]


async def test_a_ticket_transferred_to_one_window_is_reminded_in_that_windows_queue(server, api, sent):
    """GIVEN four citizens already sent on to window 4 (转至4号窗口) WHEN the clerk at window 8 sends a citizen with a
    phone there too THEN they wait anew in window 4's own queue: "前面还有 2 位" comes once as window 4 calls those
    ahead (naming their service), then the call to window 4. One sent to a window where few wait gets only the
    call; a call at another window moves nothing of window 4's queue."""
    tickets = []
    for _ in range(5):
        tickets += await issue(api, server, 1)
        server.clock.advance(1)  # each its own time: a transferred ticket keeps its place in time
    mine = tickets[4]
    for _ in range(4):
        await call(api, server)
        await transfer(api, server, {"to_window": 4, "reason": "需到综合窗口核验"})
    # the phone left at the front of window 8's queue: only the call's SMS there
    assert (await api.post(f"/api/tickets/{mine['token']}/phone", {"phone": PHONE}))[0] == 201
    assert (await call(api, server))["number"] == mine["number"]
    assert [kind for kind, _ in sent()] == ["sms.called"]
    await transfer(api, server, {"to_window": 4, "reason": "需到综合窗口核验"})
    assert len(sent()) == 1  # four ahead at window 4: too far back
    await issue(api, server, 1)
    await call(api, server)  # window 8's own queue moved: window 4's did not
    assert len(sent()) == 1
    await call(api, server, window=4)  # three ahead
    assert len(sent()) == 1
    await call(api, server, window=4)  # two ahead: the reminder
    assert kinds(sent())[1] == ("sms.ahead", {"hall": "示范县政务服务中心", "number": mine["number"], "ahead": "2",
                                            "service": "社会保障卡办理"})
    for _ in range(3):
        called = await call(api, server, window=4)
    assert called["number"] == mine["number"]
    assert [kind for kind, _ in sent()] == ["sms.called", "sms.ahead", "sms.called"]
    assert kinds(sent())[2][1]["window"] == "4"

    # sent to a window where nobody waits: nothing but the call there
    other = (await issue(api, server, 1))[0]
    assert (await api.post(f"/api/tickets/{other['token']}/phone", {"phone": "13900001111"}))[0] == 201
    await call(api, server)
    await transfer(api, server, {"to_window": 4, "reason": "需到综合窗口核验"})
    assert (await call(api, server, window=4))["number"] == other["number"]
    assert [(kind, payload["phone"]) for kind, payload in sent()[3:]] == [("sms.called", "13900001111"),
                                                                         ("sms.called", "13900001111")]


async def test_a_transfer_seen_after_the_call_of_the_same_ticket_starts_no_new_count(server, api, sent):
    """GIVEN a citizen transferred to 企业开办 and called there (the call ended their wait) WHEN the transfer's
    event is only looked at afterwards (a transfer and the call of the same ticket can share one writer batch,
    whose events the reminders read together) THEN no new "前面还有 N 位" is due: three 绿色通道 tickets now rank
    ahead of the called ticket's place in that queue, but it is no longer waiting."""
    from queue_server.core.db import write_transaction
    from queue_server.core.events import Event
    from queue_server.keys import CONFIG
    from queue_server.phones.reminders import reminder_messages
    from queue_server.phones.settings import ReminderSettings

    mine = (await issue(api, server, 1))[0]
    assert (await api.post(f"/api/tickets/{mine['token']}/phone", {"phone": PHONE}))[0] == 201
    await call(api, server)
    await transfer(api, server, {"to_service": "company_setup", "reason": "需先办理企业开办"})
    assert (await call(api, server, window=4))["number"] == mine["number"]
    kiosk = api.as_(server.token("kiosk"))
    for _ in range(3):
        status, _ = await kiosk.post("/api/tickets", {"service": "company_setup", "request_id": uuid.uuid4().hex,
                                                      "priority": "elderly"})
        assert status == 201
    stale = Event("ticket.transferred", {"number": mine["number"], "service": "company_setup"})
    with write_transaction(server.db):
        messages = reminder_messages(server.db, [stale], server.app[CONFIG], ReminderSettings(True, 2),
                                     {"sms.ahead", "sms.called"})
    assert messages == []
    ahead_sent = server.db.execute("select p.ahead_sent from citizen_phones p join tickets t on t.id = p.ticket_id "
                                   "where t.number = ?", [mine["number"]]).fetchone()[0]
    assert ahead_sent is not None, "a called ticket must not be due a count again"
