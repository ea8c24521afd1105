"""The service-practice register: one record per practice at the counter, what each kind must carry, the 容缺
material tracked until it arrives, counts per window, unit, staff member and period with the notice slips among
them, and the hall file's own kinds — through the real server."""
from __future__ import annotations

from datetime import date, timedelta

import aiohttp
import pytest

from queue_server.core.config import ConfigError
from queue_server.practices.settings import DEFAULT_KINDS, parse_practice_kinds
from tests.apiclient import Api


@pytest.fixture
async def counter(server):
    """Window 1's clerk (张三, 工号 1001) signed in, with a citizen at the counter."""
    from queue_server.web.auth import add_staff

    add_staff(server.db, server.clock, "1001", "张三", "staff", "secret-pass")
    async with aiohttp.ClientSession() as session:
        api = Api(session, server.url)
        window = 1
        service = server.hall.config.windows[window].services[0]
        _, reply = await api.post("/api/login", {"staff_no": "1001", "password": "secret-pass", "window": window})
        clerk = api.as_(reply["token"])
        kiosk = api.as_(server.token("kiosk"))
        status, ticket = await kiosk.post("/api/tickets", {"service": service, "request_id": "p-1"})
        assert status == 201
        assert (await clerk.post(f"/api/windows/{window}/call"))[0] == 200
        yield clerk, api.as_(server.token("admin")), ticket["number"]


async def test_each_kind_carries_what_it_needs(server, counter):
    clerk, admin, number = counter
    today = server.clock.now().astimezone(server.hall.config.hall.tz).date()
    status, rec = await clerk.post("/api/windows/1/practices", {"kind": "assisted"})
    assert status == 201 and rec["ticket_number"] == number and rec["staff_no"] == "1001" and rec["kind_name"] == "帮办代办"
    status, reply = await clerk.post("/api/windows/1/practices", {"kind": "assisted"})  # a double tap
    assert status == 409 and reply["message"] == f"{number}号已登记过“帮办代办”"
    status, reply = await clerk.post("/api/windows/1/practices", {"kind": "missing_material", "material": "户口簿复印件"})
    assert status == 422 and reply["field"] == "promised_on"
    status, reply = await clerk.post("/api/windows/1/practices", {
        "kind": "missing_material", "material": "户口簿复印件", "promised_on": (today - timedelta(days=1)).isoformat()})
    assert status == 422 and reply["field"] == "promised_on"
    status, missing = await clerk.post("/api/windows/1/practices", {
        "kind": "missing_material", "material": "户口簿复印件", "promised_on": (today + timedelta(days=3)).isoformat()})
    assert status == 201 and missing["material"] == "户口簿复印件"
    status, reply = await clerk.post("/api/windows/1/practices", {
        "kind": "missing_material", "material": "户口簿复印件", "promised_on": (today + timedelta(days=3)).isoformat()})
    assert status == 409 and "户口簿复印件" in reply["message"]
    status, reply = await clerk.post("/api/windows/1/practices", {"kind": "free_copies", "count": 0})
    assert status == 422 and reply["field"] == "count"
    assert (await clerk.post("/api/windows/1/practices", {"kind": "free_copies", "count": 12}))[0] == 201
    status, reply = await clerk.post("/api/windows/1/practices", {"kind": "first_asked"})
    assert status == 422 and reply["field"] == "handed_to"
    assert (await clerk.post("/api/windows/1/practices", {"kind": "first_asked", "handed_to": "2号窗口李四"}))[0] == 201
    status, reply = await clerk.post("/api/windows/1/practices", {"kind": "dancing"})
    assert status == 422 and reply["field"] == "kind" and "帮办代办" in reply["message"]
    assert (await clerk.post("/api/windows/2/practices", {"kind": "assisted"}))[0] == 403
    status, reply = await clerk.post("/api/windows/1/practices", {"kind": "assisted", "ticket": "Z999"})
    assert status == 422 and reply["field"] == "ticket"

    # the 容缺 material is awaited until it arrives, and late after its promised day
    status, pending = await admin.get("/api/practices?pending=1")
    assert [p["id"] for p in pending] == [missing["id"]] and not pending[0]["late"]
    server.clock.advance(timedelta(days=4).total_seconds())
    _, pending = await admin.get(f"/api/practices?pending=1&from={today.isoformat()}")
    assert pending[0]["late"]
    # days later (the clerk's session of that day has expired): the supervisor marks the material brought in
    assert (await admin.post(f"/api/practices/{missing['id']}/arrived"))[0] == 200
    assert (await admin.post(f"/api/practices/{missing['id']}/arrived"))[0] == 409
    assert (await admin.get(f"/api/practices?pending=1&from={today.isoformat()}"))[1] == []


async def test_counts_per_window_unit_staff_and_period(server, counter):
    clerk, admin, number = counter
    for body in ({"kind": "assisted"}, {"kind": "home_visit"}, {"kind": "free_copies", "count": 5},
                 {"kind": "after_hours", "ticket": number}):
        assert (await clerk.post("/api/windows/1/practices", body))[0] == 201
    # a one-time notification slip printed at the counter counts as 一次性告知
    status, _ = await clerk.post("/api/guides/bdc-002/notices", {"picks": [{"kind": "material", "index": 4}]})
    assert status == 201
    department = server.hall.config.services[server.hall.config.windows[1].services[0]].department
    assert department == "bdc"  # window 1 serves 不动产登记, the guide's unit too
    _, by_unit = await admin.get("/api/practices/counts?by=department")
    [unit] = by_unit
    assert unit["key"] == department and unit["total"] == 9
    assert unit["kinds"]["notice_slip"] == {"name": "一次性告知", "count": 1}
    assert unit["kinds"]["assisted"] == {"name": "帮办代办", "count": 1}
    assert unit["kinds"]["free_copies"]["count"] == 5
    _, by_staff = await admin.get("/api/practices/counts?by=staff")
    assert [(r["key"], r["total"]) for r in by_staff] == [("1001", 9)]
    _, by_window = await admin.get("/api/practices/counts?by=window")
    assert [(r["key"], r["total"]) for r in by_window] == [(1, 9)]
    _, by_quarter = await admin.get("/api/practices/counts?by=quarter")
    assert [r["key"] for r in by_quarter] == ["2026Q4"]
    assert (await admin.get("/api/practices/counts?by=colour"))[0] == 422
    assert (await clerk.get("/api/practices/counts"))[0] == 403


def test_the_hall_file_names_its_own_kinds(tmp_path):
    path = tmp_path / "hall.toml"
    assert list(parse_practice_kinds(path, None)) == [k.code for k in DEFAULT_KINDS]
    kinds = parse_practice_kinds(path, {"kinds": [{"code": "assisted", "name": "帮办代办"},
                                                  {"code": "sign_language", "name": "手语服务"}]})
    assert [(k.code, k.name, k.needs) for k in kinds.values()] == [
        ("assisted", "帮办代办", "none"), ("sign_language", "手语服务", "none")]
    for raw, field in (({"kinds": []}, "practices.kinds"),
                       ({"kinds": [{"code": "A", "name": "x"}]}, "practices.kinds[0].code"),
                       ({"kinds": [{"code": "a", "name": "x", "needs": "photo"}]}, "practices.kinds[0].needs"),
                       ({"kinds": [{"code": "a", "name": "x"}, {"code": "a", "name": "y"}]}, "practices.kinds[1].code"),
                       ({"kind": []}, "practices.kind")):
        with pytest.raises(ConfigError, match=field.replace(".", r"\.").replace("[", r"\[").replace("]", r"\]")):
            parse_practice_kinds(path, raw)


async def test_the_panel_reads_the_kinds_and_a_tickets_records(server, counter):
    """The staff panel's reads: the hall's kinds with the promised dates it offers for a 容缺 (working days by the
    hall's calendar, never a weekend), and what one ticket got today at this window."""
    clerk, admin, number = counter
    status, offer = await clerk.get("/api/practices/kinds")
    assert status == 200
    assert [(k["code"], k["needs"]) for k in offer["kinds"]] == [(k.code, k.needs) for k in DEFAULT_KINDS]
    today = server.clock.now().astimezone(server.hall.config.hall.tz).date()
    days = [date.fromisoformat(p["date"]) for p in offer["promise_dates"]]
    assert [p["workdays"] for p in offer["promise_dates"]] == [1, 3, 5, 10]
    assert today < days[0] < days[1] < days[2] < days[3] and all(d.weekday() < 5 for d in days)
    assert (await admin.get("/api/practices/kinds"))[0] == 200
    assert (await admin.as_(None).get("/api/practices/kinds"))[0] == 401

    await clerk.post("/api/windows/1/practices", {"kind": "assisted"})
    await clerk.post("/api/windows/1/practices", {"kind": "free_copies", "count": 3})
    status, mine = await clerk.get(f"/api/windows/1/practices?ticket={number.lower()}")
    assert status == 200 and [(r["kind_name"], r["count"]) for r in mine] == [("帮办代办", 1), ("免费打复印", 3)]
    assert (await clerk.get("/api/windows/1/practices?ticket=Z999"))[1] == []
    assert len((await clerk.get("/api/windows/1/practices"))[1]) == 2
    assert (await clerk.get("/api/windows/2/practices"))[0] == 403
    assert (await admin.get("/api/windows/1/practices"))[0] == 200
