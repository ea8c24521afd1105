"""The staff's pick form driven in headless Chromium (Debian's /usr/bin/chromium): picking what is missing or
wrong records a slip and lands on its printable page."""
from __future__ import annotations

import shutil

import pytest

playwright_api = pytest.importorskip("playwright.async_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


async def test_pick_form_records_and_shows_the_slip(server):
    token = server.token("staff", 1)
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = await (await browser.new_context(locale="zh-CN")).new_page()
            await page.goto(f"{server.url}/guides/bdc-002/notice")
            await page.get_by_role("button", name="生成并打印告知单").click()
            # no token: the API's Chinese message is shown, nothing recorded
            await page.locator("#error").filter(has_text="令牌").wait_for()
            await page.goto(f"{server.url}/guides/bdc-002/notice?token={token}")
            await page.get_by_role("button", name="生成并打印告知单").click()
            await page.locator("#error").filter(has_text="至少勾选").wait_for()
            assert server.db["guide_notices"].count == 0
            await page.locator('select[name="material-5"]').select_option("missing")
            await page.locator('select[name="material-6"]').select_option("wrong")
            await page.locator('input[name="note-material-6"]').fill("证件已过期")
            await page.locator('input[name="applicant"]').fill("王小明")
            await page.get_by_role("button", name="生成并打印告知单").click()
            await page.get_by_role("heading", name="一次性告知单").wait_for()
            body = await page.locator("body").inner_text()
        finally:
            await browser.close()
    assert "[缺少] 完税凭证（复印件1份；税务机关；纸质或电子）" in body
    assert "[有误] 结婚证（原件1份、复印件1份；婚姻登记机关）：证件已过期" in body
    assert "王*明" in body and "王小明" not in body
    assert "1号窗口" in body
    assert server.db["guide_notices"].count == 1
