"""Exports downloaded from the server and opened back with openpyxl (and csv), checked cell by cell."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import aiohttp
from openpyxl import load_workbook

from queue_server.reviews.exports import GBT_HEADERS, gbt39046_table, to_xlsx
from queue_server.reviews.settings import parse_review_settings
from tests.review_support import Desk


async def download(desk: Desk, path: str) -> tuple[bytes, aiohttp.ClientResponse]:
    async with desk.http.get(f"{desk.server.url}{path}", headers=desk.admin()) as r:
        assert r.status == 200, await r.text()
        return await r.read(), r


def sheet_rows(data: bytes) -> list[tuple]:
    wb = load_workbook(io.BytesIO(data))
    return [tuple(row) for row in wb.active.iter_rows(values_only=True)]


async def test_gbt39046_export_national_numbering(day):
    data, response = await download(day, "/api/exports/gbt39046.xlsx?from=2026-11-23&to=2026-11-23")
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = sheet_rows(data)
    assert rows[0] == ("办件编号", "评价渠道", "评价人", "评价时间", "评价次数", "满意度名称", "满意度代码",
                       "评价内容", "行政区划代码")
    assert rows[1:] == [
        ("41168120261123A001", 4, "匿名", "20261123T091500", 1, "非常满意", 1, None, "411681"),
        ("41168120261123A002", 3, "匿名", "20261123T092500", 1, "不满意", 4, "等候时间过长", "411681"),
        ("41168120261123A004", 3, "匿名", "20261123T094000", 1, "非常不满意", 5, "服务态度不好", "411681"),
        ("41168120261123B001", 6, "匿名", "20261123T160000", 1, "满意", 2, None, "411681"),
    ]


async def test_gbt39046_reversed_provincial_numbering(day):
    settings = parse_review_settings(Path("hall.toml"), {"level_code_scheme": "reversed"})
    table = gbt39046_table(day.server.db, day.hall.config, settings, "2026-11-23", "2026-11-23")
    rows = sheet_rows(to_xlsx(table, "好差评"))
    assert rows[0] == tuple(GBT_HEADERS)
    assert [(r[0][-4:], r[5], r[6]) for r in rows[1:]] == [
        ("A001", "非常满意", 5), ("A002", "不满意", 2), ("A004", "非常不满意", 1), ("B001", "满意", 4)]


async def test_voided_reviews_leave_the_national_export_but_stay_in_the_ledger(day):
    [review] = [r for r in await day.get("/api/reviews?from=2026-11-23&to=2026-11-23") if r["ticket_number"] == "A004"]
    status, _ = await day.post(f"/api/reviews/{review['id']}/void", {"reason": "误评", **day.approver()})
    assert status == 200
    data, _ = await download(day, "/api/exports/gbt39046.xlsx?from=2026-11-23&to=2026-11-23")
    assert [r[0][-4:] for r in sheet_rows(data)[1:]] == ["A001", "A002", "B001"]
    data, _ = await download(day, "/api/exports/reviews.xlsx?from=2026-11-23&to=2026-11-23")
    rows = sheet_rows(data)
    assert rows[0][:8] == ("评价编号", "业务日期", "号码", "事项", "部门", "窗口", "工号", "评价等级")
    a004 = [r for r in rows[1:] if r[2] == "A004"][0]
    assert a004[3:12] == ("不动产转移登记", "不动产登记中心", 1, "1001", "非常不满意", "服务态度不好", None, "二维码",
                          "否")
    assert a004[12] == "2026-11-23 09:40:00" and a004[14] == "2026-12-15 10:00:00"
    assert a004[15:] == ("误评", "王主任（9002）", "41168120261123A004", "bdc-001")  # 办件编号 and 事项编码 kept
    assert rows[0][-2:] == ("办件编号", "事项编码")


async def test_rectification_ledger_export(day):
    data, _ = await download(day, "/api/exports/rectifications.xlsx?from=2026-11-23&to=2026-11-23")
    rows = sheet_rows(data)
    assert rows[0] == ("案件编号", "评价编号", "号码", "窗口", "事项", "评价等级", "状态", "责任人", "立案时间",
                       "回访时限", "回访时间", "回访情况", "整改时限", "整改完成时间", "整改措施", "群众评价",
                       "逾期", "按期整改")
    a002, a004 = rows[1], rows[2]
    assert a002[2:] == ("A002", 1, "不动产转移登记", "不满意", "已办结", "王股长", "2026-11-23 09:25:00",
                        "2026-11-24 23:59:59", "2026-11-24 10:00:00", "属实", "2026-12-14 23:59:59",
                        "2026-11-25 10:00:00", "增开窗口", "满意", None, "是")
    assert a004[2:] == ("A004", 1, "不动产转移登记", "非常不满意", "待回访", None, "2026-11-23 09:40:00",
                        "2026-11-24 23:59:59", None, None, "2026-12-14 23:59:59", None, None, None, "整改逾期", None)


async def test_complaints_csv_masks_the_citizen(day):
    data, response = await download(day, "/api/exports/complaints.csv?from=2026-11-23&to=2026-11-23")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:7] == ["编号", "类型", "受理时间", "渠道", "诉求人", "联系电话", "诉求内容"]
    assert rows[1] == ["1", "有诉即办", "2026-11-23 10:00:00", "窗口", "赵*", "", "窗口推诿", "不动产转移登记", "1",
                       "李科长", "2026-11-30 23:59:59", "已答复", "已协调办理", "2026-11-24 10:00:00", "", "否"]
    assert rows[2][1] == "办不成事" and rows[2][4] == "钱*" and rows[2][-1] == "是"
    data, _ = await download(day, "/api/exports/complaints.xlsx?from=2026-11-23&to=2026-11-23")
    assert [r[4] for r in sheet_rows(data)[1:]] == ["赵*", "钱*"]


async def test_followup_export_one_line_per_call(day):
    _, ent = await day.post("/api/enterprises", {"name": "示范县甲公司", "credit_code": "91411681MA9XYD1234",
                                                "category": "new", "contact": "王小五", "phone": "13900001111",
                                                "service": "company_setup"})
    await day.post("/api/enterprises", {"name": "乙商行", "credit_code": "92411681MA0000001X", "category": "existing"})
    _, call = await day.post(f"/api/enterprises/{ent['id']}/followups", {
        "reached": True, "conduct": "very_satisfied", "experience": "satisfied", "satisfaction": "basically_satisfied"})
    await day.post(f"/api/followups/{call['id']}/samples", {"consistent": False, "note": "企业称未接到回访"})
    data, _ = await download(day, "/api/exports/followups.xlsx")
    rows = sheet_rows(data)
    assert rows[1] == ("示范县甲公司", "91411681MA9XYD1234", "新设立企业", "王*五", "139****1111", "企业设立登记",
                       "2026-12-15", "2026-12-15 10:00:00", "test-admin", "是", "非常满意", "满意", "基本满意", None,
                       1, "不一致")
    assert rows[2][:3] == ("乙商行", "92411681MA0000001X", "存量企业") and rows[2][7:] == (None,) * 9


async def test_unknown_ledger_and_format(day):
    async with day.http.get(f"{day.server.url}/api/exports/secrets.csv", headers=day.admin()) as r:
        assert r.status == 404
    async with day.http.get(f"{day.server.url}/api/exports/reviews.pdf", headers=day.admin()) as r:
        assert r.status == 404
    async with day.http.get(f"{day.server.url}/api/exports/reviews.csv") as r:
        assert r.status == 401


async def test_text_that_looks_like_a_formula_is_never_run(server):
    async with aiohttp.ClientSession() as http:
        desk = Desk(server, http)
        ticket = desk.serve()
        status, _ = await desk.review(ticket["token"], "dissatisfied", reasons=["=HYPERLINK(\"http://x\")"],
                                      comment="+1 很好")
        assert status == 201
        data, _ = await download(desk, "/api/exports/reviews.xlsx")
        wb = load_workbook(io.BytesIO(data))
        reasons, comment = wb.active["I2"], wb.active["J2"]
        assert (reasons.data_type, reasons.value) == ("s", "'=HYPERLINK(\"http://x\")")
        assert comment.value == "'+1 很好"
        data, _ = await download(desk, "/api/exports/reviews.csv")
        row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
        assert row[8] == "'=HYPERLINK(\"http://x\")"
