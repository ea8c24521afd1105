"""Admin actions in the operation log (操作日志) over real HTTP against the real server: an admin's cancel of a
citizen's booking and an admin's withdrawal of a citizen's phone each leave a row saying who, what, why and which
booking or ticket (phones and names masked), in the list, its day and action filters, and the Excel export."""
from __future__ import annotations

import dataclasses
import io
import uuid
from datetime import datetime, timedelta

import aiohttp
import pytest
from openpyxl import load_workbook

from queue_server.core.clock import SystemClock
from queue_server.web.auth import add_staff, create_token
from tests.apiclient import Api
from tests.conftest import MONDAY_9AM, SHANGHAI

TUESDAY = "2026-11-24"


@pytest.fixture
def hall_config(hall_config):
    """The hall sends SMS reminders, so citizens may leave a phone."""
    sms = {"provider": "generic", "url": "http://127.0.0.1:9/sms"}
    return dataclasses.replace(hall_config, sections={**hall_config.sections, "outbound": {"sms": sms}})


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as http:
        yield Api(http, server.url)


async def _book(api: Api, n: int) -> str:
    status, booked = await api.post("/api/appointments", {"service": "si_card", "date": TUESDAY,
                                                          "slot": "10:00-10:30", "name": f"王小{n}",
                                                          "phone": f"139{n:08d}"})
    assert status == 201
    return booked["code"]


async def _admin_actions(server, api: Api) -> tuple[Api, dict]:
    """Monday 09:05 周主任 (9001) cancels a booking for a citizen who phoned, the reason naming a phone number;
    09:10 he withdraws the phone left for a ticket. Tuesday 09:00 he cancels another booking."""
    add_staff(server.db, SystemClock(), "9001", "周主任", "admin", "secret-9001")
    admin = api.as_(create_token(server.db, SystemClock(), "admin", name="周主任", staff_no="9001"))
    first, second = await _book(api, 1), await _book(api, 2)
    status, ticket = await api.as_(server.token("kiosk")).post("/api/tickets", {"service": "si_card",
                                                                               "request_id": uuid.uuid4().hex})
    assert status == 201
    assert (await api.post(f"/api/tickets/{ticket['token']}/phone", {"phone": "13812341234"}))[0] == 201

    server.clock.set(MONDAY_9AM + timedelta(minutes=5))
    reason = "群众来电：家中有事，回电13900000001"
    assert (await admin.post(f"/api/appointments/{first}/cancel-on-behalf", {"reason": reason}))[0] == 200
    server.clock.set(MONDAY_9AM + timedelta(minutes=10))
    _, [consent] = await admin.get("/api/phone-reminders/consents")
    path = f"/api/phone-reminders/consents/{consent['ticket_id']}"
    assert (await admin.request("DELETE", path, {"reason": "群众来电要求撤回"}))[0] == 200
    server.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))
    assert (await admin.post(f"/api/appointments/{second}/cancel-on-behalf", {"reason": "来电：改期"}))[0] == 200
    return admin, {"first": first, "second": second, "number": ticket["number"]}


def _seen(row: dict) -> tuple:
    return row["time"], row["window"], row["ticket"], row["action_name"], row["staff_no"], row["staff_name"], \
        row["reason"], row["detail"]


async def test_admin_actions_are_in_the_log_and_its_export_masked(server, api):
    admin, made = await _admin_actions(server, api)
    status, log = await admin.get("/api/oplog?day=2026-11-23")
    assert status == 200
    mine = [_seen(r) for r in log["rows"] if r["source"] == "admin"]
    assert mine == [
        ("09:05:00", None, None, "代取消预约", "9001", "周主任", "群众来电：家中有事，回电139****0001",
         f"预约码{made['first']}（社会保障卡办理 {TUESDAY} 10:00-10:30）"),
        ("09:10:00", None, made["number"], "撤回短信留号", "9001", "周主任", "群众来电要求撤回", "手机号138****1234"),
    ]
    assert log["actions"]["cancel_on_behalf"] == "代取消预约" and log["actions"]["phone_withdraw"] == "撤回短信留号"

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/api/oplog.xlsx?day=2026-11-23",
                            headers={"Authorization": f"Bearer {admin.token}"}) as r:
            assert r.status == 200
            sheet = load_workbook(io.BytesIO(await r.read())).active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert ["09:05:00", None, None, "代取消预约", "9001", "周主任", "群众来电：家中有事，回电139****0001",
            f"预约码{made['first']}（社会保障卡办理 {TUESDAY} 10:00-10:30）"] in rows
    assert ["09:10:00", None, made["number"], "撤回短信留号", "9001", "周主任", "群众来电要求撤回",
            "手机号138****1234"] in rows
    everything = " ".join(str(v) for r in rows for v in r)
    assert "13900000001" not in everything and "13812341234" not in everything and "王小1" not in everything


async def test_day_action_and_staff_filters_take_the_admin_rows(server, api):
    admin, made = await _admin_actions(server, api)
    _, monday = await admin.get("/api/oplog?day=2026-11-23&action=cancel_on_behalf")
    assert [r["detail"][:9] for r in monday["rows"]] == [f"预约码{made['first']}"] and monday["total"] == 1
    _, tuesday = await admin.get(f"/api/oplog?day={TUESDAY}&action=cancel_on_behalf")
    assert [(r["time"], r["detail"][:9], r["reason"]) for r in tuesday["rows"]] == [
        ("09:00:00", f"预约码{made['second']}", "来电：改期")]
    _, withdrawn = await admin.get("/api/oplog?day=2026-11-23&action=phone_withdraw")
    assert [(r["ticket"], r["action"]) for r in withdrawn["rows"]] == [(made["number"], "phone_withdraw")]
    assert (await admin.get(f"/api/oplog?day={TUESDAY}&action=phone_withdraw"))[1]["total"] == 0
    _, by_him = await admin.get("/api/oplog?day=2026-11-23&staff=9001")
    assert [r["action"] for r in by_him["rows"]] == ["cancel_on_behalf", "phone_withdraw"]
    # a window filter leaves them out: they happened at no window
    assert all(r["source"] != "admin" for r in (await admin.get("/api/oplog?day=2026-11-23&window=1"))[1]["rows"])


async def test_a_refused_action_leaves_no_row(server, api):
    """The row is written in the action's own writer operation: a 404 (nothing to cancel or withdraw) leaves none."""
    admin = api.as_(server.token("admin"))
    assert (await admin.post("/api/appointments/000000/cancel-on-behalf", {"reason": "来电"}))[0] == 404
    assert (await admin.request("DELETE", "/api/phone-reminders/consents/99", {"reason": "来电"}))[0] == 404
    assert server.db.execute("select count(*) from admin_log").fetchone()[0] == 0
