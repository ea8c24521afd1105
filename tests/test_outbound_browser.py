"""The admin pages' 外发 tab in headless Chromium against the real server and a real receiver: a manager sees each
channel's delivered, waiting and failed counts, a dead letter with its last error (payload masked), is alerted live
when a message is parked, retries it with the 重试 button once the receiver is fixed, and gives the other up with
放弃 and a reason, which the list keeps with who did it."""
from __future__ import annotations

import pytest

from queue_server.core.clock import SystemClock
from queue_server.core.hall_time import business_day
from queue_server.core.workdays import holiday_data_warnings
from queue_server.reviews.settings import load_review_settings
from queue_server.web.auth import add_staff
from tests.browser_layout import admin_page, horizontal_overflow, shot
from tests.receiver import hall_with, until

playwright_api = pytest.importorskip("playwright.async_api")
expect = playwright_api.expect


async def test_manager_sees_dead_letters_and_retries_them(browser, hall_config, db_path, clock, receiver):
    # the alert bar also carries a line while the coming year's holidays are not loaded (installed package's years)
    calendar = len(holiday_data_warnings(business_day(clock.now(), hall_config.hall), hall_config.hall,
                                         load_review_settings(hall_config).calendar))
    outbound = {"webhook": {"url": receiver.url, "secret": "a-secret-for-the-page-test", "max_attempts": 2}}
    async with hall_with(hall_config, db_path, clock, outbound) as hall:
        kiosk = hall.api.as_(hall.token("kiosk"))
        assert (await kiosk.post("/api/tickets", {"service": "si_card", "request_id": "ok"}))[0] == 201
        await until(lambda: receiver.requests, "the first ticket delivered")
        receiver.status = 410
        assert (await kiosk.post("/api/tickets", {"service": "passport", "request_id": "gone"}))[0] == 201
        await until(lambda: len(receiver.requests) == 2, "the second ticket refused")

        add_staff(hall.db, SystemClock(), "9003", "值班长丙", "admin", "duty-secret")
        page = await admin_page(browser, hall.url, "9003", "duty-secret", width=1280)
        await page.wait_for_function("Admin.live === true")
        await expect(page.locator("#alert-count")).to_have_text(str(1 + calendar))
        await page.get_by_role("button", name="外发").click()

        card = page.locator(".out-channel")
        await expect(card).to_have_count(1)
        await expect(card).to_contain_text("Webhook 推送")
        figures = card.locator(".out-figure")
        await expect(figures).to_have_text(["1已送达", "0待发送", "1失败", "0已放弃"])
        await expect(card.locator(".out-figure.bad")).to_have_count(1)
        dead = page.locator("#ob-rows tr")
        await expect(dead).to_have_count(1)
        cells = await dead.first.locator("td").all_inner_texts()
        assert cells[1:7] == ["Webhook 推送", "取号", "失败（死信）", "1", "", "接收方拒绝：HTTP 410"]
        assert '"event":"ticket.issued"' in cells[7]
        assert await horizontal_overflow(page) == 0

        # a third ticket is parked while the page is open: the alerts bar says so at once (outbound.dead)
        assert (await kiosk.post("/api/tickets", {"service": "passport", "request_id": "gone-2"}))[0] == 201
        await expect(page.locator("#ob-rows tr")).to_have_count(2)
        await page.locator("#alert-badge").click()
        await expect(page.locator("#alerts")).to_contain_text("外发消息投递失败：Webhook 推送 2 条")
        await page.locator("#alert-badge").click()
        path = await shot(page, "admin-outbound-dead")
        print(f"screenshot: {path}")

        receiver.status = 200
        await page.locator("#ob-rows tr").first.get_by_role("button", name="重试").click()
        await expect(page.locator("#ob-rows tr")).to_have_count(1)
        await until(lambda: len(receiver.requests) == 4, "the retried message delivered")

        # the other dead letter is given up: the reason is asked for and kept with who gave it up
        await page.locator("#ob-rows tr").first.get_by_role("button", name="放弃").click()
        await expect(page.locator("#action-title")).to_contain_text("放弃外发消息 · Webhook 推送 · 取号")
        await page.locator("#action-ok").click()  # no reason: refused, the dialog stays
        await expect(page.locator("#action-error")).not_to_be_empty()
        await page.locator("#action-fields textarea").fill("接收方已停用该接口，改为人工通知")
        await page.locator("#action-ok").click()
        await expect(page.locator("#action")).to_be_hidden()
        await expect(page.locator("#ob-rows tr.empty")).to_have_count(1)
        await page.locator("#ob-state").select_option("")
        await page.get_by_role("button", name="查询").click()
        await expect(page.locator("#ob-rows tr", has_text="已送达")).to_have_count(2)
        discarded = page.locator("#ob-rows tr", has_text="已放弃")
        await expect(discarded).to_have_count(1)
        await expect(discarded).to_contain_text("接收方已停用该接口，改为人工通知")
        await expect(figures).to_have_text(["2已送达", "0待发送", "0失败", "1已放弃"])
        if calendar:  # nothing left to alert about but the calendar
            await expect(page.locator("#alert-count")).to_have_text(str(calendar))
        else:
            await expect(page.locator("#alert-badge")).to_be_hidden()
        path = await shot(page, "admin-outbound-all")
        print(f"screenshot: {path}")
        await page.context.close()
