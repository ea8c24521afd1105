"""The admin pages' evaluation-duty tabs (服务举措, 承诺件, 培训, 任务台账, 季度通报, 操作日志) driven in headless
Chromium at 1440×900 against the real server, after a scripted month of tickets, reviews and complaints (the ``day``
fixture): what a hall manager does before writing the quarter's bulletin. Screenshots go to ``$GOVHALL_SHOTS`` when
set (to look at them), else to the test's temporary folder."""
from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from queue_server.core.clock import SystemClock
from queue_server.web.auth import add_staff
from tests import browser_layout
from tests.review_support import SH, Desk

playwright_api = pytest.importorskip("playwright.async_api")
expect = playwright_api.expect


def shot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("GOVHALL_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def admin_page(browser, desk: Desk, staff_no: str, password: str):
    page = await browser_layout.admin_page(browser, desk.server.url, staff_no, password, accept_downloads=True)
    await page.locator("#rv-rows").wait_for(state="attached")
    return page


async def login(page, staff_no: str, password: str) -> None:
    await browser_layout.admin_login(page, staff_no, password)
    await page.locator("#rv-rows").wait_for(state="attached")


def admins(desk: Desk) -> None:
    add_staff(desk.server.db, SystemClock(), "9001", "主任甲", "admin", "first-secret")
    add_staff(desk.server.db, SystemClock(), "9002", "督查乙", "admin", "second-secret")


async def a_counter_morning(desk: Desk) -> str:
    """Tuesday 15 December (where the ``day`` fixture left the clock): window 1 serves A001, records a 容缺受理 (the
    户口簿 promised for the 16th) and accepts a promised-time case for it (3 working days: due the end of the 18th).
    Then the clock moves to Monday 21 December, past both."""
    desk.issue("bdc_transfer")
    ticket = desk.call(1)
    clerk = desk.server.auth("staff", 1)
    async with desk.http.post(f"{desk.server.url}/api/windows/1/practices", headers=clerk, json={
            "kind": "missing_material", "material": "户口簿复印件", "promised_on": "2026-12-16"}) as r:
        assert r.status == 201, await r.text()
    async with desk.http.post(f"{desk.server.url}/api/cases", headers=clerk, json={
            "ticket": ticket["number"], "guide": "bdc-002", "applicant": "王小明"}) as r:
        assert r.status == 201, await r.text()
    desk.finish(1)
    desk.at(datetime(2026, 12, 21, 10, 0, tzinfo=SH))
    return ticket["number"]


async def test_practices_cases_and_training_from_the_admin_page(browser, day, tmp_path):
    admins(day)
    number = await a_counter_morning(day)
    page = await admin_page(browser, day, "9001", "first-secret")
    shots = shot_dir(tmp_path)
    # the overdue promised case is in the alerts bar with the rectification and complaint lines
    await expect(page.locator("#alerts")).to_contain_text(f"承诺件逾期未办结 1 件：{number}")

    await page.get_by_role("button", name="服务举措").click()
    await page.locator("#pr-from").fill("2026-12-01")
    await page.locator("#pr-search").click()
    await expect(page.locator("#pr-head")).to_contain_text("容缺受理")
    unit_row = page.locator("#pr-rows tr", has_text="不动产")
    await expect(unit_row).to_have_count(1)
    pending = page.locator("#pr-pending tr", has_text="户口簿复印件")
    await expect(pending).to_contain_text("逾期未补交")  # promised for the 16th, now the 21st
    await page.screenshot(path=str(shots / "duties-practices.png"), full_page=True)
    await pending.get_by_role("button", name="已补交").click()
    await expect(page.locator("#pr-pending tr")).to_have_text(["暂无数据"])

    await page.get_by_role("button", name="承诺件").click()
    case_row = page.locator("#pc-rows tr", has_text=number)
    await expect(case_row).to_contain_text("逾期")
    await expect(case_row).to_contain_text("王*明")  # the applicant masked
    rate = page.locator("#pc-rates tr", has_text="不动产")
    await expect(rate).to_contain_text("0.0%")
    await page.screenshot(path=str(shots / "duties-promised.png"), full_page=True)
    await case_row.get_by_role("button", name="审批").click()
    await page.get_by_role("button", name="确定").click()
    await expect(case_row).to_contain_text("已审批")
    await expect(case_row.get_by_role("button", name="出件")).to_be_visible()

    await page.get_by_role("button", name="培训", exact=True).click()
    await expect(page.locator("#tr-quarter")).to_have_value("2026Q4")
    await expect(page.locator("#tr-rows tr")).to_have_text(["暂无数据"])
    bdc = page.locator("#tr-coverage tr", has_text="不动产")
    await expect(bdc).to_contain_text("本季度未培训")
    form = page.locator("#tr-form")
    await form.locator("[name=held_on]").fill("2026-12-18")
    await form.locator("[name=kind]").select_option("walkthrough")
    await form.locator("[name=topic]").fill("二手房过户走流程")
    await form.locator("#tr-units label", has_text="不动产").locator("input").check()
    await form.locator("[name=attendees]").fill("1001、9999")
    await form.locator("[name=findings]").fill("窗口指引牌不清楚")
    await page.get_by_role("button", name="登记", exact=True).click()
    await expect(page.locator("#tr-error")).to_contain_text("没有这些工号：9999")  # the server's own words
    await form.locator("[name=attendees]").fill("1001 1002")
    await page.get_by_role("button", name="登记", exact=True).click()
    await expect(page.locator("#tr-error")).to_contain_text("已登记：2026-12-18 走流程体验")
    session = page.locator("#tr-rows tr", has_text="二手房过户走流程")
    await expect(session).to_contain_text("窗口指引牌不清楚")
    await expect(session).to_contain_text("1001、1002")
    await expect(bdc).to_contain_text("已覆盖")
    await expect(page.locator("#tr-coverage tr", has_text="本季度未培训").first).to_be_visible()
    await page.screenshot(path=str(shots / "duties-training.png"), full_page=True)


def ledger(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年营商环境整改任务台账"])
    sheet.append(["序号", "工作任务", "责任股室", "整改措施", "责任人", "完成时限"])
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_task_ledger_import_and_two_admin_close_from_the_admin_page(browser, day, tmp_path):
    admins(day)
    shots = shot_dir(tmp_path)
    bad = tmp_path / "坏台账.xlsx"
    bad.write_bytes(ledger([[1, "规范一次性告知单", "咨询服务股", "梳理、印制", "王磊", "下个月"],
                            [2, "设立有诉即办专区", "投诉督查股", "明确专人", "赵敏", "长期坚持"]]))
    good = tmp_path / "台账.xlsx"
    good.write_bytes(ledger([[1, "规范一次性告知单", "咨询服务股", "梳理、印制", "王磊", "2026-11-30"],
                             [2, "设立有诉即办专区", "投诉督查股", "明确专人", "赵敏", "长期坚持"]]))
    page = await admin_page(browser, day, "9001", "first-secret")
    await page.get_by_role("button", name="任务台账").click()
    await expect(page.locator("#tk-rows tr")).to_have_text(["暂无数据"])
    await page.locator("#tk-file").set_input_files(str(bad))
    await page.get_by_role("button", name="上传导入").click()
    problems = page.locator("#tk-result li")
    await expect(problems).to_have_count(1)
    await expect(problems.first).to_contain_text("第3行")
    await expect(problems.first).to_contain_text("下个月")
    await expect(page.locator("#tk-result")).to_contain_text("台账未导入")
    await page.screenshot(path=str(shots / "duties-tasks-problems.png"), full_page=True)
    await expect(page.locator("#tk-rows tr")).to_have_text(["暂无数据"])  # nothing was imported

    await page.locator("#tk-file").set_input_files(str(good))
    await page.get_by_role("button", name="上传导入").click()
    await expect(page.locator("#tk-result")).to_contain_text("新增 2 项，跳过 0 项")
    late = page.locator("#tk-rows tr", has_text="规范一次性告知单")
    await expect(late).to_contain_text("逾期")  # due 30 November, now 15 December
    await expect(page.locator("#alerts")).to_contain_text("工作任务逾期未销号 1 项：规范一次性告知单")

    await late.get_by_role("button", name="申请销号").click()
    await page.locator("#action-fields [name=evidence]").fill("告知单样张及印制单据")
    await page.get_by_role("button", name="确定").click()
    await expect(late).to_contain_text("待审核销号")
    await expect(late).to_contain_text("申请销号（佐证：告知单样张及印制单据）")
    await late.get_by_role("button", name="审核通过").click()
    await page.get_by_role("button", name="确定").click()
    await expect(page.locator("#action-error")).to_have_text("销号须由申请人以外的另一名管理员审核")
    await page.screenshot(path=str(shots / "duties-tasks-refused.png"), full_page=True)

    await page.get_by_role("button", name="退出").click()
    await login(page, "9002", "second-secret")
    await page.get_by_role("button", name="任务台账").click()
    await late.get_by_role("button", name="审核通过").click()
    await page.get_by_role("button", name="确定").click()
    await expect(late).to_contain_text("已销号")
    await expect(late).not_to_contain_text("逾期")
    await expect(page.locator("#alerts")).not_to_contain_text("工作任务逾期")


async def test_bulletin_and_operation_log_from_the_admin_page(browser, day, tmp_path):
    admins(day)
    shots = shot_dir(tmp_path)
    page = await admin_page(browser, day, "9001", "first-secret")
    await page.get_by_role("button", name="季度通报").click()
    await expect(page.locator("#bl-quarter")).to_have_value("2026Q4")
    await expect(page.locator("#bl-body h2")).to_contain_text("2026年第四季度政务服务工作情况通报")
    ranking = page.locator(".bulletin-part", has_text="单位季度考核排名")
    first = ranking.locator("tbody tr").first
    await expect(first.locator("td").first).to_have_text("1")
    await expect(ranking.locator("tbody tr", has_text="无数据").first).to_be_visible()  # units without tickets
    overdue = page.locator(".bulletin-part", has_text="逾期未整改的差评")
    await expect(overdue.locator("tbody tr", has_text="A004")).to_have_count(1)
    await expect(page.locator(".bulletin-part", has_text="逾期未销号的工作任务").locator("tbody tr")).to_have_text(
        ["暂无数据"])
    await page.screenshot(path=str(shots / "duties-bulletin.png"), full_page=True)
    async with page.expect_download() as info:
        await page.get_by_role("link", name="下载 Word 通报（2026Q4）").click()
    download = await info.value
    assert download.suggested_filename == "2026Q4季度通报.docx"
    assert (Path(await download.path()).read_bytes())[:2] == b"PK"  # a .docx is a zip

    await page.get_by_role("button", name="操作日志").click()
    await page.locator("#ol-day").fill("2026-11-23")
    await page.locator("#ol-window").fill("1")
    await page.locator("#ol-search").click()
    rows = page.locator("#ol-rows tr")
    await expect(rows.filter(has_text="叫号").first).to_contain_text("张三")
    await page.locator("#ol-action").select_option(label="过号")
    await page.locator("#ol-search").click()
    await expect(rows).to_have_count(1)
    assert (await rows.first.locator("td").all_inner_texts())[:6] == ["09:27:00", "1", "A003", "过号", "1001", "张三"]
    await expect(page.locator("#ol-page")).to_have_text("第 1/1 页，共 1 条")
    await page.screenshot(path=str(shots / "duties-oplog.png"), full_page=True)
    async with page.expect_download() as info:
        await page.get_by_role("button", name="导出 Excel").click()
    assert (await info.value).suggested_filename == "操作日志2026-11-23.xlsx"
    await page.locator("#ol-day").fill("2026-11-22")  # a Sunday: nothing logged
    await page.locator("#ol-search").click()
    await expect(rows).to_have_text(["暂无数据"])
