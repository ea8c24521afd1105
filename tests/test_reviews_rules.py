"""好差评 rules over the real server: one review per ticket, only after 办结, tablets bound to their window, the
ticket token needed, reasons for bad levels, channels, rate limiting, 电话邀评 and voiding."""
from __future__ import annotations

from queue_server.keys import BUS


async def test_one_review_per_ticket_only_after_finishing(desk):
    waiting = desk.issue()
    status, body = await desk.review(waiting["token"])
    assert (status, body["error"]) == (409, "conflict")
    desk.call(1)
    status, body = await desk.review(waiting["token"])
    assert status == 409, "a called but unfinished ticket cannot be reviewed"
    desk.finish(1)
    status, body = await desk.review(waiting["token"])
    assert status == 201 and body["ticket"] == waiting["number"] and body["rectification_id"] is None
    status, body = await desk.review(waiting["token"], "satisfied")
    assert (status, body["error"]) == (409, "conflict")
    rows = list(desk.server.db.query("SELECT level, channel FROM reviews"))
    assert rows == [{"level": "very_satisfied", "channel": "qr"}]


async def test_token_is_needed_and_must_exist(desk):
    desk.serve()
    status, body = await desk.review(None)
    assert (status, body["error"], body["field"], body["message"]) == (422, "invalid", "ticket_token", "缺少号票凭证")
    status, body = await desk.review("not-a-real-token")
    assert (status, body["error"]) == (404, "not_found")
    assert desk.server.db["reviews"].count == 0


async def test_bad_levels_need_a_reason_and_open_a_case(desk):
    published = []
    desk.server.app[BUS].subscribe(published.append)
    ticket = desk.serve()
    status, body = await desk.review(ticket["token"], "dissatisfied")
    assert status == 422 and body["field"] == "reasons"
    status, body = await desk.review(ticket["token"], "very_dissatisfied", reasons=["   "])
    assert status == 422 and body["field"] == "reasons"
    status, body = await desk.review(ticket["token"], "great")
    assert status == 422 and body["field"] == "level"
    assert not [e for e in published if e.name == "review.created"]
    status, body = await desk.review(ticket["token"], "dissatisfied", reasons=["等候时间过长"], comment="排了很久")
    assert status == 201 and body["rectification_id"] is not None
    [event] = [e for e in published if e.name == "review.created"]
    assert event.data["ticket"] == ticket["number"] and event.data["bad"] is True
    assert "hall" not in event.topics and "window:1" not in event.topics, "staff must not see the level"
    [case] = await desk.get("/api/rectifications")
    # Reviewed Monday 2026-11-23: call back by the end of Tuesday; rectify within 15 working days (14 December).
    assert case["ticket"] == ticket["number"] and case["state"] == "opened" and case["level"] == "dissatisfied"
    assert case["callback_due"] == "2026-11-24T23:59:59+08:00"
    assert case["rectify_due"] == "2026-12-14T23:59:59+08:00"
    assert case["review_id"] == body["id"] and case["window"] == 1


async def test_tablet_reviews_only_its_windows_just_finished_ticket(desk):
    first = desk.serve(window=1)
    second = desk.serve(window=1)
    other = desk.serve(window=2)
    tablet1 = desk.server.auth("tablet", 1)
    status, body = await desk.review(first["token"], channel="tablet", headers=tablet1)
    assert (status, body["error"]) == (403, "forbidden"), "not the window's latest finished ticket"
    status, body = await desk.review(other["token"], channel="tablet", headers=tablet1)
    assert status == 403, "another window's ticket"
    status, body = await desk.review(second["token"], channel="qr", headers=tablet1)
    assert status == 422 and body["field"] == "channel"
    # Without a token the tablet reviews its window's just-finished ticket.
    status, body = await desk.review(None, channel="tablet", headers=tablet1)
    assert status == 201 and body["ticket"] == second["number"]
    status, body = await desk.review(second["token"], channel="tablet", headers=tablet1)
    assert status == 409
    kiosk = desk.server.auth("kiosk")
    status, body = await desk.review(None, channel="terminal", headers=kiosk)
    assert status == 422 and body["field"] == "ticket_token", "a kiosk needs the scanned ticket's token"
    status, body = await desk.review(first["token"], channel="tablet", headers=kiosk)
    assert status == 422 and body["field"] == "channel"
    status, body = await desk.review(first["token"], channel="terminal", headers=kiosk)
    assert status == 201, "a kiosk that scanned the ticket may take the citizen's review"
    staff = desk.server.auth("staff", 2)
    status, body = await desk.review(other["token"], channel="tablet", headers=staff)
    assert status == 403, "staff must not submit reviews"
    desk.server.clock.advance(11 * 60)
    status, body = await desk.review(other["token"], channel="tablet", headers=desk.server.auth("tablet", 2))
    assert status == 403 and "时限" in body["message"]
    status, body = await desk.review(other["token"], channel="qr")
    assert status == 201, "the QR code still works later"


async def test_public_channel_cannot_claim_the_tablet_or_phone(desk):
    ticket = desk.serve()
    for channel in ("tablet", "phone", "fax"):
        status, body = await desk.review(ticket["token"], channel=channel)
        assert status == 422 and body["field"] == "channel", channel


async def test_bursts_from_one_device_are_rate_limited_and_flagged(desk):
    tickets = [desk.serve(window=w) for w in (1, 2, 3, 1, 2, 3, 1)]
    for t in tickets[:5]:
        status, _ = await desk.review(t["token"])
        assert status == 201
    status, body = await desk.review(tickets[5]["token"])
    assert (status, body["error"]) == (429, "rate_limited")
    flags = await desk.get("/api/reviews/flags")
    assert len(flags) == 1 and flags[0]["reason"] == "rate_limited" and flags[0]["device"] == "phone:127.0.0.1:-"
    desk.server.clock.advance(61)
    status, body = await desk.review(tickets[5]["token"])
    assert status == 201
    flagged = await desk.get("/api/reviews?flagged=1")
    assert [r["ticket_number"] for r in flagged] == [tickets[5]["number"]]
    # A tablet is another device: it is not held back by the phone's burst.
    desk.server.clock.advance(1)
    status, _ = await desk.review(None, channel="tablet", headers=desk.server.auth("tablet", 1))
    assert status == 201


async def test_phone_invitation_of_an_unrated_ticket(desk):
    rated, unrated = desk.serve(window=1), desk.serve(window=2)
    assert (await desk.review(rated["token"]))[0] == 201
    listed = await desk.get("/api/reviews/unrated")
    assert [t["number"] for t in listed] == [unrated["number"]] and listed[0]["invitations"] == 0
    status, body = await desk.post("/api/reviews/invitations", {"ticket_id": unrated["id"], "outcome": "unreachable"})
    assert status == 201 and body["review"] is None
    status, body = await desk.post("/api/reviews/invitations", {
        "ticket_id": unrated["id"], "method": "phone", "outcome": "rated", "level": "very_dissatisfied"})
    assert status == 422 and body["field"] == "reasons"
    status, body = await desk.post("/api/reviews/invitations", {
        "ticket_id": unrated["id"], "method": "phone", "outcome": "rated", "level": "satisfied"})
    assert status == 201 and body["review"]["channel"] == "phone"
    assert await desk.get("/api/reviews/unrated") == []
    row = next(desk.server.db.query("SELECT invited, channel, entered_by FROM reviews WHERE ticket_id = ?",
                                    [unrated["id"]]))
    assert row["invited"] == 1 and row["channel"] == "phone" and row["entered_by"] == "test-admin"
    status, body = await desk.post("/api/reviews/invitations", {
        "ticket_id": rated["id"], "method": "phone", "outcome": "rated", "level": "satisfied"})
    assert status == 409
    async with desk.http.post(f"{desk.server.url}/api/reviews/invitations", json={"ticket_id": rated["id"]},
                              headers=desk.server.auth("staff", 1)) as r:
        assert r.status == 403


async def test_voiding_keeps_the_record_with_reason_and_approver(desk):
    ticket = desk.serve()
    status, body = await desk.review(ticket["token"], "very_dissatisfied", reasons=["其他"], comment="恶意")
    review_id = body["id"]
    status, err = await desk.post(f"/api/reviews/{review_id}/void", {"reason": "恶意差评, 经核实与事实不符"})
    assert status == 422 and err["field"] == "approver"
    status, voided = await desk.post(f"/api/reviews/{review_id}/void", {"reason": "误评", **desk.approver()})
    assert status == 200 and voided["voided"] and voided["void_approver"] == "王主任（9002）"
    status, _ = await desk.post(f"/api/reviews/{review_id}/void", {"reason": "误评", **desk.approver()})
    assert status == 409
    assert desk.server.db["reviews"].count == 1, "voiding never deletes"
    [case] = await desk.get("/api/rectifications")
    assert case["state"] == "voided"
    detail = await desk.get(f"/api/rectifications/{case['id']}")
    assert [h["action"] for h in detail["history"]] == ["open", "void"]
    kpis = await desk.get("/api/kpis?from=2026-11-23&to=2026-11-23")
    assert kpis["bad_rate"] is None and kpis["unrated_rate"] == 0.0


async def test_review_created_reaches_supervision_but_not_the_window(desk):
    ticket = desk.serve(window=1)
    url = desk.server.url.replace("http", "ws")
    admin_token, staff_token = desk.server.token("admin"), desk.server.token("staff", 1)
    async with desk.http.ws_connect(f"{url}/api/ws?topics=hall,admin&token={admin_token}") as supervision, \
            desk.http.ws_connect(f"{url}/api/ws?topics=hall,window:1&token={staff_token}") as counter:
        assert (await supervision.receive_json(timeout=5))["event"] == "snapshot"
        assert (await counter.receive_json(timeout=5))["event"] == "snapshot"
        status, body = await desk.review(ticket["token"], "basically_satisfied")
        assert status == 201
        message = await supervision.receive_json(timeout=5)
        assert message["event"] == "review.created"
        assert message["data"]["ticket"] == ticket["number"] and message["data"]["level"] == "basically_satisfied"
        # The counter's staff panel hears nothing about the review (staff must not see or steer the choice).
        desk.issue()
        assert (await counter.receive_json(timeout=5))["event"] == "ticket.issued"


async def test_review_ledger_limit(desk):
    for _ in range(3):
        assert (await desk.review(desk.serve()["token"]))[0] == 201
    rows = await desk.get("/api/reviews?limit=2")
    assert len(rows) == 2 and rows[0]["id"] > rows[1]["id"]
    async with desk.http.get(f"{desk.server.url}/api/reviews?limit=0", headers=desk.admin()) as r:
        assert r.status == 422


async def test_phones_sharing_an_address_are_limited_one_by_one_and_together(desk):
    tickets = [desk.serve(window=1 + n % 3) for n in range(7)]
    phone_a, phone_b = {"X-Review-Device": "aaaa"}, {"X-Review-Device": "bbbb"}
    for t in tickets[:5]:
        assert (await desk.review(t["token"], headers=phone_a))[0] == 201
    assert (await desk.review(tickets[5]["token"], headers=phone_a))[0] == 429
    assert (await desk.review(tickets[5]["token"], headers=phone_b))[0] == 201, "another phone on the same WiFi"
    # Probing with made-up tokens counts as well: 30 attempts per address per minute, whatever the ids say
    # (5 from phone A, 1 from phone B and these 24; phone A's refused one was not counted).
    for n in range(24):
        status, _ = await desk.review(f"guess-{n}", headers={"X-Review-Device": f"rotating-{n}"})
        assert status == 404
    status, body = await desk.review(tickets[6]["token"], headers={"X-Review-Device": "fresh"})
    assert (status, body["error"]) == (429, "rate_limited")
    reasons = [f["reason"] for f in await desk.get("/api/reviews/flags")]
    assert reasons == ["address_rate_limited", "rate_limited"]
    desk.server.clock.advance(60)
    status, _ = await desk.review(tickets[6]["token"], headers={"X-Review-Device": "fresh"})
    assert status == 201
    flagged = await desk.get("/api/reviews?flagged=1")
    assert [r["ticket_number"] for r in flagged] == [tickets[6]["number"]]


def test_forwarded_address_is_only_believed_from_a_trusted_proxy():
    from aiohttp.test_utils import make_mocked_request

    from queue_server.reviews.http import client_address

    base = make_mocked_request("POST", "/api/reviews", headers={"X-Forwarded-For": "203.0.113.9, 10.0.0.2"})
    via_proxy = base.clone(remote="10.0.0.1")
    assert client_address(via_proxy, frozenset({"10.0.0.1", "10.0.0.2"})) == "203.0.113.9"
    assert client_address(via_proxy, frozenset({"10.0.0.1"})) == "10.0.0.2"
    assert client_address(via_proxy, frozenset()) == "10.0.0.1", "an untrusted peer cannot choose its address"
    assert client_address(base.clone(remote="198.51.100.7"), frozenset({"10.0.0.1"})) == "198.51.100.7"


async def test_review_is_credited_to_who_served(desk):
    desk.add_staff("1001", "张三")
    desk.hall.set_staff(2, "1002", "李四")
    served = desk.serve(window=1)  # finished by staff:1001 (the panel)
    assert (await desk.review(served["token"]))[0] == 201
    desk.issue()
    desk.call(2, "1002")
    keypad, _ = desk.hall.finish(2, "agent:keypad-2")  # a hardware keypad relayed by the device agent
    assert (await desk.review(keypad["token"], channel="tablet", headers=desk.server.auth("tablet", 2)))[0] == 201
    desk.issue()
    desk.call(2, "1002")
    late, _ = desk.hall.finish(2, "agent:keypad-2")
    desk.server.clock.advance(3600)  # reviewed an hour later: the window's staff may have changed since
    assert (await desk.review(late["token"], headers={"X-Review-Device": "p2"}))[0] == 201
    rows = {r["ticket_number"]: (r["staff_no"], r["staff_name"]) for r in await desk.get("/api/reviews")}
    assert rows == {served["number"]: ("1001", "张三"), keypad["number"]: ("1002", "李四"), late["number"]: (None, None)}
