"""The mobile review page and the admin pages driven in headless Chromium (Debian's /usr/bin/chromium): a phone
review submitted through the page appears in the admin ledger, and its case can be worked from there."""
from __future__ import annotations

import aiohttp
import pytest
from openpyxl import load_workbook

from queue_server.core.clock import SystemClock
from queue_server.web.auth import add_staff
from tests.browser_layout import admin_page

playwright_api = pytest.importorskip("playwright.async_api")




async def test_phone_review_reaches_the_admin_ledger(browser, desk):
    ticket = desk.serve(window=1)
    phone = await browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
                                      locale="zh-CN")
    page = await phone.new_page()
    await page.goto(f"{desk.server.url}/r/{ticket['token']}")
    await page.get_by_role("button", name="不满意", exact=True).click()
    assert await page.locator("#reasons").is_visible()
    await page.get_by_role("button", name="提交评价").click()
    assert "至少选择" in await page.locator("#error").inner_text()
    assert desk.server.db["reviews"].count == 0
    await page.get_by_label("等候时间过长").check()
    await page.locator("#comment").fill("希望增加窗口")
    await page.get_by_role("button", name="提交评价").click()
    await page.get_by_text("感谢您的评价").wait_for()
    row = next(desk.server.db.query("SELECT level, channel, reasons, comment FROM reviews"))
    assert row == {"level": "dissatisfied", "channel": "qr", "reasons": '["等候时间过长"]', "comment": "希望增加窗口"}
    # The same link again: already reviewed, no form.
    await page.reload()
    await page.get_by_text("本次服务已评价").wait_for()
    assert not await page.locator("#form").is_visible()
    await phone.close()

    add_staff(desk.server.db, SystemClock(), "9001", "督查员甲", "admin", "admin-secret")
    office = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    admin = await office.new_page()
    await admin.goto(f"{desk.server.url}/admin")
    assert await admin.title() == "示范县政务服务中心 · 管理后台"
    await admin.locator("#staff-no").fill("9001")
    await admin.locator("#password").fill("wrong-password")
    await admin.get_by_role("button", name="登录").click()
    await admin.get_by_text("工号或密码错误").wait_for()
    await admin.locator("#password").fill("admin-secret")
    await admin.get_by_role("button", name="登录").click()
    await admin.locator("#ov-cards .card").first.wait_for()  # the landing tab is the overview (概览)
    await admin.get_by_role("button", name="评价台账").click()
    ledger_row = admin.locator("#rv-rows tr", has_text=ticket["number"])
    await ledger_row.wait_for()
    text = await ledger_row.inner_text()
    assert "不满意" in text and "等候时间过长" in text and "二维码" in text
    assert await admin.evaluate("sessionStorage.getItem('govhall.admin.token')")
    await admin.reload()  # the token survives a reload of the tab
    await admin.get_by_role("button", name="评价台账").click()
    await admin.locator("#rv-rows tr", has_text=ticket["number"]).wait_for()
    # A review arriving while the page is open shows up live (WebSocket, admin topic), without a click.
    later = desk.serve(window=2)
    await admin.wait_for_function("Admin.live === true")  # the socket has its snapshot: it is registered
    status, _ = await desk.review(later["token"], "very_satisfied")
    assert status == 201
    await admin.locator("#rv-rows tr", has_text=later["number"]).wait_for(timeout=5000)

    # A device the agent reports down shows on the live hall page.
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{desk.server.url}/api/devices/report", headers=desk.server.auth("agent"), json={"devices": [
                {"device": "语音播报", "kind": "voice", "ok": False, "detail": "声卡无响应"},
                {"device": "总线 hall-a", "kind": "bus", "ok": True}]}) as r:
            assert r.status == 200
    await admin.get_by_role("button", name="实时大厅").click()
    banner = admin.locator("#hall-devices")
    await banner.wait_for()
    assert "语音播报" in await banner.inner_text() and "声卡无响应" in await banner.inner_text()
    assert "hall-a" not in await banner.inner_text()
    assert await banner.locator("li").count() == 1  # one line per device down

    await admin.get_by_role("button", name="差评整改").click()
    case_row = admin.locator("#case-rows tr", has_text=ticket["number"])
    await case_row.wait_for()
    assert "待回访" in await case_row.inner_text()
    await case_row.get_by_role("button", name="回访核实").click()
    await admin.locator("#action-fields textarea[name=note]").fill("已电话回访, 群众反映属实")
    await admin.get_by_role("button", name="确定").click()
    await admin.locator("#case-rows tr", has_text="已回访").wait_for()
    case = next(desk.server.db.query("SELECT state, callback_note FROM rectifications"))
    assert case == {"state": "called_back", "callback_note": "已电话回访, 群众反映属实"}

    await admin.get_by_role("button", name="统计分析").click()
    await admin.locator("#kpi-bad_rate").wait_for()
    assert await admin.locator("#kpi-bad_rate").inner_text() == "50.0%"  # 1 bad of 2
    await admin.locator("#chart-rates svg rect[data-field=bad_rate]").first.wait_for()  # drawn after the figures
    await office.close()


async def test_complaint_desk_and_excel_download_through_the_admin_page(browser, desk, tmp_path):
    add_staff(desk.server.db, SystemClock(), "9002", "受理员乙", "admin", "desk-secret")
    page = await admin_page(browser, desk.server.url, "9002", "desk-secret", width=1280, accept_downloads=True)
    await page.locator("#rv-rows").wait_for(state="attached")
    await page.get_by_role("button", name="有诉即办").click()
    await page.get_by_text("登记诉求").click()
    form = page.locator("#complaint-form")
    await form.locator("select[name=kind]").select_option("cannot_get_done")
    await form.locator("input[name=complainant]").fill("张小三")
    await form.locator("input[name=phone]").fill("13812341234")
    await form.locator("select[name=service]").select_option("bdc_transfer")
    await form.locator("input[name=responsible]").fill("李科长")
    await form.locator("textarea[name=content]").fill("过户材料被要求三次补交")
    await form.get_by_role("button", name="登记").click()
    entry = page.locator("#cp-rows tr", has_text="过户材料被要求三次补交")
    await entry.wait_for()
    text = await entry.inner_text()
    assert "张*三" in text and "张小三" not in text and "办不成事" in text and "已受理" in text
    await entry.get_by_role("button", name="答复").click()
    await page.locator("#action-fields textarea[name=answer]").fill("已帮办代办, 一次办结")
    await page.get_by_role("button", name="确定").click()
    await page.locator("#cp-rows tr", has_text="已答复").wait_for()

    await page.get_by_role("button", name="数据导出").click()
    card = page.locator("#export-links .card", has_text="有诉即办台账")
    async with page.expect_download() as info:
        await card.get_by_role("button", name="Excel").click()
    download = await info.value
    target = tmp_path / "complaints.xlsx"
    await download.save_as(target)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[1][1:8] == ("办不成事", "2026-11-23 09:00:00", "窗口", "张*三", "138****1234", "过户材料被要求三次补交",
                            "不动产转移登记")
    assert rows[1][9:13] == ("李科长", "2026-11-30 23:59:59", "已答复", "已帮办代办, 一次办结")
    await page.context.close()
