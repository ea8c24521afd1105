"""The admin pages' 潮汐窗口 tab driven in headless Chromium against the real server: a manager sees today's support
plan and an opening the policy made, opens and closes one by hand, reads the audit log by date, and is alerted when
nobody acknowledges an opening in time; a non-admin token is refused by the API and the page says so."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest

from queue_server.core.clock import SystemClock
from queue_server.web.auth import add_staff
from tests.browser_layout import admin_page
from tests.review_support import Desk

playwright_api = pytest.importorskip("playwright.async_api")
expect = playwright_api.expect




async def policy_opening(desk: Desk) -> dict:
    """Take 社保卡 tickets until the policy opens a tidal window (the 5th ticket: 22 minutes' estimated wait); the
    standby clerks are signed in (the tide opens only windows where someone works)."""
    desk.server.sign_in(31, 32, 33, 34)
    for _ in range(8):
        desk.issue("si_card")
        for _ in range(20):  # the policy runs on the loop right after the event
            await asyncio.sleep(0.01)
            opened = (await desk.get("/api/tidal"))["open"]
            if opened:
                return opened[0]
    raise AssertionError("the policy opened no tidal window")


async def test_manager_watches_and_steers_the_tide_from_the_admin_page(browser, desk):
    opening = await policy_opening(desk)
    assert (opening["service"], opening["window"], opening["manual"]) == ("si_card", 32, False)
    add_staff(desk.server.db, SystemClock(), "9003", "值班长丙", "admin", "duty-secret")
    page = await admin_page(browser, desk.server.url, "9003", "duty-secret", width=1280)
    await page.locator("#rv-rows").wait_for(state="attached")
    await page.wait_for_function("Admin.live === true")
    await page.get_by_role("button", name="潮汐窗口").click()

    # Today's support plan (每日兼办) and the policy's opening, with the thresholds in force.
    plan = (await desk.get("/api/tidal"))["day_plan"]
    assert plan
    plan_rows = page.locator("#td-plan tr")
    await plan_rows.first.wait_for()
    assert await plan_rows.count() == len(plan)
    first = plan[0]
    window_name = next(w["name"] for w in (await desk.get("/api/hall"))["windows"] if w["number"] == first["window"])
    assert await plan_rows.first.inner_text() == f"{first['window']} {window_name}\t{first['service_name']}"
    policy_row = page.locator("#td-open-rows tr", has_text="社会保障卡办理")
    await policy_row.wait_for()
    cells = await policy_row.locator("td").all_inner_texts()
    assert cells[:4] == ["32", "社会保障卡办理", "09:00", "潮汐策略"]
    assert "超过 20 分钟" in cells[4] and cells[5] == "待确认（09:03 前）" and cells[6] == ""
    thresholds = await page.locator("#td-thresholds").inner_text()
    assert "超过 20 分钟或等候 10 人以上开设" in thresholds and "3 分钟内未确认" in thresholds
    log_rows = page.locator("#td-log tr")
    await expect(log_rows).to_have_count(len(plan) + 1)
    assert await page.locator("#td-date").input_value() == "2026-11-23"
    assert (await log_rows.last.locator("td").all_inner_texts())[1:4] == ["开设", "32", "社会保障卡办理"]
    assert await page.locator("#td-log tr", has_text="每日兼办").count() == len(plan)

    # Open by hand: a window already open is refused with the API's own message; then the best standby window.
    await page.get_by_role("button", name="手动开设").click()
    dialog = page.locator("#action-fields")
    await dialog.locator("select[name=service]").select_option("bdc_transfer")
    await dialog.locator("input[name=window]").fill("32")
    await page.get_by_role("button", name="确定").click()
    await expect(page.locator("#action-error")).to_have_text("32 号窗口已开设潮汐业务")
    await dialog.locator("input[name=window]").fill("")
    await dialog.locator("textarea[name=reason]").fill("不动产过户群众集中到场")
    await page.get_by_role("button", name="确定").click()
    manual_row = page.locator("#td-open-rows tr", has_text="不动产转移登记")
    await manual_row.wait_for()
    cells = await manual_row.locator("td").all_inner_texts()
    assert cells[:5] == ["31", "不动产转移登记", "09:00", "手动（管理员 9003）", "不动产过户群众集中到场"]
    row = next(desk.server.db.query(
        "select window, opened_by, manual from tidal_openings where service = 'bdc_transfer'"))
    assert row == {"window": 31, "opened_by": "admin:9003", "manual": 1}
    await page.locator("#td-log tr", has_text="开设（手动）").wait_for()

    # Close it by hand, with a reason.
    await manual_row.get_by_role("button", name="关闭").click()
    await page.locator("#action-fields textarea[name=reason]").fill("过户群众已分流")
    await page.get_by_role("button", name="确定").click()
    await manual_row.wait_for(state="detached")
    closed_row = page.locator("#td-log tr", has_text="关闭（手动）")
    await closed_row.wait_for()  # the log is re-read after the close: wait for it rather than race it
    closed = await closed_row.locator("td").all_inner_texts()
    assert closed[2:] == ["31", "不动产转移登记", "过户群众已分流", "管理员 9003"]
    assert next(desk.server.db.query("select closed_by from tidal_openings where service = 'bdc_transfer'")) == {
        "closed_by": "admin:9003"}

    # Nobody at window 32 acknowledges: past ack_timeout_min the drill button runs the policy, which escalates.
    assert await page.locator("#alerts").is_hidden()
    desk.server.clock.advance(180)
    await page.get_by_role("button", name="立即评估").click()
    await page.locator("#alert-badge").wait_for(timeout=5000)  # alerts collapse into a badge; its list on a click
    await page.locator("#alert-badge").click()
    alert = page.locator("#alerts .alert-line", has_text="潮汐开窗未确认")
    await alert.wait_for(timeout=5000)
    assert await alert.inner_text() == ("潮汐开窗未确认：32 号窗口 社会保障卡办理（09:00 开设），超过 3 分钟无人确认，"
                                        "请值班长协调。")
    await page.locator("#td-open-rows tr", has_text="已上报 09:03").wait_for()
    await expect(policy_row.locator("td").nth(5)).to_have_text("逾期未确认（应于 09:03 前）")
    assert await policy_row.get_attribute("class") == "late"
    escalated = page.locator("#td-log tr", has_text="上报")
    await escalated.wait_for()
    assert "未确认潮汐开窗" in await escalated.inner_text()

    # The standby staff acknowledge at last: the alert goes away live, the row says when.
    staff = desk.server.auth("staff", 32)
    async with aiohttp.ClientSession() as http, http.post(f"{desk.server.url}/api/windows/32/tidal/ack",
                                                           headers=staff) as r:
        assert r.status == 200
    await alert.wait_for(state="detached", timeout=5000)
    await page.locator("#td-open-rows tr", has_text="已确认 09:03").wait_for()
    await page.locator("#td-log tr", has_text="确认").last.wait_for()

    # Another day's log through the date picker: Sunday had none.
    await page.locator("#td-date").fill("2026-11-22")
    await page.locator("#td-log tr.empty", has_text="暂无数据").wait_for()  # an empty table says so
    await page.locator("#td-date").fill("2026-11-23")
    await page.locator("#td-log tr", has_text="开设（手动）").wait_for()
    await page.context.close()


async def test_a_display_token_cannot_steer_the_tide_through_the_page(browser, desk):
    """GIVEN a display screen's token in the page (it may read the tidal state)
    WHEN it tries to open a tidal window by hand
    THEN the API refuses and the dialog shows the refusal in Chinese; nothing is opened."""
    token = desk.server.token("display")
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    await context.add_init_script(f"sessionStorage.setItem('govhall.admin.token', '{token}')")
    page = await context.new_page()
    await page.goto(f"{desk.server.url}/admin")
    await page.get_by_role("button", name="潮汐窗口").click()
    await page.locator("#td-plan tr").first.wait_for()
    await expect(page.locator("#td-error")).to_contain_text("需要以下角色之一")  # the audit log is admin only
    await page.wait_for_function("Object.keys(Admin.services).length > 0")
    await page.get_by_role("button", name="手动开设").click()
    await page.locator("#action-fields select[name=service]").select_option("bdc_transfer")
    await page.get_by_role("button", name="确定").click()
    await expect(page.locator("#action-error")).to_have_text("此操作需要以下角色之一：admin（当前为 display）")
    assert desk.server.db["tidal_openings"].count == 0
    await context.close()
