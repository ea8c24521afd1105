"""The admin landing tab (概览) at a manager's 1440×900 in headless Chromium: today's figures from the records,
arrivals and served per hour, each queue coloured by the 20-minute target, which windows are staffed, the alerts
as a badge with a list, 暂无数据 in empty tables, the citizen's own reasons and comment in the case dialog, and the
estimate accuracy. Layout checked on the rendered boxes; screenshots saved for a person to look at."""
from __future__ import annotations

import pytest

from queue_server.core.clock import SystemClock
from queue_server.web.auth import add_staff
from tests.browser_layout import (admin_page, boxes, broken_words, horizontal_overflow, overlapping, rows_of, shot,
                                  small_targets)
from tests.review_support import mon

playwright_api = pytest.importorskip("playwright.async_api")


async def log_in(browser, desk):
    add_staff(desk.server.db, SystemClock(), "9010", "主任甲", "admin", "chief-secret")
    page = await admin_page(browser, desk.server.url, "9010", "chief-secret")
    await page.locator("#ov-cards .card").first.wait_for()
    return page


async def test_overview_shows_todays_hall_at_a_glance(browser, desk):
    """GIVEN a Monday morning: 3 tickets issued at 9 and served by 10 (one with a bad review and comment), then 6
    不动产 tickets waiting since 10:00 and 1 社保卡 since 10:25, window 1 signed in and window 2 open with nobody
    WHEN the manager opens the admin page at 10:30 THEN 概览 is the landing tab with the figures, two hours of bars,
    不动产 marked over the 20-minute target and 社保卡 not, window 2 flagged 无人, the alerts in a badge."""
    desk.at(mon(9, 0))
    served = [desk.issue("bdc_transfer") for _ in range(3)]
    desk.at(mon(9, 40))
    finished = []
    for _ in served:
        desk.call(1)
        finished.append(desk.finish(1))
    status, _ = await desk.review(finished[0]["token"], "dissatisfied", reasons=["等候时间过长"],
                                  comment="希望上午多开窗口")
    assert status == 201
    desk.at(mon(10, 0))
    for _ in range(6):
        desk.issue("bdc_transfer")
    desk.at(mon(10, 25))
    desk.issue("si_card")
    desk.at(mon(10, 30))
    desk.server.sign_in(1)
    page = await log_in(browser, desk)

    cards = {c.split("\n")[0]: c.split("\n")[1] for c in await page.locator("#ov-cards .card").all_inner_texts()}
    assert cards["今日取号"] == "10" and cards["已办结"] == "3" and cards["正在等候"] == "7"
    assert cards["当前最长等候"] == "30 分钟" and cards["好评率"] == "0.0%" and cards["未办结差评"] == "1"
    hall = await desk.get("/api/hall")
    assert cards["在岗窗口"] == f"1 / {len(hall['windows'])}"
    assert await page.locator("#ov-longest").get_attribute("class") == "card bad"
    bars = page.locator("#ov-hourly rect[data-hour]")
    assert sorted(set(await bars.evaluate_all("(rs) => rs.map((r) => r.dataset.hour)"))) == ["10", "9"]
    heights = await bars.evaluate_all(
        "(rs) => Object.fromEntries(rs.map((r) => [r.dataset.hour + r.dataset.field, +r.getAttribute('height')]))")
    assert heights["9tickets"] > 0 and heights["9served_in_hour"] == heights["9tickets"]  # 3 in, 3 out by 9:40
    assert heights["10tickets"] > heights["9tickets"] and heights["10served_in_hour"] == 0  # 7 arrivals, none out
    rows = page.locator("#ov-queues tr")
    assert await rows.count() == 2
    first = await rows.nth(0).locator("td").all_inner_texts()
    assert first[:3] == ["不动产转移登记", "6 人", "30 分钟"] and await rows.nth(0).get_attribute("data-sla") == "sla-over"
    assert await rows.nth(1).get_attribute("data-sla") == "sla-ok"
    assert "3 张号票" in await page.locator("#ov-accuracy").inner_text()
    # the alerts: a badge in the header, the list only on a click
    assert await page.locator("#alerts").is_hidden()
    await check_layout(page)
    await shot(page, "admin-overview")

    await page.get_by_role("button", name="实时大厅").click()
    window2 = page.locator("#hall-windows tr").nth(1)
    await window2.wait_for()
    assert (await window2.locator("td").all_inner_texts())[5] == "无人"
    assert await window2.locator(".unstaffed").count() == 1
    assert (await page.locator("#hall-windows tr").nth(0).locator("td").all_inner_texts())[5] == "在岗"
    await shot(page, "admin-hall")

    await page.get_by_role("button", name="差评整改").click()
    case_row = page.locator("#case-rows tr", has_text=served[0]["number"][:1])
    await case_row.first.wait_for()
    await case_row.first.get_by_role("button").first.click()
    context = page.locator("#action-context")
    await context.wait_for(state="visible")
    text = await context.inner_text()
    assert "等候时间过长" in text and "希望上午多开窗口" in text and "不满意" in text
    await shot(page, "admin-case-dialog")
    await page.get_by_role("button", name="取消").click()

    await page.get_by_role("button", name="有诉即办").click()
    await page.locator("#cp-rows tr.empty").wait_for()
    assert await page.locator("#cp-rows").inner_text() == "暂无数据"

    await page.get_by_role("button", name="统计分析").click()
    await page.locator("#kpi-by").select_option("hour")
    await page.locator("#kpi-from").fill("2026-11-23")
    await page.locator("#kpi-to").fill("2026-11-23")
    await page.get_by_role("button", name="统计", exact=True).click()
    await page.locator("#kpi-rows tr", has_text="10时").first.wait_for()  # 9时 and 10时
    assert await page.locator("#chart-volume rect[data-field=tickets]").count() == 2
    assert await page.locator("#kpi-estimate_within_5_min_rate").inner_text() != "—"
    await page.locator("#kpi-by").select_option("staff")
    await page.get_by_role("button", name="统计", exact=True).click()
    await page.locator("#kpi-rows tr", has_text="1001").first.wait_for()
    await check_layout(page, alerts_open=False)
    await shot(page, "admin-kpis-by-staff")
    await page.context.close()


async def test_alerts_collapse_into_a_badge_that_opens_a_list(browser, day):
    """GIVEN the scripted day with overdue cases and an unanswered complaint WHEN the manager logs in THEN one
    badge shows the count; a click opens the list over the page (nothing pushed down), another closes it."""
    page = await log_in(browser, day)
    badge = page.locator("#alert-badge")
    await badge.wait_for()
    assert int(await page.locator("#alert-count").inner_text()) >= 1
    nav_before = (await boxes(page, "#tabs"))[0]["y"]
    await badge.click()
    await page.locator("#alerts").wait_for(state="visible")
    assert "逾期" in await page.locator("#alerts").inner_text()
    assert (await boxes(page, "#tabs"))[0]["y"] == nav_before  # the list floats; the tabs do not move
    await shot(page, "admin-alerts-open")
    await badge.click()
    assert await page.locator("#alerts").is_hidden()
    await page.context.close()


async def check_layout(page, alerts_open: bool = False) -> None:
    assert await horizontal_overflow(page) <= 0
    assert overlapping(await boxes(page, "#ov-cards > .card, .ov-grid > .card, #kpi-cards > .card")) == []
    assert overlapping(await boxes(page, "header > *")) == []
    assert await small_targets(page, "nav button, header button", 28) == []  # mouse targets on a desktop
    assert await rows_of(page, "nav button") == 1  # the tabs keep to one line
    assert await broken_words(page, "main, section, header") == []
    # figures keep their unit on their line: "30 分钟" never splits between the number and 分钟
    assert await broken_words(page, "section", r"\d+ ?(?:分钟|人)") == []
