"""The provincial 好差评 push of a 承诺件's steps (受理, 审批, 办结（出件）) and of a voided review's withdrawal,
against the real loopback province of tests/province_receiver.py (which verifies the SM2 signature and decrypts the
SM4 content with gmssl): through the real server, its outbox and worker; each push with a ``push_id`` made from
what it reports, so the same push made or delivered again is the same for the province; the sm envelope stamped
with the hall's injected clock, not the machine's."""
from __future__ import annotations

import json

import aiohttp
import pytest

from queue_server.core.clock import SystemClock
from queue_server.keys import OUTBOX
from queue_server.outbound.province import build
from queue_server.outbound.province_adapters import CASE, VOID
from queue_server.web.auth import add_staff
from tests.apiclient import Api
from tests.receiver import hall_with, until
from tests.test_outbound_province import Taken, keys, province, sm_raw  # noqa: F401 (fixtures)

pytestmark = pytest.mark.open_all_hours


async def _case_and_void(server, api) -> tuple[dict, dict, dict]:
    """A ticket served at window 1 that becomes a 承诺件 (accepted, approved, issued), rated 不满意 on the phone,
    then voided by an admin with a second admin's approval. The ticket, the case and the review."""
    add_staff(server.db, SystemClock(), "9001", "值班1", "staff", "staff-9001")  # the account behind the session
    staff, kiosk = api.as_(server.sign_in(1)[1]), api.as_(server.token("kiosk"))
    status, ticket = await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "steps-1"})
    assert status == 201
    assert (await staff.post("/api/windows/1/call"))[0] == 200
    status, case = await staff.post("/api/cases", {"ticket": ticket["number"], "guide": "bdc-002"})
    assert status == 201, case
    assert (await staff.post("/api/windows/1/finish"))[0] == 200
    for step in ("approve", "issue"):
        status, answer = await staff.post(f"/api/cases/{case['id']}/{step}", {})
        assert status == 200, answer
    status, review = await api.as_(None).post("/api/reviews", {
        "ticket_token": ticket["token"], "level": "dissatisfied", "reasons": ["等候时间过长"], "comment": "",
        "channel": "qr"})
    assert status == 201, review
    add_staff(server.db, SystemClock(), "9002", "王主任", "admin", "approve-9002")
    status, voided = await api.as_(server.token("admin")).post(
        f"/api/reviews/{review['id']}/void", {"reason": "误评：群众点错", "approver": "9002",
                                              "approver_password": "approve-9002"})
    assert status == 200, voided
    return ticket, case, review


async def test_case_steps_and_a_withdrawal_reach_the_province_through_the_outbox(hall_config, db_path, clock,
                                                                                  province, keys):
    """GIVEN ``[outbound.province]`` (sm) WHEN a served ticket becomes a 承诺件 that is accepted, approved and
    issued, and its bad review is voided THEN the province holds the three steps under the case's number and
    item, in the sm interface's names, and the withdrawal naming the review it withdraws; every envelope is
    stamped with the hall's clock."""
    async with hall_with(hall_config, db_path, clock, {"province": sm_raw(province, keys)}) as server:
        assert server.app[OUTBOX].channels["province"].channel.clock is clock
        clock.advance(3 * 3600 + 17)  # 12:00:17 hall time; the machine's clock says another day
        _, case, review = await _case_and_void(server, server.api)
        await until(lambda: server.db.execute("SELECT count(*) FROM outbox WHERE channel = 'province' AND "
                                              "state = 'delivered'").fetchone()[0] == 8, "eight pushes delivered")
        kinds = [r[0] for r in server.db.execute("SELECT kind FROM outbox WHERE channel = 'province' ORDER BY seq")]
    assert kinds == ["province.status", "province.status", CASE, "province.status", CASE, CASE,
                     "province.review", VOID]
    assert province.refusals == []
    assert {r.timestamp for r in province.received} == {"20261123120017"}

    case_no = f"41168120261123C{case['id']:06d}"
    steps = sorted((r.content for r in province.received if r.method == "pushProjectProcess"),
                   key=lambda c: c["processNo"])
    assert [(s["processNo"], s["processName"], s["projectNo"], s["taskCode"]) for s in steps] == [
        (1, "受理", case_no, "bdc-002"), (2, "审批", case_no, "bdc-002"), (3, "办结（出件）", case_no, "bdc-002")]
    assert [s["pushId"] for s in steps] == [f"411681:case:{case['id']}:{step}" for step in ("accept", "approve",
                                                                                              "issue")]
    assert {(s["staffId"], s["windowNo"], s["promiseDays"], s["processTime"][:10]) for s in steps} == {
        ("9001", 1, case["promised_days"], "2026-11-23")}
    assert steps[0]["promiseTime"] == case["deadline"][:19].replace("T", " ")

    [evaluation] = [r.content for r in province.received if r.method == "pushEvaluation"]
    [withdrawal] = [r.content for r in province.received if r.method == "revokeEvaluation"]
    assert evaluation["evaluateId"] == withdrawal["evaluateId"] == str(review["id"])
    assert (withdrawal["projectNo"], withdrawal["revokeReason"], withdrawal["pushId"]) == (
        case_no, "误评：群众点错", f"411681:review:{review['id']}:void")
    assert withdrawal["revokeTime"] == "2026-11-23 12:00:17"
    assert "王主任" not in json.dumps(withdrawal, ensure_ascii=False)  # the approver's name stays in the hall


async def test_a_push_made_or_delivered_again_keeps_its_id(server, hall_config, province):
    """The generic adapter: each case step and the withdrawal carry a ``push_id`` from what they report — the
    same when the channel makes the push again from the records, and with the message's own id on every attempt
    (the province answering 503 first)."""
    channel = build({"url": province.url + "/generic", "app_id": "X1"}, hall_config)
    taken = Taken(server, channel)
    async with aiohttp.ClientSession() as http:
        _, case, review = await _case_and_void(server, Api(http, server.url))
    made = [m for m in taken.messages if m.kind in (CASE, VOID)]
    assert [m.payload["push_id"] for m in made] == [
        *(f"411681:case:{case['id']}:{step}" for step in ("accept", "approve", "issue")),
        f"411681:review:{review['id']}:void"]
    row = next(server.db.query("SELECT * FROM promised_cases WHERE id = ?", [case["id"]]))
    again = channel.case_payload(server.db, row, "approve")
    assert again == made[1].payload  # made again (a kept batch retried): the same push, the same push_id

    province.status = 503
    async with aiohttp.ClientSession() as http:
        assert not (await channel.deliver(made[-1], http)).delivered
        province.status = None
        assert (await channel.deliver(made[-1], http)).delivered
    [got] = province.generic
    assert got["headers"]["X-Govhall-Delivery"] == made[-1].id
    assert (got["body"]["kind"], got["body"]["data"]["push_id"], got["body"]["data"]["void_reason"]) == (
        "void", f"411681:review:{review['id']}:void", "误评：群众点错")
