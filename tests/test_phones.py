"""The citizen's phone with consent: the offer the kiosk reads, leaving a number (its rule, who may), the admin's
masked view, and the retention purge with the injected clock (the phone gone, old SMS messages masked)."""
from __future__ import annotations

import dataclasses
import json
import logging
import uuid

import aiohttp
import pytest

from queue_server.core.clock import to_iso
from queue_server.phones.routes import housekeeping
from tests.apiclient import Api

PHONE = "13812341234"


@pytest.fixture
def sms_section():
    return {"provider": "generic", "url": "http://127.0.0.1:9/sms"}


@pytest.fixture
def hall_config(hall_config, sms_section):
    if sms_section is None:
        return hall_config
    return dataclasses.replace(hall_config, sections={**hall_config.sections, "outbound": {"sms": sms_section}})


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as http:
        yield Api(http, server.url)


async def ticket(api: Api, server) -> dict:
    status, body = await api.as_(server.token("kiosk")).post("/api/tickets", {"service": "si_card",
                                                                             "request_id": uuid.uuid4().hex})
    assert status == 201
    return body


async def test_the_kiosk_learns_the_offer(api):
    assert await api.get("/api/phone-reminders") == (200, {"offered": True, "remind_ahead": 3, "retention_days": 30})


@pytest.mark.parametrize("sms_section", [None])
async def test_a_hall_without_sms_takes_no_phone(server, api):
    assert (await api.get("/api/phone-reminders"))[1]["offered"] is False
    mine = await ticket(api, server)
    status, body = await api.post(f"/api/tickets/{mine['token']}/phone", {"phone": PHONE})
    assert (status, body["message"]) == (409, "本大厅未开通短信提醒")


@pytest.mark.parametrize("phone", ["12812341234", "1381234123", "138123412345", "1381234123a", "+8613812341234", ""])
async def test_a_number_that_is_not_a_mainland_mobile_is_refused_in_chinese(server, api, phone):
    mine = await ticket(api, server)
    status, body = await api.post(f"/api/tickets/{mine['token']}/phone", {"phone": phone})
    assert status == 422 and body["field"] == "phone"
    assert body["message"] == "手机号码：请输入11位手机号码（以13–19开头）"


async def test_who_may_leave_a_number(server, api):
    mine = await ticket(api, server)
    path = f"/api/tickets/{mine['token']}/phone"
    status, body = await api.post(path, {"phone": "138 1234-1234"})  # as the pad groups it
    assert status == 201 and body["phone"] == "138****1234"  # the token holder's phone page
    status, _ = await api.as_(server.token("staff", 8)).post(path, {"phone": PHONE})
    assert status == 403  # the counter has no business with the citizen's number
    assert (await api.post("/api/tickets/not-a-ticket/phone", {"phone": PHONE}))[0] == 404
    staff = api.as_(server.token("staff", 8))
    await staff.post("/api/windows/8/call")
    await staff.post("/api/windows/8/finish")
    status, body = await api.post(path, {"phone": PHONE})
    assert status == 409 and "已办结" in body["message"]


async def test_a_phone_page_is_limited_per_address(server, api):
    mine = await ticket(api, server)
    statuses = [(await api.post(f"/api/tickets/{mine['token']}/phone", {"phone": PHONE}))[0] for _ in range(31)]
    assert statuses[:30] == [201] * 30 and statuses[30] == 429
    kiosk = api.as_(server.token("kiosk"))  # a hall kiosk is not limited
    assert (await kiosk.post(f"/api/tickets/{mine['token']}/phone", {"phone": PHONE}))[0] == 201


async def test_retention_purge(server, api, caplog):
    caplog.set_level(logging.INFO)
    mine = await ticket(api, server)
    assert (await api.post(f"/api/tickets/{mine['token']}/phone", {"phone": PHONE}))[0] == 201
    admin = api.as_(server.token("admin"))
    status, rows = await admin.get("/api/phone-reminders/consents")
    assert status == 200 and [(r["number"], r["phone"], r["source"]) for r in rows] == [
        (mine["number"], "138****1234", "phone")]
    assert PHONE not in json.dumps(rows) and PHONE not in caplog.text
    old, day = to_iso(server.clock.now()), server.clock.now().date().isoformat()
    payload = json.dumps({"phone": PHONE, "params": {"number": mine["number"]}})
    for state in ("delivered", "dead", "pending"):
        server.db.execute("insert into outbox (id, channel, kind, payload, created_at, state, next_attempt_at) "
                          "values (?, 'sms', 'sms.called', ?, ?, ?, ?)", [uuid.uuid4().hex, payload, old, state, old])
    status, messages = await admin.get("/api/outbound/messages?channel=sms")  # the 外发 page's list
    assert status == 200 and len(messages["messages"]) == 3 and PHONE not in json.dumps(messages, ensure_ascii=False)
    server.clock.advance(29 * 86400)  # within the retention: kept
    assert (await housekeeping(server.app))[:2] == (0, 0)
    server.db.execute("insert into outbox (id, channel, kind, payload, created_at, state, next_attempt_at) values "
                      "(?, 'sms', 'sms.called', ?, ?, 'delivered', ?)",
                      [uuid.uuid4().hex, payload, to_iso(server.clock.now()), to_iso(server.clock.now())])
    server.clock.advance(2 * 86400)
    assert (await housekeeping(server.app))[:2] == (1, 2)
    assert server.db.execute("select count(*) from citizen_phones").fetchone()[0] == 0
    assert (await admin.get(f"/api/phone-reminders/consents?day={day}"))[1] == []
    phones = dict(server.db.execute(
        "select state || ':' || created_at, json_extract(payload, '$.phone') from outbox").fetchall())
    assert phones == {f"delivered:{old}": "138****1234", f"dead:{old}": "138****1234",
                      f"pending:{old}": PHONE,  # still to be sent: it needs the number
                      **{k: PHONE for k in phones if k.startswith("delivered:") and not k.endswith(old)}}


async def test_an_admin_withdraws_a_phone_for_the_citizen(server, api, caplog):
    """GIVEN two tickets with phones and an SMS already delivered to one WHEN an admin withdraws that phone THEN it
    is deleted at once (not at the retention), masked in the delivered SMS (a pending one keeps it: the gateway
    needs it), the other phone stays; only an admin may, and a ticket without a phone is 404."""
    caplog.set_level(logging.INFO)
    mine, other = await ticket(api, server), await ticket(api, server)
    assert (await api.post(f"/api/tickets/{mine['token']}/phone", {"phone": PHONE}))[0] == 201
    assert (await api.post(f"/api/tickets/{other['token']}/phone", {"phone": "13900001111"}))[0] == 201
    now = to_iso(server.clock.now())
    for state, phone in (("delivered", PHONE), ("pending", PHONE), ("delivered", "13900001111")):
        server.db.execute("insert into outbox (id, channel, kind, payload, created_at, state, next_attempt_at) "
                          "values (?, 'sms', 'sms.called', ?, ?, ?, ?)",
                          [uuid.uuid4().hex, json.dumps({"phone": phone, "params": {}}), now, state, now])
    admin = api.as_(server.token("admin"))
    _, rows = await admin.get("/api/phone-reminders/consents")
    [row] = [r for r in rows if r["number"] == mine["number"]]
    path = f"/api/phone-reminders/consents/{row['ticket_id']}"
    assert (await api.request("DELETE", path))[0] == 401
    assert (await api.as_(server.token("kiosk")).request("DELETE", path))[0] == 403
    status, done = await admin.request("DELETE", path)
    assert status == 200 and done == {"number": mine["number"], "phone": "138****1234", "withdrawn": True,
                                      "masked_messages": 1}
    assert (await admin.request("DELETE", path))[0] == 404
    assert (await admin.request("DELETE", "/api/phone-reminders/consents/abc"))[0] == 404
    assert server.db.execute("select count(*) from citizen_phones where phone = ?", [PHONE]).fetchone()[0] == 0
    phones = sorted(server.db.execute("select state, json_extract(payload, '$.phone') from outbox").fetchall())
    assert phones == [("delivered", "138****1234"), ("delivered", "13900001111"), ("pending", PHONE)]
    assert [r["number"] for r in (await admin.get("/api/phone-reminders/consents"))[1]] == [other["number"]]
    assert PHONE not in caplog.text and "withdrawn by admin:" in caplog.text
