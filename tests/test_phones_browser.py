"""The ticket's status page takes a phone for SMS reminders (headless Chromium, at a phone's size): offered only
where the hall sends SMS and while the ticket is open; a wrong number refused in Chinese; the number kept masked."""
from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path

import aiohttp
import pytest

SMS = {"provider": "generic", "url": "http://127.0.0.1:9/sms"}


@pytest.fixture
def sms_section():
    return SMS


@pytest.fixture
def hall_config(hall_config, sms_section):
    if sms_section is None:
        return hall_config
    return dataclasses.replace(hall_config, sections={**hall_config.sections, "outbound": {"sms": sms_section}})


async def open_status_page(server, browser):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}/api/tickets", json={"service": "si_card", "request_id": uuid.uuid4().hex},
                             headers=server.auth("kiosk")) as r:
            ticket = await r.json()
    page = await browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    await page.goto(f"{server.url}/t/{ticket['token']}")
    return page


async def test_status_page_takes_a_phone(server, browser, tmp_path):
    shots = Path(os.environ.get("GOVHALL_SHOTS", tmp_path))  # kept for a person to look at when set
    shots.mkdir(parents=True, exist_ok=True)
    page = await open_status_page(server, browser)
    await page.locator("#sms").wait_for()
    assert "前面剩3位和叫号时，短信提醒您" in await page.locator("#sms-note").inner_text()
    await page.fill("#sms-phone", "1281234123")
    await page.click("#sms button")
    await page.locator("#sms-msg", has_text="请输入11位手机号码").wait_for()
    await page.screenshot(path=str(shots / "status-sms-refused.png"), full_page=True)
    await page.fill("#sms-phone", "138 1234 1234")
    await page.click("#sms button")
    await page.locator("#sms-msg", has_text="好的，提醒将发至 138****1234").wait_for()
    assert await page.locator("#sms-form").is_hidden()
    await page.screenshot(path=str(shots / "status-sms-left.png"), full_page=True)
    row = server.db.execute("select phone, source from citizen_phones").fetchone()
    assert row == ("13812341234", "phone")
    await page.evaluate("show({status: 'finished', ahead: 0, estimated_wait_min: null, window: 8})")
    assert await page.locator("#sms").is_hidden()  # nothing left to remind of


@pytest.mark.parametrize("sms_section", [None])
async def test_no_offer_without_sms(server, browser):
    page = await open_status_page(server, browser)
    await page.wait_for_load_state("networkidle")
    assert await page.locator("#number").inner_text() and await page.locator("#sms").is_hidden()
