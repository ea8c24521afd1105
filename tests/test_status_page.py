"""The ticket's public status page in headless Chromium: position while waiting, the window once called, the review
link once finished."""
from __future__ import annotations

import shutil

import aiohttp
import pytest

playwright_api = pytest.importorskip("playwright.async_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


async def test_status_page_follows_the_ticket(server, tmp_path):
    kiosk, staff = server.auth("kiosk"), server.auth("staff", 8)
    async with aiohttp.ClientSession() as http:
        tickets = []
        for i in range(3):
            async with http.post(f"{server.url}/api/tickets", json={"service": "si_card", "request_id": f"s{i}"},
                                 headers=kiosk) as r:
                tickets.append(await r.json())
        mine = tickets[2]
        async with playwright_api.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = await browser.new_page(viewport={"width": 390, "height": 760}, locale="zh-CN")
            # the QR code carries the hall's public address; the test server listens on its own port
            await page.goto(f"{server.url}/t/{mine['token']}")
            assert await page.locator("#number").inner_text() == mine["number"]
            assert await page.locator("#ahead").inner_text() == "2 人"
            assert await page.locator("#called").is_hidden()
            await page.evaluate("show({status: 'waiting', ahead: 0, estimated_wait_min: 0, window: null})")
            assert await page.locator("#ahead").inner_text() == "没有人，即将叫号"  # not "0 人" / "约 0 分钟"
            assert await page.locator("#wait").inner_text() == "不到 1 分钟"
            await page.evaluate("show({status: 'held', ahead: 0, estimated_wait_min: null, window: 8})")
            assert await page.locator("#status").inner_text() == "暂缓办理，备齐后回原窗口"  # not the clerk's 已挂起
            await page.evaluate("refresh()")
            await page.locator("#ahead", has_text="2 人").wait_for()
            await page.screenshot(path=str(tmp_path / "status-waiting.png"))
            for _ in range(3):  # window 8 calls and finishes the two ahead, then calls this one
                async with http.post(f"{server.url}/api/windows/8/call", headers=staff) as r:
                    called = await r.json()
                if called["number"] == mine["number"]:
                    break
                await http.post(f"{server.url}/api/windows/8/finish", headers=staff)
            await page.evaluate("refresh()")
            await page.locator("#called").wait_for()
            assert await page.locator("#called").inner_text() == "请到 8 号窗口办理"
            await http.post(f"{server.url}/api/windows/8/finish", headers=staff)
            await page.evaluate("refresh()")
            await page.locator("#review a").wait_for()
            assert await page.locator("#status").inner_text() == "已办结"
            assert (await page.locator("#review a").get_attribute("href")).endswith(f"/r/{mine['token']}")
            await browser.close()
