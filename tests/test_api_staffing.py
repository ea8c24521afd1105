"""Who works where, on the live server: the tide opens only staffed windows, sign-ins survive a restart but revoked
sessions do not, a keypad counts as someone at the counter; and the staff panel's window view (queue list with
tags and waits, the current ticket's tag) and 办结并叫下一位 (``finish_current``)."""
from __future__ import annotations

import asyncio
import itertools

import aiohttp
import pytest

from queue_server.app import create_app, open_database
from queue_server.core.clock import SystemClock
from queue_server.keys import HALL
from queue_server.queue.staffing import KEYPAD_PRESENCE_MIN
from queue_server.web.auth import add_staff, create_token
from tests.apiclient import Api
from tests.halls import with_tidal

_ids = itertools.count()


@pytest.fixture(scope="session")
def hall_config(hall_config):
    return with_tidal(hall_config, day_plan=False)


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


async def take(api: Api, kiosk: str, service: str, priority: str | None = None) -> dict:
    body = {"service": service, "request_id": f"s-{next(_ids)}", **({"priority": priority} if priority else {})}
    status, ticket = await api.as_(kiosk).post("/api/tickets", body)
    assert status == 201, ticket
    return ticket


async def open_tidal(api: Api, admin: str) -> list[dict]:
    await asyncio.sleep(0.05)  # the policy runs on the loop after each ticket
    await api.as_(admin).post("/api/tidal/run")
    _, tidal = await api.as_(admin).get("/api/tidal")
    return tidal["open"]


async def test_the_tide_skips_a_standby_window_nobody_is_signed_in_at(server, api):
    """GIVEN si_card overloaded, its only standby window 32 empty WHEN the policy runs THEN nothing opens and
    /api/hall says 32 is unstaffed; WHEN a clerk signs in at 32 THEN the next run opens it there."""
    kiosk, admin = server.token("kiosk"), server.token("admin")
    for _ in range(6):
        await take(api, kiosk, "si_card")
    assert await open_tidal(api, admin) == []
    _, hall = await api.get("/api/hall")
    assert next(w for w in hall["windows"] if w["number"] == 32)["staffed"] is False
    server.sign_in(32)
    opened = await open_tidal(api, admin)
    assert [(o["service"], o["window"]) for o in opened] == [("si_card", 32)]
    _, hall = await api.get("/api/hall")
    assert next(w for w in hall["windows"] if w["number"] == 32)["staffed"] is True


async def test_a_manager_cannot_open_a_tidal_window_nobody_works_at(server, api):
    """GIVEN standby window 32 and counter 30 (trained for 公积金贷款) with nobody signed in WHEN the manager opens
    either by hand THEN 409 naming the window, and with no window given there is no staffed standby window for
    si_card either (the policy's own choice); WHEN a clerk signs in at 32 THEN it opens there."""
    admin = api.as_(server.token("admin"))
    for service, window in (("si_card", 32), ("hpf_loan", 30)):
        status, body = await admin.post("/api/tidal/open", {"service": service, "window": window})
        assert status == 409 and body["error"] == "conflict", body
        assert body["message"].startswith(f"{window} 号窗口无人值守") and "签到" in body["message"]
    status, body = await admin.post("/api/tidal/open", {"service": "si_card"})
    assert status == 409 and "须有工作人员签到值守" in body["message"]
    assert server.db["tidal_openings"].count == 0
    server.sign_in(32)
    status, opened = await admin.post("/api/tidal/open", {"service": "si_card", "window": 32})
    assert status == 201 and opened["window"] == 32 and opened["manual"]


async def test_a_logged_out_clerk_no_longer_staffs_the_window_and_login_elsewhere_moves_them(server, api):
    add_staff(server.db, SystemClock(), "5001", "陈红", "staff", "secret-5001")
    status, first = await api.post("/api/login", {"staff_no": "5001", "password": "secret-5001", "window": 31})
    assert status == 200
    _, hall = await api.get("/api/hall")
    assert {w["number"] for w in hall["windows"] if w["staffed"]} == {31}
    status, _ = await api.post("/api/login", {"staff_no": "5001", "password": "secret-5001", "window": 33})
    _, hall = await api.as_(server.token("admin")).get("/api/hall")  # 工号 only for the hall's own callers
    assert {w["number"]: w["staff_no"] for w in hall["windows"] if w["staff_no"]} == {33: "5001"}
    assert {w["number"] for w in hall["windows"] if w["staffed"]} == {33}
    status, _ = await api.as_(first["token"]).post("/api/logout")  # the old window-31 session ends: 33 unaffected
    _, hall = await api.get("/api/hall")
    assert {w["number"] for w in hall["windows"] if w["staffed"]} == {33}


async def test_a_restart_keeps_who_is_signed_in_where_but_not_a_revoked_session(hall_config, db_path, clock):
    """GIVEN clerks signed in at 31 and 32 WHEN 32's session is revoked while the server is down and it starts
    again THEN 31 is still staffed with the same person and 32 is not (its sign-in row is cleared)."""
    db = open_database(db_path)
    app = create_app(hall_config, db=db, clock=clock)
    hall = app[HALL]
    for w in (31, 32):
        create_token(db, clock, "staff", w, name=f"员{w}", staff_no=f"70{w}")
        hall.set_staff(w, f"70{w}", f"员{w}")
    assert set(hall.staffed()) == {31, 32}
    db.execute("update auth_tokens set revoked_at = ? where staff_no = '7032'", ["2026-01-01T00:00:00+00:00"])
    db.close()
    db = open_database(db_path)
    again = create_app(hall_config, db=db, clock=clock)[HALL]
    assert again.staffed() == {31: "login"}
    assert dict(db.execute("select number, staff_no from windows where staff_no is not null")) == {31: "7031"}
    db.close()


async def test_a_keypad_press_staffs_a_window_for_a_while(server, api):
    """GIVEN a hall on hardware keypads (the device agent relays them; nobody logs in) WHEN a keypad calls at
    window 32 and the citizen is finished THEN 32 counts as staffed for KEYPAD_PRESENCE_MIN minutes, then not."""
    kiosk, agent, admin = server.token("kiosk"), server.token("agent"), server.token("admin")
    await take(api, kiosk, "si_card")
    status, _ = await api.as_(admin).post("/api/windows/32/open")
    assert status == 200
    assert 32 not in server.hall.staffed()  # a manager opening it is a setting, not a person
    status, _ = await api.as_(agent).post("/api/windows/32/call")
    assert status == 200
    await api.as_(agent).post("/api/windows/32/finish")
    assert server.hall.staffed().get(32) == "keypad"
    server.clock.advance((KEYPAD_PRESENCE_MIN + 1) * 60)
    assert 32 not in server.hall.staffed()


async def test_window_view_lists_the_queue_with_tags_and_waits_and_the_called_tickets_tag(server, api):
    """GIVEN a walk-in, then a 绿色通道 ticket, then a ticket transferred to window 1 WHEN the window view is read
    THEN the queue is in call order (转入 first, then 绿色通道, then the walk-in) with tags and minutes waited, and
    once the priority ticket is called the view's current_ticket carries its 绿色通道 tag (no name, no token)."""
    kiosk = server.token("kiosk")
    staff1, staff2 = server.sign_in(1, 2).values()
    walk_in = await take(api, kiosk, "bdc_transfer")
    server.clock.advance(300)
    elder = await take(api, kiosk, "bdc_transfer", "elderly")
    moved = await take(api, kiosk, "bdc_query")
    server.clock.advance(120)
    status, _ = await api.as_(staff2).post("/api/windows/2/call")  # the elder goes first... to window 2
    _, view2 = await api.as_(staff2).get("/api/windows/2")
    assert view2["current"] == elder["number"] and view2["current_ticket"]["tag"] == "绿色通道"
    await api.as_(staff2).post("/api/windows/2/transfer", {"to_window": 1, "reason": "需其他窗口协办"})
    _, view1 = await api.as_(staff1).get("/api/windows/1")
    queue = [(q["number"], q["tag"], q["waited_min"]) for q in view1["queue"]]
    assert queue == [(elder["number"], "转入", 2), (walk_in["number"], None, 7)]
    assert moved["number"] not in [q["number"] for q in view1["queue"]]  # bdc_query is not window 1's
    assert all("token" not in q and "name" not in q for q in view1["queue"])
    assert view1["staffed"] == "login"


async def test_finish_current_finishes_and_calls_in_one_go_and_a_double_press_does_not_finish_the_next(server, api):
    kiosk = server.token("kiosk")
    (staff,) = server.sign_in(1).values()
    first, second = await take(api, kiosk, "bdc_transfer"), await take(api, kiosk, "bdc_transfer")
    status, called = await api.as_(staff).post("/api/windows/1/call", {"finish_current": True})
    assert status == 200 and called["number"] == first["number"]  # nothing current: a plain call
    status, called = await api.as_(staff).post("/api/windows/1/call",
                                               {"finish_current": True, "expect": first["number"]})
    assert status == 200 and called["number"] == second["number"] and called["status"] == "called"
    status, again = await api.as_(staff).post("/api/windows/1/call",
                                              {"finish_current": True, "expect": first["number"]})
    assert status == 409 and again["error"] == "conflict"  # the double press: the second citizen stays called
    assert server.hall.window_view(1)["current"] == second["number"]
    status, empty = await api.as_(staff).post("/api/windows/1/call", {"finish_current": True})
    assert status == 409 and empty["error"] == "queue_empty" and second["number"] in empty["message"]
    statuses = dict(server.db.execute("select number, status from tickets"))
    assert statuses == {first["number"]: "finished", second["number"]: "finished"}
    assert server.hall.window_view(1)["current"] is None


async def test_finish_current_on_a_paused_window_changes_nothing(server, api):
    kiosk = server.token("kiosk")
    (staff,) = server.sign_in(1).values()
    await take(api, kiosk, "bdc_transfer"), await take(api, kiosk, "bdc_transfer")
    _, called = await api.as_(staff).post("/api/windows/1/call")
    await api.as_(staff).post("/api/windows/1/pause", {"reason": "临时离开"})
    status, body = await api.as_(staff).post("/api/windows/1/call", {"finish_current": True})
    assert status == 409 and "暂停" in body["message"]
    assert server.hall.window_view(1)["current"] == called["number"]
    assert server.hall.ticket_by_id(called["id"])["status"] == "called"
