"""The city's pages in headless Chromium at a city official's 1440×900: log in with the city admin token, the live
board of every hall (a silent hall marked 失联), KPIs and the ranking with a hall without data listed as 无数据 and
not ranked, the drill-down to one hall's units, and the quarter's bulletin downloaded as Word. Screenshots saved for
a person to look at."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from docx import Document

from queue_server.core.clock import SystemClock
from tests.browser_layout import boxes, horizontal_overflow, overlapping, shot
from tests.city_support import CityServer, bearer, govhall, ticket

pytest.importorskip("playwright.async_api")
SH = ZoneInfo("Asia/Shanghai")
UNITS = {"bdc": "不动产登记中心", "tax": "县税务局", "gaj": "县公安局"}


def _day_of(first_id: int, n: int, served: int, start: datetime, waits: list[float], unit_of) -> list[dict]:
    """``n`` tickets from ``start`` one a minute, the first ``served`` finished after their wait."""
    records = []
    for i in range(n):
        at = start + timedelta(minutes=i)
        wait = waits[i % len(waits)]
        status = "finished" if i < served else "waiting"
        records.append(ticket(first_id + i, first_id + i, at, status, wait=wait if i < served else None,
                              department=unit_of(i), finished_at=(at + timedelta(minutes=wait + 8)).isoformat()
                              if i < served else None))
    return records


def _reviews(seq: int, tickets: list[dict], levels: list[str]) -> list[dict]:
    return [{"seq": seq + i, "kind": "review", "data": {
        "id": i + 1, "ticket_id": t["data"]["id"], "business_day": t["data"]["business_day"],
        "department": t["data"]["department"], "level": level, "channel": "tablet",
        "created_at": t["data"]["issued_at"]}} for i, (t, level) in enumerate(zip(tickets, levels))]


def _heartbeat(seq: int, now: datetime, waiting: int, longest: float, tidal: int, down: int) -> dict:
    survey = {"title": "办事满意度问卷", "questions": {"attitude": "服务态度打几分？"}}
    return {"seq": seq, "kind": "heartbeat", "data": {"at": now.isoformat(), "waiting": waiting,
                                                     "longest_wait_min": longest, "tidal_open": tidal,
                                                     "devices_down": down, "units": UNITS,
                                                     "surveys": {"q1": survey}}}


def _registers(seq: int, day: str) -> list[dict]:
    """One training session for 不动产, two consultations, three answers rating the tax office's attitude 2."""
    return [{"seq": seq, "kind": "training", "data": {"id": 1, "business_day": day, "kind": "walkthrough",
                                                      "units": ["bdc"], "attendees": 4}},
            *({"seq": seq + i, "kind": "consultation", "data": {"id": i, "business_day": day, "service": "A",
                                                                "department": "bdc", "outcome": "answered"}}
              for i in (1, 2)),
            *({"seq": seq + 2 + i, "kind": "survey_answer", "data": {"id": i, "business_day": day, "survey": "q1",
                                                                     "department": "tax", "ratings": {"attitude": 2}}}
              for i in (1, 2, 3))]


async def test_the_city_official_sees_every_hall_ranks_them_fairly_and_downloads_the_bulletin(city_dsn, browser,
                                                                                              tmp_path):
    city = await CityServer(city_dsn, SystemClock()).start()
    try:
        now = datetime.now(SH)
        start = now.replace(hour=9, minute=0, second=0, microsecond=0)
        if start > now:  # before nine: the numbers were taken an hour ago, but not before midnight (another day)
            start = max(now - timedelta(hours=1), now.replace(hour=0, minute=0, second=0, microsecond=0))
        admin = city.admin()
        west = _day_of(1, 24, 18, start, [4.0, 9.5, 15.0, 26.0], lambda i: ["bdc", "tax"][i % 2])
        east = _day_of(1, 12, 10, start, [3.0, 6.0], lambda i: ["bdc", "gaj"][i % 2])
        async with aiohttp.ClientSession() as http:
            for code, name, records in (
                    ("xa", "西岸县政务服务中心", west + _reviews(100, west[:10], ["very_satisfied"] * 8 + ["dissatisfied"] * 2)
                     + [_heartbeat(200, now, 6, 34.5, 1, 0)] + _registers(300, start.date().isoformat())),
                    ("db", "东坝区政务服务中心", east + _reviews(100, east[:6], ["satisfied"] * 6)
                     + [_heartbeat(200, now, 2, 7.0, 0, 1)]),
                    ("nh", "南湖县政务服务中心", None)):
                token = city.hall(code, name)
                if records:
                    r = await http.post(f"{city.url}/api/city/records", json={"records": records},
                                        headers=bearer(token))
                    assert r.status == 200, await r.text()

        context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                            accept_downloads=True)
        page = await context.new_page()
        await page.goto(f"{city.url}/city")
        await page.locator("#token").fill("not-a-token")
        await page.get_by_role("button", name="登录").click()
        await page.locator("#login-error").filter(has_text="令牌").wait_for()
        await page.locator("#token").fill(admin)
        await page.get_by_role("button", name="登录").click()
        await page.locator("#board-rows tr").nth(2).wait_for()

        rows = await page.locator("#board-rows tr").all_inner_texts()
        assert "西岸县政务服务中心\t24\t18\t6\t34.5\t1\t0\t刚刚" in rows[2]
        assert "南湖县政务服务中心" in rows[1] and "失联 · 从未联系" in rows[1]
        cards = await page.locator("#board-cards").inner_text()
        assert "接入大厅" in cards and "失联大厅" in cards
        assert not overlapping(await boxes(page, "#board-cards .card"))
        assert await horizontal_overflow(page) <= 0
        await shot(page, "city-board")

        await page.get_by_role("button", name="指标与排名").click()
        await page.locator("#k-rows tr").nth(2).wait_for()
        ranked = await page.locator("#k-rows tr").all_inner_texts()
        assert ranked[0].startswith("1\t东坝区") and ranked[1].startswith("2\t西岸县")
        assert ranked[2].startswith("—\t南湖县政务服务中心\t无数据")
        await page.locator("#k-by").select_option("unit")
        await page.get_by_role("button", name="查询").click()
        await page.locator("#k-rows tr", has_text="县税务局").wait_for()
        assert await horizontal_overflow(page) <= 0
        await shot(page, "city-ranking-units")
        # the same bureau in both halls, by the city's mapping file; 西岸县's tax office left unmapped
        mapping = tmp_path / "units.csv"
        mapping.write_text("hall,unit,city_unit,city_unit_name\nxa,bdc,bdc,不动产登记中心\n"
                           "db,bdc,bdc,不动产登记中心\ndb,gaj,gaj,公安局\n", "utf-8")
        govhall("city", "unit", "load", str(mapping), "--dsn", city.dsn)
        await page.locator("#k-by").select_option("city_unit")
        await page.get_by_role("button", name="查询").click()
        await page.locator("#k-rows tr", has_text="未对应全市单位").wait_for()
        ranked = await page.locator("#k-rows tr").all_inner_texts()
        assert ranked[0].startswith("1\t公安局") and ranked[1].startswith("2\t不动产登记中心（2 个大厅）\t")
        assert ranked[2].startswith("—\t西岸县政务服务中心 · 县税务局（未对应全市单位）\t未对应")
        assert await horizontal_overflow(page) <= 0
        await shot(page, "city-ranking-city-units")

        await page.get_by_role("button", name="实时看板").click()
        await page.get_by_role("link", name="西岸县政务服务中心").click()
        await page.locator("#h-rows tr", has_text="不动产登记中心").wait_for()
        assert await page.locator("#h-title").inner_text() == "西岸县政务服务中心"
        assert len(await page.locator("#h-rows tr").all()) == 2
        activity = await page.locator("#h-activity").inner_text()
        assert "培训（次）：走流程体验 1" in activity and "咨询导办（次）" in activity
        weak = await page.locator("#h-activity-rows tr", has_text="县税务局").inner_text()
        assert weak.startswith("县税务局\t未开展培训\t办事满意度问卷：“服务态度打几分？”平均分 2.0（低于 4）")
        assert not overlapping(await boxes(page, "#h-activity .card"))
        await page.locator("#h-activity-rows").scroll_into_view_if_needed()
        await shot(page, "city-hall-drilldown")
        await page.locator("#h-code").select_option("db")
        await page.locator("#h-activity-rows tr.empty").wait_for()
        assert (await page.locator("#h-activity").inner_text()).count("无数据") == 6

        await page.get_by_role("button", name="季度通报").click()
        async with page.expect_download() as download:
            await page.get_by_role("button", name="下载通报").click()
        path = await (await download.value).path()
        document = Document(path)
        text = "\n".join(p.text for p in document.paragraphs)
        assert "某某市" in text and "三、大厅排名" in text and "南湖县" not in text  # 无数据 rows are in the table
        [ranking] = [t for t in document.tables if t.rows[0].cells[0].text == "名次"]
        assert ["—", "南湖县政务服务中心", "无数据"] == [c.text for c in ranking.rows[-1].cells]
        await context.close()
    finally:
        await city.stop()
