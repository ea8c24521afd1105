"""The mobile review page and the admin pages driven in headless Chromium (Debian's /usr/bin/chromium): a phone
review submitted through the page appears in the admin ledger, and its case can be worked from there."""
from __future__ import annotations

import shutil

import aiohttp
import pytest

from queue_server.auth import add_staff
from queue_server.clock import SystemClock
from tests.review_support import Desk

playwright_api = pytest.importorskip("playwright.async_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture
async def browser():
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def desk(server):
    async with aiohttp.ClientSession() as http:
        yield Desk(server, http)


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
    await admin.locator("#staff-no").fill("9001")
    await admin.locator("#password").fill("wrong-password")
    await admin.get_by_role("button", name="登录").click()
    await admin.get_by_text("工号或密码错误").wait_for()
    await admin.locator("#password").fill("admin-secret")
    await admin.get_by_role("button", name="登录").click()
    ledger_row = admin.locator("#rv-rows tr", has_text=ticket["number"])
    await ledger_row.wait_for()
    text = await ledger_row.inner_text()
    assert "不满意" in text and "等候时间过长" in text and "二维码" in text
    assert await admin.evaluate("sessionStorage.getItem('govhall.admin.token')")
    await admin.reload()  # the token survives a reload of the tab
    await admin.locator("#rv-rows tr", has_text=ticket["number"]).wait_for()
    # A review arriving while the page is open shows up live (WebSocket, admin topic), without a click.
    later = desk.serve(window=2)
    await admin.wait_for_function("Admin.live === true")  # the socket has its snapshot: it is registered
    status, _ = await desk.review(later["token"], "very_satisfied")
    assert status == 201
    await admin.locator("#rv-rows tr", has_text=later["number"]).wait_for(timeout=5000)

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
    assert await admin.locator("#chart-rates svg rect[data-field=bad_rate]").count() >= 1
    await office.close()
