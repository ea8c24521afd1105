"""The consultation register (咨询导办): the desk records questions through the real server, bad input is named in
Chinese with its field, admins list, count and export the records (text never becomes a formula)."""
from __future__ import annotations

import io
from datetime import timedelta

import aiohttp
import pytest
from openpyxl import load_workbook

from tests.apiclient import Api


@pytest.fixture
async def desk_api(server):
    """The desk's clerk (工号 2001, logged in at window 27, a 综合受理 window that also does 咨询导办) and an admin."""
    from queue_server.web.auth import add_staff

    add_staff(server.db, server.clock, "2001", "王咨询", "staff", "secret-pass")
    async with aiohttp.ClientSession() as session:
        api = Api(session, server.url)
        status, reply = await api.post("/api/login", {"staff_no": "2001", "password": "secret-pass", "window": 27})
        assert status == 200
        yield api, api.as_(reply["token"]), api.as_(server.token("admin"))


async def test_desk_records_each_outcome_and_admin_counts_them(server, desk_api):
    anonymous, clerk, admin = desk_api
    status, rec = await clerk.post("/api/consultations", {
        "service": "hpf_withdraw", "question": "租房提取公积金要带什么材料？", "answer": "身份证和租房合同", "outcome": "answered"})
    assert status == 201
    assert rec["staff_no"] == "2001" and rec["desk_window"] == 27 and rec["department"] == "gjj"
    assert rec["outcome_name"] == "当场解答" and rec["service_name"] == "住房公积金提取"
    assert rec["asked_at"].endswith("+08:00")
    status, rec = await clerk.post("/api/consultations", {
        "service": "company_setup", "question": "开公司怎么办", "outcome": "to_window", "to_window": 4})
    assert status == 201 and rec["to_window"] == 4 and rec["to_window_name"] == "企业开办1"
    assert (await clerk.post("/api/consultations", {
        "service": "company_setup", "question": "网上怎么申报", "answer": "帮助在一网通办注册", "outcome": "online"}))[0] == 201
    assert (await anonymous.post("/api/consultations", {"service": "x"}))[0] == 401

    status, rows = await admin.get("/api/consultations")
    assert status == 200 and [r["outcome"] for r in rows] == ["answered", "to_window", "online"]
    assert (await clerk.get("/api/consultations"))[0] == 403  # the register is read by admins
    _, only = await admin.get("/api/consultations?outcome=online")
    assert [r["question"] for r in only] == ["网上怎么申报"]
    _, only = await admin.get("/api/consultations?service=hpf_withdraw")
    assert len(only) == 1
    status, counts = await admin.get("/api/consultations/counts")
    assert counts["total"] == 3 and counts["outcomes"] == {"answered": 1, "to_window": 1, "online": 1}
    first = counts["services"][0]
    assert first["service"] == "company_setup" and first["total"] == 2 and first["outcomes"]["online"] == 1
    # another day's records are outside a one-day range
    server.clock.advance(timedelta(days=1).total_seconds())
    tomorrow = (server.clock.now().astimezone(server.hall.config.hall.tz).date()).isoformat()
    _, rows = await admin.get(f"/api/consultations?from={tomorrow}&to={tomorrow}")
    assert rows == []


@pytest.mark.parametrize("body, field, words", [
    ({"service": "nope", "question": "问", "outcome": "online"}, "service", "没有业务"),
    ({"service": "id_card", "question": "  ", "outcome": "online"}, "question", "不能为空"),
    ({"service": "id_card", "question": "问" * 501, "outcome": "online"}, "question", "500"),
    ({"service": "id_card", "question": "问", "outcome": "maybe"}, "outcome", "处理结果：不是可选的值"),
    ({"service": "id_card", "question": "问", "outcome": "to_window"}, "to_window", "请选择窗口"),
    ({"service": "id_card", "question": "问", "outcome": "to_window", "to_window": 99}, "to_window", "没有 99 号窗口"),
    ({"service": "id_card", "question": "问", "outcome": "online", "to_window": 14}, "to_window", "引导至窗口"),
    ({"service": "id_card", "question": "问", "outcome": "answered"}, "answer", "解答内容"),
    ({"service": "id_card", "question": 5, "outcome": "answered"}, "question", "咨询问题：应为文字"),
])
async def test_bad_input_is_named(desk_api, body, field, words):
    _, clerk, _ = desk_api
    status, reply = await clerk.post("/api/consultations", body)
    assert status == 422 and reply["field"] == field and words in reply["message"], reply


async def test_bad_query_is_named(desk_api):
    _, _, admin = desk_api
    status, reply = await admin.get("/api/consultations?outcome=nope")
    assert status == 422 and reply["field"] == "outcome"
    status, reply = await admin.get("/api/consultations?from=2026-13-01")
    assert status == 422 and reply["field"] == "from"


async def test_export_keeps_text_as_text_and_strips_controls(server, desk_api):
    _, clerk, admin = desk_api
    # a control character never gets in: the request is refused at the door (and would be dropped from the sheet)
    status, reply = await clerk.post("/api/consultations", {
        "service": "id_card", "question": "=HYPERLINK(\"http://x\")\x07", "answer": "@SUM(A1)", "outcome": "answered"})
    assert status == 422 and "控制字符" in reply["message"]
    assert (await clerk.post("/api/consultations", {
        "service": "id_card", "question": "=HYPERLINK(\"http://x\")", "answer": "@SUM(A1)", "outcome": "answered"}))[0] == 201
    assert (await clerk.post("/api/consultations", {
        "service": "id_card", "question": "+86 电话咨询", "answer": "-", "outcome": "answered"}))[0] == 201
    async with admin.session.get(server.url + "/api/consultations.xlsx", headers={"Authorization": f"Bearer {admin.token}"}) as r:
        assert r.status == 200
        book = load_workbook(io.BytesIO(await r.read()))
    sheet = book["咨询导办台账"]
    assert [c.value for c in sheet[1]][:8] == ["序号", "日期", "时间", "咨询业务", "所属单位", "咨询问题", "解答内容", "处理结果"]
    first, second = sheet[2], sheet[3]
    assert first[5].value == '=HYPERLINK("http://x")' and first[5].data_type == "s"
    assert first[6].value == "@SUM(A1)" and first[6].data_type == "s"
    assert second[5].value == "+86 电话咨询" and second[7].value == "当场解答"
    assert first[3].value == "居民身份证办理" and first[9].value == "2001"
    assert (await clerk.get("/api/consultations.xlsx"))[0] == 403
