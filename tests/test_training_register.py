"""The training register: sessions recorded by an admin through the real server, each unit's coverage in a
quarter (units without any session flagged), and the bulletin's training column and flag."""
from __future__ import annotations

import aiohttp
import pytest

from tests.apiclient import Api


@pytest.fixture
async def admin(server):
    from queue_server.web.auth import add_staff

    for staff_no, name in (("1001", "张三"), ("1002", "李四")):
        add_staff(server.db, server.clock, staff_no, name, "staff", "secret-pass")
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url, server.token("admin"))


def _day(server) -> str:
    return server.clock.now().astimezone(server.hall.config.hall.tz).date().isoformat()


async def test_sessions_and_the_quarter_coverage(server, admin):
    today = _day(server)
    status, session = await admin.post("/api/training", {
        "held_on": today, "kind": "walkthrough", "topic": "不动产转移登记走流程", "units": ["bdc", "swj"],
        "attendees": ["1002", "1001", "1001"], "findings": "材料清单与省平台不一致\n取号后等候超过20分钟"})
    assert status == 201, session
    assert session["kind_name"] == "走流程体验" and session["attendees"] == ["1001", "1002"]
    assert session["units"] == ["bdc", "swj"] and "\n" in session["findings"]
    await admin.post("/api/training", {"held_on": today, "kind": "skills", "topic": "文明用语", "units": ["bdc"]})
    status, coverage = await admin.get("/api/training/coverage")
    assert status == 200
    units = {u["unit"]: u for u in coverage["units"]}
    assert set(units) == set(server.hall.config.departments)
    assert units["bdc"]["sessions"] == 2 and units["bdc"]["by_kind"] == {"walkthrough": 1, "skills": 1}
    assert units["swj"]["sessions"] == 1 and not units["swj"]["flagged"]
    assert all(u["flagged"] for code, u in units.items() if code not in ("bdc", "swj"))
    _, listed = await admin.get("/api/training")
    assert [s["topic"] for s in listed] == ["文明用语", "不动产转移登记走流程"]


@pytest.mark.parametrize(("body", "field"), [
    ({"held_on": "2999-01-01"}, "held_on"),
    ({"held_on": "2026-13-01"}, "held_on"),
    ({"kind": "party"}, "kind"),
    ({"units": []}, "units"),
    ({"units": ["nowhere"]}, "units"),
    ({"attendees": ["9999"]}, "attendees"),
    ({"topic": ""}, "topic"),
    ({"topic": ["a"]}, "topic"),
])
async def test_a_session_that_cannot_be_recorded_is_named(server, admin, body, field):
    good = {"held_on": _day(server), "kind": "business", "topic": "业务培训", "units": ["bdc"]}
    status, reply = await admin.post("/api/training", {**good, **body})
    assert status == 422 and reply["field"] == field, reply
    assert (await admin.get("/api/training"))[1] == []


async def test_only_admins_keep_the_register(server, admin):
    staff = admin.as_(server.token("staff", 1))
    assert (await staff.post("/api/training", {}))[0] == 403
    assert (await admin.as_(None).get("/api/training/coverage"))[0] == 401
    assert (await admin.get("/api/training/coverage?quarter=2026Q7"))[0] == 422


async def test_the_bulletin_counts_training_and_flags_units_without(server, admin):
    await admin.post("/api/training", {"held_on": _day(server), "kind": "business", "topic": "新政策", "units": ["bdc"]})
    status, content = await admin.get("/api/bulletin")  # this quarter
    assert status == 200
    units = {u["key"]: u for u in content["units"]}
    assert units["bdc"]["training_sessions"] == 1 and units["swj"]["training_sessions"] == 0
    assert "不动产登记中心" not in content["untrained_units"]
    assert server.hall.config.departments["swj"].name in content["untrained_units"]
