"""The operation log for supervision (操作日志, issue 15 item 8) over real HTTP against the real server: one day's
ticket and window logs merged in time order with who did what and why, the filters, paging, bad input named, and the
Excel export read back with openpyxl."""
from __future__ import annotations

import io
from datetime import datetime

import aiohttp
from openpyxl import load_workbook

from tests.review_support import SH, Desk, mon


async def _get(desk: Desk, path: str, headers: dict | None = None) -> tuple[int, dict | bytes]:
    async with desk.http.get(f"{desk.server.url}{path}", headers=headers or desk.admin()) as r:
        body = await (r.json() if r.content_type == "application/json" else r.read())
        return r.status, body


def script_operations(desk: Desk) -> None:
    """Monday: 张三 (1001) at window 1 calls A001, recalls it, skips it; calls A002 and transfers it to window 2;
    李四 (1002) at window 4 calls and finishes B001; an admin pauses window 3 with a reason that looks like a
    formula and carries a control character. Tuesday: window 1 calls once more (another day)."""
    desk.add_staff("1001", "张三")
    desk.add_staff("1002", "李四")
    desk.issue("bdc_transfer")
    desk.issue("bdc_transfer")
    desk.issue("company_setup")
    desk.at(mon(9, 5))
    desk.call(1)
    desk.at(mon(9, 6))
    desk.hall.recall(1, "staff:1001")
    desk.at(mon(9, 8))
    desk.hall.skip(1, "staff:1001", "多次呼叫未到")
    desk.at(mon(9, 10))
    desk.call(1)
    desk.at(mon(9, 12))
    desk.hall.transfer(1, "staff:1001", "需抵押窗口办理", None, 2)
    desk.at(mon(9, 20))
    desk.call(4, "1002")
    desk.at(mon(9, 30))
    desk.finish(4, "1002")
    desk.at(mon(11, 0))
    desk.hall.pause(3, "admin:9001", "=HYPERLINK(\"x\")\x07系统维护")
    desk.at(datetime(2026, 11, 24, 9, 0, tzinfo=SH))
    desk.issue("bdc_transfer")
    desk.call(1)


async def test_the_day_merges_both_logs_in_time_order_with_who_and_why(desk):
    script_operations(desk)
    status, log = await _get(desk, "/api/oplog?day=2026-11-23")
    assert status == 200 and log["day"] == "2026-11-23"
    # the day plan the tidal runner made at start-up is in the window log too; the rest is the script
    rows = [r for r in log["rows"] if r["action"] != "plan"]
    assert [(r["time"], r["window"], r["ticket"], r["action_name"], r["staff_no"], r["staff_name"]) for r in rows] == [
        ("09:00:00", None, "A001", "取号", "", "取号机"),
        ("09:00:00", None, "A002", "取号", "", "取号机"),
        ("09:00:00", None, "B001", "取号", "", "取号机"),
        ("09:05:00", 1, "A001", "叫号", "1001", "张三"),
        ("09:06:00", 1, "A001", "重呼", "1001", "张三"),
        ("09:08:00", 1, "A001", "过号", "1001", "张三"),
        ("09:10:00", 1, "A002", "叫号", "1001", "张三"),
        ("09:12:00", 1, "A002", "转移", "1001", "张三"),
        ("09:20:00", 4, "B001", "叫号", "1002", "李四"),
        ("09:30:00", 4, "B001", "办结", "1002", "李四"),
        ("11:00:00", 3, None, "暂停窗口", "9001", ""),
    ]
    transfer = rows[7]
    assert (transfer["reason"], transfer["detail"]) == ("需抵押窗口办理", "转至2号窗口")
    assert rows[5]["reason"] == "多次呼叫未到"
    assert log["rows"][0]["at"].endswith("+08:00")  # hall time, not the stored UTC
    assert log["total"] == len(log["rows"]) and log["actions"]["skip"] == "过号"


async def test_filters_narrow_the_log_and_pages_add_up(desk):
    script_operations(desk)
    _, by_window = await _get(desk, "/api/oplog?day=2026-11-23&window=1")
    assert {r["window"] for r in by_window["rows"]} == {1}
    # (the day plan the tidal runner made at start-up may give window 1 a service too)
    assert [r["action"] for r in by_window["rows"] if r["action"] != "plan"] == [
        "call", "recall", "skip", "call", "transfer"]
    _, by_staff = await _get(desk, "/api/oplog?day=2026-11-23&staff=1002")
    assert [(r["ticket"], r["action_name"], r["staff_name"]) for r in by_staff["rows"]] == [
        ("B001", "叫号", "李四"), ("B001", "办结", "李四")]
    _, skips = await _get(desk, "/api/oplog?day=2026-11-23&action=skip&staff=1001&window=1")
    assert [(r["ticket"], r["reason"]) for r in skips["rows"]] == [("A001", "多次呼叫未到")]
    _, nobody = await _get(desk, "/api/oplog?day=2026-11-23&staff=1002&window=1")
    assert nobody["rows"] == [] and nobody["total"] == 0
    _, tuesday = await _get(desk, "/api/oplog?day=2026-11-24&window=1")
    assert [(r["ticket"], r["action"]) for r in tuesday["rows"] if r["action"] != "plan"] == [("A001", "call")]
    _, today = await _get(desk, "/api/oplog?window=1")  # the clock is on Tuesday now
    assert today["day"] == "2026-11-24" and today["rows"] == tuesday["rows"]

    _, whole = await _get(desk, "/api/oplog?day=2026-11-23")
    pages = []
    for offset in range(0, whole["total"], 4):
        _, page = await _get(desk, f"/api/oplog?day=2026-11-23&limit=4&offset={offset}")
        assert page["total"] == whole["total"] and len(page["rows"]) <= 4
        pages += page["rows"]
    assert pages == whole["rows"]


async def test_bad_filters_are_refused_naming_the_field(desk):
    for query, name, words in [("day=2026-13-01", "day", "日期"), ("day=23.11.2026", "day", "日期"),
                               ("window=abc", "window", "窗口"), ("window=999", "window", "没有 999 号窗口"),
                               ("action=delete", "action", "操作：不是可选的值"), ("limit=0", "limit", "每页条数"),
                               ("limit=501", "limit", "每页条数"), ("offset=-1", "offset", "起始位置"),
                               ("staff=" + "9" * 21, "staff", "工号")]:
        status, body = await _get(desk, f"/api/oplog?{query}")
        assert status == 422 and body["field"] == name and words in body["message"], (query, body)
        status, body = await _get(desk, f"/api/oplog.xlsx?{query}") if name not in ("limit", "offset") else (422, body)
        assert status == 422, query
    for headers in ({}, desk.server.auth("staff", 1), desk.server.auth("kiosk")):
        async with aiohttp.ClientSession() as http:
            for path in ("/api/oplog", "/api/oplog.xlsx"):
                async with http.get(f"{desk.server.url}{path}", headers=headers) as r:
                    assert r.status in (401, 403), (path, headers, r.status)


async def test_export_is_the_filtered_day_with_formulas_kept_as_text(desk):
    script_operations(desk)
    status, data = await _get(desk, "/api/oplog.xlsx?day=2026-11-23&window=3")
    assert status == 200
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["时间", "窗口", "号码", "操作", "操作人工号", "操作人", "原因", "说明"]
    paused = [r for r in rows[1:] if r[3] == "暂停窗口"]
    assert paused == [["11:00:00", 3, None, "暂停窗口", "9001", None, '=HYPERLINK("x")系统维护', None]]
    cell = next(c for r in sheet.iter_rows(min_row=2) for c in r if c.value == paused[0][6])
    assert cell.data_type == "s"  # typed text, not a live formula

    _, whole = await _get(desk, "/api/oplog.xlsx?day=2026-11-23")
    _, listed = await _get(desk, "/api/oplog?day=2026-11-23")
    sheet = load_workbook(io.BytesIO(whole)).active
    assert sheet.max_row - 1 == listed["total"]
    assert ["09:05:00", 1, "A001", "叫号", "1001", "张三"] in [[c.value for c in r][:6] for r in sheet.iter_rows()]
