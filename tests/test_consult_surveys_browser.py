"""The consultation desk page (1280×800) and the citizen's questionnaire page (390×844) driven in headless Chromium
against the real server; screenshots go to the test's tmp folder for a person to look at."""
from __future__ import annotations

import json

from queue_server.core.clock import SystemClock
from queue_server.web.auth import add_staff


async def test_desk_records_a_question_in_a_few_taps(browser, desk, tmp_path):
    add_staff(desk.server.db, SystemClock(), "2001", "王咨询", "staff", "secret-pass")
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{desk.server.url}/desk")
    await page.locator("#staff_no").fill("2001")
    await page.locator("#password").fill("wrong-pass")
    await page.locator("#login_btn").click()
    await page.get_by_text("工号或密码错误").wait_for()
    await page.locator("#password").fill("secret-pass")
    await page.locator("#window").fill("27")
    await page.locator("#login_btn").click()
    await page.locator("#search").fill("公积金")
    await page.get_by_role("button", name="住房公积金提取").wait_for()  # the hall's services arrive after the login
    assert await page.locator(".svc").count() == 2  # 提取 and 贷款, searched by name
    await page.get_by_role("button", name="住房公积金提取").click()
    await page.locator("#question").fill("租房提取公积金要带什么？")
    await page.locator("#answer").fill("身份证、租房合同和本人银行卡")
    await page.get_by_role("button", name="当场解答").click()
    await page.screenshot(path=str(tmp_path / "desk.png"))
    await page.get_by_role("button", name="登记", exact=True).click()
    await page.get_by_text("已登记：住房公积金提取，当场解答。").wait_for()
    # the next citizen: another service, sent to a window picked from the list
    await page.locator("#search").fill("企业设立")
    await page.get_by_role("button", name="企业设立登记").click()
    await page.locator("#question").fill("开公司要多久？")
    await page.get_by_role("button", name="引导至窗口").click()
    assert await page.locator("#to_window").input_value() == "4"  # the first window serving it is offered
    await page.locator("#to_window").select_option("5")
    await page.get_by_role("button", name="登记", exact=True).click()
    await page.get_by_text("已登记：企业设立登记，引导至窗口（5号窗口）。").wait_for()
    await page.screenshot(path=str(tmp_path / "desk-after.png"))
    rows = list(desk.server.db.query("SELECT service, outcome, to_window, staff_no, desk_window FROM consultations"))
    assert rows == [{"service": "hpf_withdraw", "outcome": "answered", "to_window": None, "staff_no": "2001", "desk_window": 27},
                    {"service": "company_setup", "outcome": "to_window", "to_window": 5, "staff_no": "2001", "desk_window": 27}]
    await context.close()


async def test_citizen_answers_the_questionnaire_on_a_phone(browser, desk, tmp_path):
    ticket = desk.serve(window=1)
    phone = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                      locale="zh-CN")
    page = await phone.new_page()
    # the status page of the finished ticket links the questionnaire
    await page.goto(f"{desk.server.url}/t/{ticket['token']}")
    await page.get_by_text("请参加问卷调查").click()
    await page.get_by_text("企业和群众政务服务满意度问卷").wait_for()
    await page.get_by_role("button", name="提交问卷").click()
    assert "请回答" in await page.locator("#msg").inner_text()
    await page.get_by_role("button", name="4分 满意").first.click()
    await page.get_by_role("button", name="否", exact=True).click()
    await page.screenshot(path=str(tmp_path / "survey.png"), full_page=True)
    await page.locator(".stars").nth(1).get_by_role("button", name="2分 不满意").click()
    await page.locator("textarea").fill("希望材料清单写清楚")
    await page.get_by_role("button", name="提交问卷").click()
    await page.get_by_text("提交成功，感谢您参加问卷调查").wait_for()
    await page.screenshot(path=str(tmp_path / "survey-done.png"))
    row = next(desk.server.db.query("SELECT window, department, answers FROM survey_answers"))
    assert (row["window"], row["department"]) == (1, "bdc")
    assert json.loads(row["answers"]) == {"attitude": 4, "told_once": "否", "wait": 2, "advice": "希望材料清单写清楚"}
    await page.reload()
    await page.get_by_text("本号已参加过此问卷调查").wait_for()
    # a ticket still waiting gets the reason, not a form
    waiting = desk.issue("id_card")
    await page.goto(f"{desk.server.url}/s/{waiting['token']}")
    await page.get_by_text("本号尚未办结").wait_for()
    assert await page.locator("#form").is_hidden()
    await phone.close()
