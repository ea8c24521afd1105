"""The booking page ``/book`` at a phone's size (390×844) in headless Chromium: department → service → date (only
bookable days) → slot (full ones disabled) → name and phone → the code, big, with the materials and how to check
in; then cancelling with the code and the phone. Layout checked on the rendered boxes; screenshots kept."""
from __future__ import annotations

import aiohttp
import pytest

from tests.browser_layout import boxes, horizontal_overflow, overlapping, shot, small_targets
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
