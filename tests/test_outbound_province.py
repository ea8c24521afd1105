"""The provincial 好差评 channel against a real loopback province (tests/province_receiver.py): a ticket served
through the real server pushes 待受理, 已受理 and 已办结 once each and in order, its review arrives complete (rating,
options, text, 工号, 事项编码, 办件编号), SM2-signed and SM4-encrypted as the province verifies them with gmssl; a
tampered body or a wrong key is refused and parked, a province that is down or slow is retried.

One test runs the whole path through the outbox and its worker; the others take the channel's messages the way
the outbox does (a batch hook of the server's writer, inside the batch's transaction) to look at each push."""
from __future__ import annotations

import dataclasses
import json
import re
import secrets
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from queue_server.core.config import ConfigError
from queue_server.keys import WRITER
from queue_server.outbound.channel import Message
from queue_server.outbound.province import SETTINGS, build
from queue_server.outbound.province_adapters import CASE, REVIEW, STATUS
from queue_server.outbound.sm_crypto import generate_key_pair, private_key, public_key, public_of
from tests.apiclient import Api
from queue_server.outbound.routes import WORKER
from tests.province_receiver import ProvinceReceiver
from tests.receiver import hall_with, until
from tests.review_support import Desk

pytestmark = pytest.mark.open_all_hours


@pytest.fixture
def keys() -> dict[str, str]:
    private, public = generate_key_pair()
    return {"private": private, "public": public, "sm4": secrets.token_hex(16)}


@pytest.fixture
async def province(keys):
    receiver = ProvinceReceiver(keys["public"], bytes.fromhex(keys["sm4"]))
    server = await receiver.start()
    yield receiver
    await server.close()


def sm_raw(province: ProvinceReceiver, keys: dict[str, str], **extra) -> dict:
    return {"url": province.url + "/haocp", "adapter": "sm", "app_id": province.app_id,
            "sm2_private_key": keys["private"], "sm4_key": keys["sm4"], "province_public_key": province.public,
            **extra}


async def test_through_the_outbox_nothing_is_lost_and_a_refusal_is_parked(hall_config, db_path, clock, province,
                                                                          keys):
    """GIVEN ``[outbound.province]`` (sm) in the hall file and the province down WHEN a ticket is issued, called,
    finished and reviewed through the real server THEN each push waits in the outbox; WHEN the province is back
    THEN it holds 待受理, 已受理, 已办结 and the review, each verified and decrypted, each id once; a push signed
    with a key the province does not know is refused and parked as a dead letter for the admin page."""
    raw = {**sm_raw(province, keys), "first_delay": 10, "max_delay": 20}
    province.status = 503
    async with hall_with(hall_config, db_path, clock, {"province": raw}) as server:
        def outbox(where: str) -> list[dict]:
            return list(server.db.query(f"SELECT * FROM outbox WHERE channel = 'province' AND {where} ORDER BY seq"))

        staff, kiosk = server.api.as_(server.sign_in(1)[1]), server.api.as_(server.token("kiosk"))
        status, ticket = await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "e2e-1"})
        assert status == 201
        for action in ("call", "finish"):
            assert (await staff.post(f"/api/windows/1/{action}"))[0] == 200
        status, _ = await server.api.as_(None).post("/api/reviews", {
            "ticket_token": ticket["token"], "level": "very_satisfied", "reasons": [], "channel": "qr"})
        assert status == 201
        await until(lambda: len(outbox("state = 'pending' AND attempts >= 1")) == 4, "four pushes tried, waiting")
        assert {r["last_error"] for r in outbox("1")} == {"HTTP 503"}

        province.status = None
        clock.advance(60)
        server.app[WORKER].wake()
        await until(lambda: len(outbox("state = 'delivered'")) == 4, "the four pushes delivered")
        assert sorted(r.request_id for r in province.received) == sorted(r["id"] for r in outbox("1"))
        # stored in commit order (the outbox's seq); the province may get them in any order (an unordered channel)
        assert [json.loads(r["payload"]).get("status") for r in outbox("1")] == [1, 2, 3, None]
        assert sorted(r.content["proStatus"] for r in province.received if r.method == "pushProjectStatus") == [1, 2, 3]
        [review] = [r.content for r in province.received if r.method == "pushEvaluation"]
        assert (review["queueNo"], review["evaluateLevel"], review["pf"], review["staffId"]) == (
            ticket["number"], 5, 3, "9001")

        province.hall_public = generate_key_pair()[1]  # the province lost the hall's key: every push is refused
        assert (await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "e2e-2"}))[0] == 201
        await until(lambda: len(outbox("state = 'dead'")) == 1, "the refused push parked")
        status, listed = await server.api.get("/api/outbound/messages?state=dead&channel=province")
        assert status == 200 and "4002" in listed["messages"][0]["last_error"]
        assert listed["messages"][0]["attempts"] == 1


class Taken:
    """The channel's messages, taken as the outbox takes them: after each batch, in its transaction."""

    def __init__(self, server, channel) -> None:
        self.messages: list[Message] = []
        self.channel = channel

        def hook(db, events):
            for kind, payload in channel.messages_for(db, events):
                # stored and read back as JSON, as the outbox keeps it
                self.messages.append(Message(f"m{len(self.messages) + 1}", "province", kind,
                                             json.loads(json.dumps(payload)), datetime.now(timezone.utc)))
            return []

        server.app[WRITER].add_batch_hook(hook)

    async def deliver_all(self) -> list:
        async with aiohttp.ClientSession() as http:
            return [await self.channel.deliver(m, http) for m in self.messages]


async def test_a_served_ticket_and_its_review_reach_the_province(server, hall_config, province, keys):
    channel = build(sm_raw(province, keys, sm4_mode="cbc"), hall_config)
    taken = Taken(server, channel)
    staff_token = server.sign_in(1)[1]
    async with aiohttp.ClientSession() as http:
        api = Api(http, server.url)
        kiosk, staff = api.as_(server.token("kiosk")), api.as_(staff_token)
        status, ticket = await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "p-1"})
        assert status == 201
        assert (await staff.post("/api/windows/1/call"))[0] == 200
        # held while the citizen fetches a paper, then resumed: called again, but accepted only once
        assert (await staff.post("/api/windows/1/hold", {"reason": "取材料"}))[0] == 200
        assert (await staff.post("/api/windows/1/resume", {"ticket": ticket["number"]}))[0] == 200
        status, case = await staff.post("/api/cases", {"ticket": ticket["number"], "guide": "bdc-002"})
        assert status == 201, case
        assert (await staff.post("/api/windows/1/finish"))[0] == 200
        status, review = await api.post("/api/reviews", {
            "ticket_token": ticket["token"], "level": "dissatisfied", "reasons": ["等候时间过长", "办理时间过长"],
            "comment": "材料清单写得不清楚", "channel": "qr"})
        assert status == 201, review
        status, ledger = await api.as_(server.token("admin")).get("/api/reviews")
    case_no = f"41168120261123C{case['id']:06d}"
    assert (ledger[0]["case_no"], ledger[0]["item_code"], ledger[0]["staff_no"]) == (case_no, "bdc-002", "9001")

    # the case's 受理 is pushed too (tests/test_outbound_province_steps.py looks at it)
    assert [m.kind for m in taken.messages] == [STATUS, STATUS, CASE, STATUS, REVIEW]
    outcomes = await taken.deliver_all()
    assert all(o.delivered for o in outcomes), outcomes
    assert province.refusals == []
    assert [r.request_id for r in province.received] == [r.delivery for r in province.received] == \
        [m.id for m in taken.messages]
    statuses = [r.content for r in province.received if r.method == "pushProjectStatus"]
    assert [(s["proStatus"], s["proStatusName"], s["queueNo"]) for s in statuses] == [
        (1, "待受理", ticket["number"]), (2, "已受理", ticket["number"]), (3, "已办结", ticket["number"])]
    assert statuses[0]["projectNo"] == f"41168120261123{ticket['number']}"  # before the case was accepted
    assert statuses[0]["staffId"] == "" and statuses[1]["staffId"] == statuses[2]["staffId"] == "9001"
    assert statuses[2]["projectNo"] == case_no and statuses[2]["taskCode"] == "bdc-002"
    assert {s["areaCode"] for s in statuses} == {"411681"}

    pushed = province.received[-1]
    assert pushed.method == "pushEvaluation"
    assert {k: pushed.content[k] for k in ("projectNo", "taskCode", "evaluateLevel", "evaluateLevelName",
                                           "evaluateDetail", "evaluateText", "pf", "staffId", "areaCode",
                                           "userName", "windowNo")} == {
        "projectNo": case_no, "taskCode": "bdc-002", "evaluateLevel": 2, "evaluateLevelName": "不满意",
        "evaluateDetail": ["等候时间过长", "办理时间过长"], "evaluateText": "材料清单写得不清楚", "pf": 3,
        "staffId": "9001", "areaCode": "411681", "userName": "匿名", "windowNo": 1}
    assert pushed.content["taskName"].startswith("存量房转移登记")
    assert pushed.content["evaluateTime"].startswith("2026-11-23 09:00")


async def test_the_review_keeps_what_it_was_filed_under(server, hall_config, province, keys):
    """A ticket that is no 承诺件 is filed under its derived number and its service's first item; a guide change
    after the review does not alter the push."""
    taken = Taken(server, build(sm_raw(province, keys), hall_config))
    window = hall_config.windows_serving("bdc_transfer")[0]
    server.sign_in(window)
    async with aiohttp.ClientSession() as http:
        # the ticket served through the hall's own operations (no status taken), the review over HTTP
        ticket = Desk(server, http).serve(window)
        status, _ = await Desk(server, http).review(ticket["token"], "very_satisfied", channel="qr")
        assert status == 201
    server.db.execute("UPDATE guides SET service = 'bdc_query' WHERE code = 'bdc-001'")
    server.db.conn.commit()
    review = taken.messages[-1].payload
    assert (review["case_no"], review["item_code"], review["level_code"], review["reasons"]) == (
        f"41168120261123{ticket['number']}", "bdc-001", 5, [])
    await taken.deliver_all()
    assert province.received[-1].content["projectNo"] == review["case_no"]


async def test_refusals_are_parked_and_outages_retried(server, hall_config, province, keys):
    taken = Taken(server, build(sm_raw(province, keys), hall_config))
    async with aiohttp.ClientSession() as http:
        status, _ = await Api(http, server.url, server.token("kiosk")).post(
            "/api/tickets", {"service": "bdc_transfer", "request_id": "r-2"})
    assert status == 201 and len(taken.messages) == 1
    message = taken.messages[0]

    async def deliver(channel):
        async with aiohttp.ClientSession() as http:
            return await channel.deliver(message, http)

    stranger, _ = generate_key_pair()  # not the key the province was given
    outcome = await deliver(build(sm_raw(province, keys, sm2_private_key=stranger), hall_config))
    assert (outcome.delivered, outcome.permanent) == (False, True) and "4002" in outcome.error
    outcome = await deliver(build(sm_raw(province, keys, sm4_key=secrets.token_hex(16)), hall_config))
    assert (outcome.delivered, outcome.permanent) == (False, True) and "4003" in outcome.error

    relay = await _tampering_relay(province.url + "/haocp")
    try:
        outcome = await deliver(build(sm_raw(province, keys, url=str(relay.make_url("/"))), hall_config))
    finally:
        await relay.close()
    assert outcome.permanent and "验签失败" in outcome.error
    assert province.refusals == ["sign", "decrypt", "sign"] and province.received == []

    province.status = 503
    outcome = await deliver(taken.channel)
    assert (outcome.delivered, outcome.permanent, outcome.error) == (False, False, "HTTP 503")
    province.status = 400
    assert (await deliver(taken.channel)).permanent
    province.status = None
    # an answer that does not verify with the province's key may be forged: the message goes again
    _, other_public = generate_key_pair()
    outcome = await deliver(build(sm_raw(province, keys, province_public_key=other_public), hall_config))
    assert not outcome.delivered and not outcome.permanent and "验签失败" in outcome.error
    assert (await deliver(taken.channel)).delivered
    assert [r.request_id for r in province.received] == [message.id, message.id]  # the same id on every attempt


async def test_a_province_that_is_gone_is_retried(hall_config, keys):
    server = TestServer(web.Application(), host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("/"))
    await server.close()  # the port is closed: nobody answers
    message = Message("m1", "province", STATUS, _status_payload(), datetime.now(timezone.utc))
    channel = build({"url": url, "adapter": "sm", "app_id": "A", "sm2_private_key": keys["private"],
                     "sm4_key": keys["sm4"]}, hall_config)
    async with aiohttp.ClientSession() as http:
        outcome = await channel.deliver(message, http)
    assert not outcome.delivered and not outcome.permanent and "连接省平台失败" in outcome.error


async def test_the_generic_adapter_posts_the_neutral_payload(hall_config, province):
    channel = build({"url": province.url + "/generic", "app_id": "X1", "access_key": "k-secret"}, hall_config)
    message = Message("m7", "province", STATUS, _status_payload(), datetime.now(timezone.utc))
    async with aiohttp.ClientSession() as http:
        assert (await channel.deliver(message, http)).delivered
        province.status = 422
        assert (await channel.deliver(message, http)).permanent
    got = province.generic[0]
    assert got["body"] == {"id": "m7", "kind": "status", "app_id": "X1", "data": _status_payload()}
    assert got["headers"]["Authorization"] == "Bearer k-secret" and got["headers"]["X-Govhall-Delivery"] == "m7"


def _status_payload() -> dict:
    return {"case_no": "41168120261123A001", "item_code": "bdc-001", "item_name": "首次登记", "area_code": "411681",
            "hall": "示范县政务服务中心", "department": "bdc", "department_name": "不动产登记中心", "ticket": "A001",
            "service": "bdc_transfer", "service_name": "不动产转移登记", "status": 1, "status_name": "待受理",
            "window": None, "staff_no": None, "at": "2026-11-23T09:00:00+08:00"}


async def _tampering_relay(target: str) -> TestServer:
    """A man in the middle who changes one character of the encrypted content and passes the rest on."""
    async def relay(request: web.Request) -> web.Response:
        envelope = await request.json()
        data = envelope["data"]
        envelope["data"] = ("B" if data[0] != "B" else "C") + data[1:]
        async with aiohttp.ClientSession() as http, http.post(target, json=envelope) as answer:
            return web.Response(body=await answer.read(), status=answer.status, content_type="application/json")

    app = web.Application()
    app.router.add_post("/", relay)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@pytest.mark.parametrize(("raw", "field"), [
    ({}, "url"),
    ({"url": "ftp://x"}, "url"),
    ({"url": "http://x", "adapter": "xml"}, "adapter"),
    ({"url": "http://x", "adapter": "sm", "sm4_key": "00" * 16, "sm2_private_key": "1" * 64}, "app_id"),
    ({"url": "http://x", "adapter": "sm", "app_id": "A", "sm2_private_key": "1" * 64}, "sm4_key"),
    ({"url": "http://x", "adapter": "sm", "app_id": "A", "sm4_key": "00" * 15, "sm2_private_key": "1" * 64}, "sm4_key"),
    ({"url": "http://x", "adapter": "sm", "app_id": "A", "sm4_key": "00" * 16}, "sm2_private_key"),
    ({"url": "http://x", "adapter": "sm", "app_id": "A", "sm4_key": "00" * 16, "sm2_private_key": "f" * 64},
     "sm2_private_key"),
    ({"url": "http://x", "adapter": "sm", "app_id": "A", "sm4_key": "00" * 16, "sm2_private_key_file": "no.key"},
     "sm2_private_key_file"),
    ({"url": "http://x", "province_public_key": "04" + "1" * 128}, "province_public_key"),
    ({"url": "http://x", "sm4_mode": "ofb"}, "sm4_mode"),
    ({"url": "http://x", "colour": "red"}, "colour"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_a_wrong_section_names_its_field_never_its_key(hall_config, raw, field):
    with pytest.raises(ConfigError) as caught:
        build(raw, hall_config)
    assert caught.value.field == f"outbound.province.{field}"
    assert "f" * 64 not in str(caught.value) and "1" * 64 not in str(caught.value)


def test_the_private_key_file_is_read_beside_the_hall_file(hall_config, tmp_path, keys):
    (tmp_path / "province.key").write_text(keys["private"] + "\n")
    channel = build({"url": "https://haocp.example.gov.cn/api", "adapter": "sm", "app_id": "A",
                     "sm4_key": keys["sm4"], "sm2_private_key_file": "province.key"},
                    dataclasses.replace(hall_config, path=tmp_path / "hall.toml"))
    assert "04" + channel.settings.sm2_public_key == keys["public"]
    assert keys["private"] not in repr(channel.settings) and keys["sm4"] not in repr(channel.settings)


def test_every_setting_is_documented():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text("utf-8")
    part = re.split(r"\n##+ ", doc.split("### `[outbound.province]`", 1)[1], maxsplit=1)[0]
    assert set(re.findall(r"^\| `([a-z_0-9]+)` \|", part, flags=re.M)) == {s.name for s in SETTINGS}


def test_keygen_writes_a_private_key_only_the_hall_can_read(tmp_path):
    out = tmp_path / "province.key"
    run = subprocess.run([sys.executable, "-m", "queue_server", "province", "keygen", "--out", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    private = private_key(out.read_text())
    assert out.stat().st_mode & 0o777 == 0o600 and private not in run.stdout
    assert public_key(run.stdout.strip().splitlines()[-1]) == public_of(private)
    again = subprocess.run([sys.executable, "-m", "queue_server", "province", "keygen", "--out", str(out)],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and out.read_text().strip() == private
