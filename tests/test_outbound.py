"""The outbox and the webhook channel against a real receiver on loopback: every configured event delivered and
signed, nothing lost while the receiver is down, 4xx parked at once, 5xx retried with backoff on the injected clock
up to max_attempts, retry from the admin route, messages committed with their records or not at all."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from queue_server.core.clock import from_iso
from queue_server.core.errors import conflict
from queue_server.keys import HALL, OUTBOX, WRITER
from queue_server.outbound.routes import WORKER
from tests.receiver import hall_with, until

SECRET = "s3cret-for-the-test-hall"
EVENTS = ["ticket.issued", "ticket.called", "ticket.finished", "window.paused", "review.created"]
SERVICE = "bdc_transfer"  # window 1 serves it


def webhook(url: str, **extra) -> dict:
    return {"webhook": {"url": url, "secret": SECRET, "events": EVENTS, "first_delay": 10, "max_delay": 40,
                        "max_attempts": 3, **extra}}


@pytest.fixture
async def hall(hall_config, db_path, clock, receiver):
    """The real server with ``[outbound.webhook]`` pointing at the receiver, and an admin API client."""
    async with hall_with(hall_config, db_path, clock, webhook(receiver.url)) as server:
        yield server


def verified(request) -> dict:
    """The receiver's check: the signature is the HMAC-SHA256 of the raw body with the shared secret."""
    expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Govhall-Signature"], expected)
    body = json.loads(request.body)
    assert request.headers["X-Govhall-Event"] == body["event"]
    return body


def rows(server, where: str = "1") -> list[dict]:
    return list(server.db.query(f"select * from outbox where {where} order by seq"))


async def issue(server, n: int = 1) -> None:
    kiosk = server.api.as_(server.token("kiosk"))
    for i in range(n):
        status, body = await kiosk.post("/api/tickets", {"service": SERVICE, "request_id": f"r{i}-{len(rows(server))}"})
        assert status == 201, body


async def test_every_configured_event_is_delivered_signed(hall, receiver):
    """GIVEN a webhook for five events WHEN a ticket is issued, called, finished and reviewed, and the window paused
    THEN the receiver gets each once, signed over the raw body, with the hall's name and a distinct delivery id,
    and events not configured (ticket.started) are not sent."""
    staff = hall.api.as_(hall.sign_in(1)[1])
    await issue(hall)
    status, ticket = await hall.api.as_(hall.token("kiosk")).post("/api/tickets", {"service": SERVICE,
                                                                                   "request_id": "citizen"})
    assert status == 201
    for action in ("call", "finish", "call", "finish"):
        status, body = await staff.post(f"/api/windows/1/{action}")
        assert status == 200, body
    status, body = await hall.api.as_(None).post("/api/reviews", {"ticket_token": ticket["token"], "level": "satisfied",
                                                                  "channel": "qr"})
    assert status == 201, body
    status, body = await staff.post("/api/windows/1/pause", {"reason": "午休"})
    assert status == 200, body
    expected = ["ticket.issued"] * 2 + ["ticket.called", "ticket.finished"] * 2 + ["review.created", "window.paused"]
    await until(lambda: len(receiver.requests) >= len(expected), "all events delivered")
    await until(lambda: not rows(hall, "state != 'delivered'"), "all recorded as delivered")
    bodies = [verified(r) for r in receiver.requests]
    assert sorted(b["event"] for b in bodies) == sorted(expected)
    assert {b["hall"] for b in bodies} == {hall.app[HALL].config.hall.name}
    ids = [r.headers["X-Govhall-Delivery"] for r in receiver.requests]
    assert sorted(ids) == sorted(r["id"] for r in rows(hall)) and len(set(ids)) == len(ids)
    review = next(b for b in bodies if b["event"] == "review.created")
    assert review["data"]["level"] == "satisfied" and "token" not in json.dumps(bodies)


async def test_receiver_down_then_back_loses_nothing(hall, receiver, clock):
    """GIVEN the receiver stopped WHEN five tickets are issued THEN each message fails (connection refused) and
    stays pending; WHEN the receiver is back and the retry time comes THEN all five arrive, and whatever arrived
    twice came with the same delivery id."""
    await receiver.stop()
    await issue(hall, 5)
    await until(lambda: len(rows(hall, "attempts = 1 and state = 'pending'")) == 5, "five failed first attempts")
    assert all("连接失败" in r["last_error"] for r in rows(hall))
    receiver.fail_times, receiver.fail_status = 2, 503  # back, but answers the first two with 503 after reading
    await receiver.start()
    for _ in range(3):
        clock.advance(60)
        hall.app[WORKER].wake()
        await until(lambda: not rows(hall, f"state = 'pending' and next_attempt_at <= '{clock.now().isoformat()}'"),
                    "the due attempts made")
    assert not rows(hall, "state != 'delivered'")
    ids = [r.headers["X-Govhall-Delivery"] for r in receiver.requests]
    assert len(ids) == 7 and set(ids) == {r["id"] for r in rows(hall)}
    first_body = {}
    for request in receiver.requests:  # a duplicate is the same message: same id, same bytes
        assert first_body.setdefault(request.headers["X-Govhall-Delivery"], request.body) == request.body


async def test_a_4xx_is_parked_at_once_and_retried_by_hand(hall, receiver):
    """GIVEN a receiver answering 400 WHEN a ticket is issued THEN one attempt, the message dead with the error on
    the admin routes; WHEN the receiver is fixed and an admin retries THEN it is delivered with the same id."""
    receiver.status = 400
    await issue(hall)
    await until(lambda: rows(hall, "state = 'dead'"), "the message parked")
    assert len(receiver.requests) == 1
    status, summary = await hall.api.get("/api/outbound/summary")
    assert status == 200
    webhook = next(c for c in summary["channels"] if c["channel"] == "webhook")
    assert (webhook["dead"], webhook["pending"], webhook["configured"]) == (1, 0, True)
    status, listing = await hall.api.get("/api/outbound/messages?state=dead")
    dead = listing["messages"][0]
    assert (dead["attempts"], dead["last_error"]) == (1, "接收方拒绝：HTTP 400")
    receiver.status = 200
    status, body = await hall.api.post(f"/api/outbound/messages/{dead['id']}/retry")
    assert status == 200 and body["state"] == "pending" and body["retried_by"] == "admin:test-admin"
    await until(lambda: rows(hall, "state = 'delivered'"), "delivered after the retry")
    assert [r.headers["X-Govhall-Delivery"] for r in receiver.requests] == [dead["id"]] * 2
    status, body = await hall.api.post(f"/api/outbound/messages/{dead['id']}/retry")
    assert status == 409 and body["error"] == "conflict"
    status, _ = await hall.api.post("/api/outbound/messages/00000000-0000-4000-8000-000000000000/retry")
    assert status == 404
    status, _ = await hall.api.post("/api/outbound/messages/not-an-id/retry")
    assert status == 404
    status, _ = await hall.api.as_(hall.token("kiosk")).get("/api/outbound/summary")
    assert status == 403


async def test_a_5xx_is_retried_with_backoff_then_parked(hall, receiver, clock):
    """GIVEN a receiver answering 500 (first_delay 10 s, max_attempts 3) WHEN a ticket is issued THEN the second
    attempt is due 7.5–12.5 s after the first, the third after about twice that, and after the third the message is
    dead; nothing is tried before it is due."""
    receiver.status = 500
    await issue(hall)
    await until(lambda: rows(hall, "attempts = 1"), "first attempt")
    first = rows(hall)[0]
    delay = (from_iso(first["next_attempt_at"]) - clock.now()).total_seconds()
    assert 7.5 <= delay <= 12.5
    hall.app[WORKER].wake()
    await hall.app[WRITER].run(lambda db: None)  # the worker looked again: the message is not due yet
    assert len(receiver.requests) == 1
    clock.advance(12.5)
    hall.app[WORKER].wake()
    await until(lambda: rows(hall, "attempts = 2"), "second attempt")
    delay = (from_iso(rows(hall)[0]["next_attempt_at"]) - clock.now()).total_seconds()
    assert 15 <= delay <= 25
    clock.advance(25)
    hall.app[WORKER].wake()
    await until(lambda: rows(hall, "state = 'dead'"), "parked after max_attempts")
    dead = rows(hall)[0]
    assert (dead["attempts"], dead["last_error"]) == (3, "接收方答复 HTTP 500")
    assert len({r.headers["X-Govhall-Delivery"] for r in receiver.requests}) == 1 and len(receiver.requests) == 3


async def test_retry_after_is_honoured(hall, receiver, clock):
    receiver.status, receiver.headers = 429, {"Retry-After": "120"}
    await issue(hall)
    await until(lambda: rows(hall, "attempts = 1"), "first attempt")
    assert (from_iso(rows(hall)[0]["next_attempt_at"]) - clock.now()).total_seconds() >= 120


async def test_a_message_commits_with_its_record_or_not_at_all(hall, receiver):
    """GIVEN a write operation that enqueues a message and then fails THEN no message is stored (and no ticket of a
    failed issue either); an operation that enqueues and succeeds, with no event in its batch, is delivered
    promptly (the worker is woken after its commit)."""
    outbox = hall.app[OUTBOX]

    def failing(db):
        outbox.enqueue(db, "webhook", "test.note", {"event": "test.note", "data": {}})
        hall.app[HALL].issue_ticket(SERVICE, "rolled-back", None, "test")
        raise conflict("refused after writing")

    with pytest.raises(Exception, match="refused after writing"):
        await hall.app[WRITER].run(failing)
    assert rows(hall) == [] and hall.db.execute("select count(*) from tickets").fetchone()[0] == 0
    assert outbox.enqueue(hall.db, "sms", "sms.called", {"phone": "13800000000"}) is None  # SMS is off
    message_id = await hall.app[WRITER].run(
        lambda db: outbox.enqueue(db, "webhook", "test.note", {"event": "test.note", "data": {"n": 1}}))
    await until(lambda: receiver.requests, "the direct enqueue delivered")
    assert receiver.requests[0].headers["X-Govhall-Delivery"] == message_id
