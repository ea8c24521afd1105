"""The booking page ``/book`` at a phone's size (390×844) in headless Chromium: department → service → date (only
bookable days) → slot (full ones disabled) → name and phone → the code, big, with the materials and how to check
in; then cancelling with the code and the phone. Layout checked on the rendered boxes; screenshots kept."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.browser_layout import (admin_page, boxes, horizontal_overflow, overlapping, rows_of, shot,
                                  small_targets)
from tests.test_status_page_browser import PHONE

playwright_api = pytest.importorskip("playwright.async_api")


async def check_layout(page) -> None:
    assert await horizontal_overflow(page) <= 0
    assert overlapping(await boxes(page, "#panel .pick, #panel .back, #panel .go")) == []
    assert await small_targets(page, "#panel .pick, #panel .back, #panel .go, nav button", 48) == []


async def test_from_department_to_code_then_cancel(server, browser):
    admin = server.auth("admin")
    async with aiohttp.ClientSession() as http:  # Tuesday 09:00-09:30 is full before the citizen comes
        async with http.get(f"{server.url}/api/appointments/slots?service=si_card&date=2026-11-24") as r:
            capacity = (await r.json())[1]["capacity"]
        for n in range(capacity):
            async with http.post(f"{server.url}/api/appointments", headers=admin, json={
                    "service": "si_card", "date": "2026-11-24", "slot": "09:00-09:30", "name": "李四",
                    "phone": f"1370000{n:04d}"}) as r:
                assert r.status == 201

    page = await (await browser.new_context(**PHONE)).new_page()
    await page.goto(f"{server.url}/book")
    await page.get_by_role("button", name="人力资源和社会保障局").wait_for()
    assert await page.locator("#hall").inner_text() == "示范县政务服务中心 · 网上预约"
    await check_layout(page)
    await shot(page, "book-1-departments")
    await page.get_by_role("button", name="人力资源和社会保障局").click()
    await page.get_by_role("button", name="社会保障卡办理").click()
    # only bookable days: Tuesday to Friday and the next Monday (the weekend is left out), a week ahead
    await page.locator("#panel .pick").first.wait_for()
    days = await page.locator("#panel .pick").all_inner_texts()
    assert [d.split("\n")[0] for d in days] == ["11月24日 周二", "11月25日 周三", "11月26日 周四", "11月27日 周五",
                                                "11月30日 周一"], days
    await check_layout(page)
    await shot(page, "book-3-days")
    await page.locator("#panel .pick").first.click()
    full = page.locator("#panel .pick", has_text="09:00-09:30")
    await full.wait_for()
    assert await full.is_disabled() and "已约满" in await full.inner_text()
    assert "余 3" in await page.locator("#panel .pick", has_text="09:30-10:00").inner_text()
    await check_layout(page)
    await shot(page, "book-4-slots")
    await page.locator("#panel .pick", has_text="09:30-10:00").click()
    await page.locator("#name").fill("张小三")
    await page.locator("#phone").fill("1381234")
    await page.locator("#submit").click()
    assert await page.locator("#msg").inner_text() == "请填写11位手机号"
    await page.locator("#phone").fill("13812345678")
    await check_layout(page)
    await shot(page, "book-5-form")
    await page.locator("#submit").click()
    await page.locator("#code").wait_for()
    code = await page.locator("#code").inner_text()
    assert len(code) == 6 and code.isdigit()
    text = await page.locator("#panel").inner_text()
    assert "张*三" in text and "138****5678" in text and "13812345678" not in text and "取号机" in text
    await page.locator("#materials details").first.wait_for()
    assert await page.locator("#materials summary").count() >= 1
    await page.locator("#materials summary").first.click()
    assert await page.locator("#materials details[open] li").count() >= 1
    size = await page.locator("#code").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 48  # the code is read off the screen at the kiosk
    assert await horizontal_overflow(page) <= 0
    await shot(page, "book-6-code")
    row = server.db.execute("select service, date, slot, name, phone, source from appointments where code = ?",
                            [code]).fetchone()
    assert row == ("si_card", "2026-11-24", "09:30-10:00", "张小三", "13812345678", "online")

    await page.get_by_role("button", name="取消预约").first.click()
    await page.locator("#c-code").fill(code)
    await page.locator("#c-phone").fill("13800000000")
    await page.locator("#c-go").click()
    await page.locator("#c-msg", has_text="不正确").wait_for()
    await page.locator("#c-phone").fill("13812345678")
    await page.locator("#c-go").click()
    await page.locator("#c-msg", has_text="已取消").wait_for()
    await shot(page, "book-7-cancelled")
    assert server.db.execute("select status from appointments where code = ?", [code]).fetchone()[0] == "cancelled"


async def test_admin_booking_tab_lists_the_day_and_books_on_behalf(server, browser):
    from queue_server.core.clock import SystemClock
    from queue_server.web.auth import add_staff

    async with aiohttp.ClientSession() as http:
        for n, (service, slot) in enumerate((("si_card", "09:00-09:30"), ("si_card", "09:00-09:30"),
                                             ("passport", "14:00-14:30"))):
            async with http.post(f"{server.url}/api/appointments", json={
                    "service": service, "date": "2026-11-24", "slot": slot, "name": "欧阳小明",
                    "phone": f"1370000{n:04d}"}) as r:
                assert r.status == 201
    add_staff(server.db, SystemClock(), "9003", "值班长丙", "admin", "duty-secret")
    page = await admin_page(browser, server.url, "9003", "duty-secret", width=1280)
    await page.get_by_role("button", name="预约", exact=True).click()
    await page.locator("#bk-cards .card").first.wait_for()
    await page.locator("#bk-day").fill("2026-11-24")
    await page.locator("#bk-search").click()
    rows = page.locator("#bk-rows tr")
    await page.locator("#bk-rows tr", has_text="普通护照办理").wait_for()
    texts = await rows.all_inner_texts()
    assert len(texts) == 3 and texts[0].startswith("社会保障卡办理\t09:00-09:30\t2/3"), texts
    assert all("欧**明" in t and "137****000" in t and "网上预约" in t for t in texts)
    assert "13700000000" not in await page.content()
    assert "预约（不含取消）\n3" in await page.locator("#bk-cards").inner_text()

    await page.locator("#bk-add").click()
    await page.locator("#action-fields [name=service]").select_option("passport")
    await page.locator("#action-fields [name=date]").fill("2026-11-24")
    await page.locator("#action-fields [name=date]").dispatch_event("change")
    await page.locator("#bk-free", has_text="14:00-14:30（余1）").wait_for()
    await page.locator("#action-fields [name=slot]").fill("14:00-14:30")
    await page.locator("#action-fields [name=name]").fill("张三")
    await page.locator("#action-fields [name=phone]").fill("0394-4211111")
    messages = []
    page.on("dialog", lambda d: (messages.append(d.message), asyncio.ensure_future(d.accept())))
    await page.locator("#action-ok").click()
    await page.locator("#bk-rows tr", has_text="张*").wait_for()
    assert messages and "预约码" in messages[0]
    assert await rows_of(page, "nav button") == 1  # 1280 px, a scroll bar and eighteen tabs: still one line
    await shot(page, "book-admin-tab")
    source = server.db.execute("select source from appointments where name = '张三'").fetchone()[0]
    assert source == "admin"


async def test_admin_cancels_a_booking_for_a_citizen_who_phones(server, browser):
    """GIVEN two bookings on Tuesday WHEN a citizen phones and the admin, at 1440×900, taps 取消 on their row THEN
    a dialog names the booking and what will happen and asks for the reason (none: refused in Chinese); confirmed,
    the row reads 已取消 with the reason and has no 取消 any more, the other row keeps its own, and the record says
    who cancelled and why."""
    from queue_server.core.clock import SystemClock
    from queue_server.web.auth import add_staff

    codes = []
    async with aiohttp.ClientSession() as http:
        for n, slot in enumerate(("09:00-09:30", "10:00-10:30")):
            async with http.post(f"{server.url}/api/appointments", json={
                    "service": "si_card", "date": "2026-11-24", "slot": slot, "name": "欧阳小明",
                    "phone": f"1370000{n:04d}"}) as r:
                codes.append((await r.json())["code"])
    add_staff(server.db, SystemClock(), "9004", "值班长丁", "admin", "duty-secret")
    page = await admin_page(browser, server.url, "9004", "duty-secret", width=1440)
    await page.get_by_role("button", name="预约", exact=True).click()
    await page.locator("#bk-cards .card").first.wait_for()
    await page.locator("#bk-day").fill("2026-11-24")
    await page.locator("#bk-search").click()
    first = page.locator("#bk-rows tr", has_text=codes[0])
    await first.wait_for()
    assert await page.locator("#bk-rows button", has_text="取消").count() == 2
    await first.get_by_role("button", name="取消").click()
    await page.locator("#action").wait_for()
    assert await page.locator("#action-title").inner_text() == f"代群众取消预约 {codes[0]}"
    context = await page.locator("#action-context").inner_text()
    assert "社会保障卡办理 2026-11-24 09:00-09:30" in context and "欧**明 137****0000" in context
    assert "发送取消短信" in context and "13700000000" not in context
    ok = page.locator("#action-ok")
    assert await ok.inner_text() == "确认取消预约" and await page.locator("#action-cancel").inner_text() == "不取消，关闭"
    await ok.click()
    await page.locator("#action-error", has_text="请填写取消原因").wait_for()
    assert server.db.execute("select status from appointments where code = ?", [codes[0]]).fetchone() == ("booked",)
    await page.locator("#action-fields [name=reason]").fill("来电：孩子生病，改日再来")
    assert await horizontal_overflow(page) <= 0
    assert await small_targets(page, "#action button", 28) == []  # mouse targets on a desktop, as the nav
    assert await rows_of(page, "nav button") == 1
    await shot(page, "book-admin-cancel-dialog")
    await ok.click()
    await page.locator("#bk-rows tr", has_text="工作人员代取消").wait_for()
    assert await page.locator("#action").is_hidden()
    cancelled = await page.locator("#bk-rows tr", has_text=codes[0]).inner_text()
    assert "已取消（工作人员代取消：来电：孩子生病，改日再来）" in cancelled
    assert await page.locator("#bk-rows tr", has_text=codes[0]).get_by_role("button").count() == 0
    assert await page.locator("#bk-rows tr", has_text=codes[1]).get_by_role("button", name="取消").count() == 1
    await shot(page, "book-admin-cancelled")
    row = server.db.execute("select status, cancelled_by, cancel_reason from appointments where code = ?",
                            [codes[0]]).fetchone()
    assert row == ("cancelled", "admin:9004", "来电：孩子生病，改日再来")
    # the dialog's buttons are back to 确定 / 取消 for the next action (电话代约)
    await page.locator("#bk-add").click()
    assert await page.locator("#action-ok").inner_text() == "确定"
    assert await page.locator("#action-cancel").inner_text() == "取消"
