"""The phone's status page (``/t/{token}``) at a phone's size (390×844) in headless Chromium: while waiting it
shows the number at a counter for the same service, the windows that serve it (staffed ones only) and a link to
the guide's materials; finished, it no longer tells the citizen to listen for the call. Layout checked on the
rendered boxes; screenshots saved for a person to look at."""
from __future__ import annotations

import itertools

import aiohttp
import pytest

from tests.browser_layout import boxes, broken_words, horizontal_overflow, overlapping, shot, small_targets

playwright_api = pytest.importorskip("playwright.async_api")
_ids = itertools.count()
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN",
         "device_scale_factor": 1}


async def take(http: aiohttp.ClientSession, server, service: str) -> dict:
    async with http.post(f"{server.url}/api/tickets", json={"service": service, "request_id": f"p-{next(_ids)}"},
                         headers=server.auth("kiosk")) as r:
        assert r.status == 201
        return await r.json()


async def act(http: aiohttp.ClientSession, server, token: str, window: int, action: str) -> dict:
    async with http.post(f"{server.url}/api/windows/{window}/{action}",
                         headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def check_layout(page) -> None:
    assert await horizontal_overflow(page) <= 0
    cards = await boxes(page, "main > .card, main > p")
    assert overlapping(cards) == []
    rows = await boxes(page, ".row > span, .row > b")
    assert overlapping(rows) == []
    assert await small_targets(page, "a.button", 44) == []  # a thumb's target: 44 px and more
    assert await broken_words(page, "main") == []  # no ticket number split across lines


async def test_waiting_page_shows_who_is_served_the_windows_and_the_materials_then_finished_says_so(server, browser):
    staff = server.sign_in(1, 2)  # window 3 also serves 不动产转移登记, but nobody works there
    async with aiohttp.ClientSession() as http:
        first, second, mine = [await take(http, server, "bdc_transfer") for _ in range(3)]
        await act(http, server, staff[1], 1, "call")
        phone = await browser.new_context(**PHONE)
        page = await phone.new_page()
        await page.goto(f"{server.url}/t/{mine['token']}")
        await page.locator("#serving", has_text=first["number"]).wait_for()
        assert await page.locator("#serving").inner_text() == f"{first['number']}（1号窗口）"
        assert await page.locator("#windows").inner_text() == "1、2 号窗口"
        await page.locator("#guide").wait_for(state="visible")
        links = page.locator("#guide-links a")  # 不动产转移登记 covers several items: one link each
        names = await links.all_inner_texts()
        assert "存量房转移登记(二手房过户)" in names and len(names) == 6
        href = await links.nth(names.index("存量房转移登记(二手房过户)")).get_attribute("href")
        assert href.startswith("/guides/") and href.endswith("#materials")
        assert "请留意大厅叫号" in await page.locator("#hint").inner_text()
        await check_layout(page)
        await shot(page, "phone-waiting")

        await links.nth(names.index("存量房转移登记(二手房过户)")).click()  # to that item's materials list
        await page.wait_for_url("**/guides/**#materials")
        assert "申请材料" in await page.locator("#materials").inner_text()
        assert "二手房过户" in await page.title()

        await act(http, server, staff[1], 1, "finish")
        await act(http, server, staff[2], 2, "call")  # the second ticket
        await act(http, server, staff[1], 1, "call")  # mine
        await act(http, server, staff[1], 1, "finish")
        await page.goto(f"{server.url}/t/{mine['token']}")
        await page.locator("#status", has_text="已办结").wait_for()
        hint = await page.locator("#hint").inner_text()
        assert "请留意大厅叫号" not in hint and "已办结" in hint
        assert await page.locator("#review").is_visible()
        review = (await boxes(page, "#review a"))[0]
        assert review["y"] + review["h"] <= 844  # on the first screen, without scrolling
        for hidden in ("#ahead-row", "#wait-row", "#serving-row", "#windows-row", "#called", "#guide"):
            assert await page.locator(hidden).is_hidden(), hidden
        await check_layout(page)
        await shot(page, "phone-finished")
        await phone.close()
