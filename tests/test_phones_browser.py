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


async def test_admin_tab_lists_the_days_phones_masked_and_withdraws_one(server, browser):
    """GIVEN two phones left today (kiosk and status page) WHEN the admin opens 短信留号 at 1440×900 THEN the
    numbers are masked (the full one nowhere on the page), the counts and the retention in force are shown; 撤回
    on one, confirmed, deletes that phone at once and the list and counts follow."""
    from tests.browser_layout import admin_page, boxes, horizontal_overflow, shot, small_targets
    from queue_server.core.clock import SystemClock
    from queue_server.web.auth import add_staff

    numbers = []
    async with aiohttp.ClientSession() as http:
        for n, auth in enumerate((server.auth("kiosk"), {})):
            async with http.post(f"{server.url}/api/tickets", json={"service": "si_card", "request_id": f"ph-{n}"},
                                 headers=server.auth("kiosk")) as r:
                ticket = await r.json()
            async with http.post(f"{server.url}/api/tickets/{ticket['token']}/phone",
                                 json={"phone": f"1381234{n:04d}"}, headers=auth) as r:
                assert r.status == 201
            numbers.append(ticket["number"])
    add_staff(server.db, SystemClock(), "9005", "值班长戊", "admin", "duty-secret")
    page = await admin_page(browser, server.url, "9005", "duty-secret")
    await page.get_by_role("button", name="短信留号", exact=True).click()
    await page.locator("#ph-rows tr", has_text=numbers[1]).wait_for()
    texts = await page.locator("#ph-rows tr").all_inner_texts()
    assert [t.split("\t")[:2] for t in texts] == [[numbers[0], "138****0000"], [numbers[1], "138****0001"]]
    assert "取号机" in texts[0] and "手机（号票二维码）" in texts[1]
    html = await page.content()
    assert "13812340000" not in html and "13812340001" not in html
    cards = await page.locator("#ph-cards").inner_text()
    assert "留号\n2" in cards and "取号机留号\n1" in cards and "手机留号\n1" in cards and "手机号保存期限\n30 天" in cards
    assert "保存 30 天后删除" in await page.locator("#ph-rule").inner_text()
    assert await horizontal_overflow(page) <= 0
    assert await small_targets(page, "nav button", 28) == []
    tabs = await boxes(page, "nav button")
    assert len({t["y"] for t in tabs}) == 1, "every tab on one line at 1440 px"
    await shot(page, "admin-phones-tab")

    await page.locator("#ph-rows tr", has_text=numbers[0]).get_by_role("button", name="撤回").click()
    await page.locator("#action").wait_for()
    assert "138****0000" in await page.locator("#action-context").inner_text()
    await shot(page, "admin-phones-withdraw")
    await page.get_by_role("button", name="确认撤回并删除").click()
    await page.locator("#action-error", has_text="请填写撤回原因").wait_for()
    await page.locator("#action-fields [name=reason]").fill("群众来电要求撤回")
    await page.get_by_role("button", name="确认撤回并删除").click()
    await page.locator("#ph-rows tr", has_text=numbers[0]).wait_for(state="detached")
    assert "留号\n1" in await page.locator("#ph-cards").inner_text()
    assert [t.split("\t")[0] for t in await page.locator("#ph-rows tr").all_inner_texts()] == [numbers[1]]
    assert server.db.execute("select phone from citizen_phones").fetchall() == [("13812340001",)]
    assert server.db.execute("select action, reason, ticket from admin_log").fetchall() == [
        ("phone_withdraw", "群众来电要求撤回", numbers[0])]
