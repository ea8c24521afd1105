"""Who may do what (every role against every mutating route), and bad input answered with clear 4xx JSON."""
from __future__ import annotations

import aiohttp
import pytest

from tests.apiclient import Api

ROLES = {
    "admin": ("admin", None), "staff1": ("staff", 1), "staff2": ("staff", 2), "kiosk": ("kiosk", None),
    "tablet1": ("tablet", 1), "display": ("display", None), "agent": ("agent", None),
}

# route → the principals allowed (everyone else: 403; no token: 401)
MATRIX = {
    ("/api/tickets", '{"service": "passport", "request_id": "x"}'): {"admin", "kiosk"},
    ("/api/appointments/123456/check-in", ""): {"admin", "kiosk"},
    ("/api/windows/1/call", ""): {"admin", "staff1", "agent"},
    ("/api/windows/1/pause", '{"reason": "培训"}'): {"admin", "staff1", "agent"},
    ("/api/windows/1/open", ""): {"admin", "staff1", "agent"},
    ("/api/windows/1/transfer", '{"to_window": 2, "reason": "r"}'): {"admin", "staff1", "agent"},
}


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


async def test_auth_matrix(server, api):
    tokens = {name: server.token(role, window) for name, (role, window) in ROLES.items()}
    for (path, body), allowed in MATRIX.items():
        status, reply = await api.as_(None).post(path, raw=body.encode())
        assert status == 401 and reply["error"] == "unauthorized", path
        status, reply = await api.as_("not-a-token").post(path, raw=body.encode())
        assert status == 401, path
        for name, token in tokens.items():
            status, reply = await api.as_(token).post(path, raw=body.encode())
            if name in allowed:
                assert status not in (401, 403), (path, name, reply)
            else:
                assert status == 403 and reply["error"] == "forbidden" and reply["message"], (path, name, reply)


async def test_tokens_are_stored_hashed(server):
    token = server.token("kiosk")
    stored = [row[0] for row in server.db.execute("select token_hash from auth_tokens")]
    assert token not in stored and all(len(h) == 64 for h in stored)


@pytest.mark.parametrize("raw, field", [
    (b"{not json", None),
    (b"[1, 2]", None),
    (b"", None),
    (b'{"request_id": "a"}', "service"),
    (b'{"service": 12, "request_id": "a"}', "service"),
    (b'{"service": "passport", "request_id": true}', "request_id"),
    (b'{"service": "no_such_service", "request_id": "a"}', "service"),
    (b'{"service": "passport", "request_id": "a", "priority": "vip"}', "priority"),
    (b'{"service": "passport", "request_id": "' + b"x" * 101 + b'"}', "request_id"),
])
async def test_bad_ticket_requests_are_422_with_a_clear_message(server, api, raw, field):
    status, reply = await api.as_(server.token("kiosk")).post("/api/tickets", raw=raw)
    assert status == 422 and reply["error"] == "invalid" and reply["message"]
    # the field's English name is for programs; the message a kiosk shows starts in Chinese, no "service: " prefix
    assert "\u4e00" <= reply["message"][0] <= "\u9fff", reply
    if field:
        assert reply["field"] == field
    assert server.db.execute("select count(*) from tickets").fetchone()[0] == 0


async def test_bad_window_requests(server, api):
    staff = api.as_(server.token("staff", 1))
    status, reply = await staff.post("/api/windows/1/transfer", {"to_service": "nope", "reason": "x"})
    assert status == 422 and reply["field"] == "to_service" and reply["message"].startswith("未知")
    status, reply = await staff.post("/api/windows/1/pause", {})
    assert status == 422 and reply["field"] == "reason" and reply["message"] == "原因：必填"
    status, reply = await api.as_(server.token("admin")).post("/api/windows/999/call")
    assert status == 404 and reply["error"] == "not_found"
    status, reply = await api.get("/api/no-such-route")
    assert status == 404 and reply["error"] == "not_found"
    status, reply = await api.as_(server.token("admin")).post("/api/appointments", {
        "service": "passport", "date": "明天", "slot": "10:00-09:00", "name": "甲", "phone": "123"})
    assert status == 422 and reply["field"] == "date" and reply["message"].startswith("预约日期：")


async def test_staff_login_binds_window_and_shows_who_is_on_duty(server, api):
    from queue_server.web.auth import add_staff

    add_staff(server.db, server.clock, "1001", "张晓明", "staff", "secret-1")
    status, reply = await api.post("/api/login", {"staff_no": "1001", "password": "wrong!", "window": 3})
    assert status == 401 and reply["message"] == "工号或密码错误"
    status, login = await api.post("/api/login", {"staff_no": "1001", "password": "secret-1", "window": 3})
    assert status == 200 and login["role"] == "staff" and login["window"] == 3
    _, hall = await api.get("/api/hall")
    window3 = next(w for w in hall["windows"] if w["number"] == 3)
    # the public snapshot names who serves, not their account (工号): the counter tablet's token sees that
    assert window3["staff_name"] == "张晓明" and window3["staff_no"] is None
    staff = api.as_(login["token"])
    assert (await staff.post("/api/windows/4/open"))[0] == 403
    assert (await staff.post("/api/windows/3/open"))[0] == 200
    assert (await staff.post("/api/logout"))[0] == 200
    assert (await staff.post("/api/windows/3/open"))[0] == 401


async def test_openapi_and_docs(server, api):
    status, spec = await api.get("/api/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")
    for path in ("/api/tickets", "/api/tickets/{token}", "/api/windows/{number}/call", "/api/appointments/{code}/check-in",
                 "/api/hall", "/api/health", "/api/ws"):
        assert path in spec["paths"], path
    status, page = await api.get("/api/docs")
    assert status == 200 and "/api/windows/{number}/transfer" in page
