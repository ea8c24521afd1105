"""Questionnaires (问卷调查): [[surveys]] validated with Chinese errors naming the field; answers for a served ticket
only, once, within the configured days, rate-limited per address; results per window and unit; weak points per
unit — through the real server."""
from __future__ import annotations

from datetime import timedelta

import pytest

from queue_server.core.config import ConfigError
from queue_server.surveys.settings import parse_surveys

CODE = "enterprise_2026"
GOOD = {"attitude": 5, "told_once": "是", "wait": 5, "advice": "很好"}


async def answer(desk, token, answers=GOOD, code=CODE):
    async with desk.http.post(f"{desk.server.url}/api/surveys/{code}/answers",
                              json={"ticket_token": token, "answers": answers}) as r:
        return r.status, await r.json()


async def test_a_served_ticket_answers_once(desk):
    ticket = desk.serve(window=1)
    form = await desk.get(f"/api/s/{ticket['token']}")
    assert form["answerable"] and form["survey"]["code"] == CODE and form["window"] == 1
    assert [q["kind"] for q in form["survey"]["questions"]] == ["rating", "single", "rating", "text"]
    status, reply = await answer(desk, ticket["token"])
    assert status == 201 and reply["ticket"] == ticket["number"]
    row = next(desk.server.db.query("SELECT window, department, service FROM survey_answers"))
    assert row == {"window": 1, "department": "bdc", "service": "bdc_transfer"}
    status, reply = await answer(desk, ticket["token"])
    assert status == 409 and reply["error"] == "already_answered"
    form = await desk.get(f"/api/s/{ticket['token']}")
    assert not form["answerable"] and "已参加过" in form["reason"]


async def test_unserved_unknown_and_late_tickets_are_refused(desk):
    waiting = desk.issue("id_card")
    status, reply = await answer(desk, waiting["token"])
    assert status == 409 and "尚未办结" in reply["message"]
    status, reply = await answer(desk, "no-such-token")
    assert status == 404
    status, reply = await answer(desk, None)
    assert status == 422 and reply["field"] == "ticket_token"
    served = desk.serve(window=1)
    desk.server.clock.advance(timedelta(days=8).total_seconds())
    status, reply = await answer(desk, served["token"])
    assert status == 403 and "7天" in reply["message"]
    status, _ = await answer(desk, served["token"], code="nope")
    assert status == 404


@pytest.mark.parametrize("answers, field, words", [
    ({**GOOD, "attitude": 6}, "answers.attitude", "1到5"),
    ({**GOOD, "attitude": True}, "answers.attitude", "1到5"),
    ({**GOOD, "told_once": "也许"}, "answers.told_once", "选项"),
    ({k: v for k, v in GOOD.items() if k != "wait"}, "answers.wait", "请回答"),
    ({**GOOD, "advice": "字" * 501}, "answers.advice", "500"),
    ({**GOOD, "extra": 1}, "answers.extra", "没有这个问题"),
    ("好", "answers", "对象"),
])
async def test_bad_answers_are_named(desk, answers, field, words):
    ticket = desk.serve(window=1)
    status, reply = await answer(desk, ticket["token"], answers)
    assert status == 422 and reply["field"] == field and words in reply["message"], reply
    assert desk.server.db["survey_answers"].count == 0


async def test_one_address_is_limited(desk):
    settings_limit = 30  # [reviews] rate_limit_address_count of the demo hall, per 60 s
    for _ in range(settings_limit):
        status, _ = await answer(desk, "probe")
        assert status == 404
    status, reply = await answer(desk, desk.serve(window=1)["token"])
    assert status == 429 and reply["error"] == "rate_limited"
    desk.server.clock.advance(61)
    assert (await answer(desk, desk.serve(window=2)["token"]))[0] == 201


async def test_results_per_window_and_unit_and_the_weak_points(desk):
    # window 1 (不动产) is slow and unclear, window 7 (社保) is fine; three answers each
    for attitude, told, wait in ((4, "否", 2), (5, "是", 3), (4, "否", 3)):
        ticket = desk.serve(window=1)
        assert (await answer(desk, ticket["token"], {"attitude": attitude, "told_once": told, "wait": wait}))[0] == 201
    for _ in range(3):
        ticket = desk.serve(window=7, service="si_card")
        assert (await answer(desk, ticket["token"]))[0] == 201
    admin = desk.admin()
    async with desk.http.get(f"{desk.server.url}/api/surveys/{CODE}/results?by=window", headers=admin) as r:
        results = await r.json()
    assert [g["key"] for g in results["groups"]] == [1, 7]
    one = {q["code"]: q for q in results["groups"][0]["questions"]}
    assert one["wait"]["mean"] == pytest.approx(2.67) and one["told_once"]["options"] == {"是": 1, "否": 2, "不清楚": 0}
    assert one["told_once"]["good_share"] == pytest.approx(0.333)
    assert results["groups"][1]["questions"][3]["texts"] == ["很好"] * 3
    async with desk.http.get(f"{desk.server.url}/api/surveys/{CODE}/results?by=department", headers=admin) as r:
        units = await r.json()
    assert [(g["key"], g["name"], g["respondents"]) for g in units["groups"]] == [
        ("bdc", "不动产登记中心", 3), ("rsj", "人力资源和社会保障局", 3)]
    async with desk.http.get(f"{desk.server.url}/api/surveys/{CODE}/weak", headers=admin) as r:
        weak = await r.json()
    assert [u["key"] for u in weak["units"]] == ["bdc"]
    assert {p["question"] for p in weak["units"][0]["points"]} == {"told_once", "wait"}  # attitude 4.33 is fine
    async with desk.http.get(f"{desk.server.url}/api/surveys/{CODE}/results?by=staff", headers=admin) as r:
        assert r.status == 422 and (await r.json())["field"] == "by"
    async with desk.http.get(f"{desk.server.url}/api/surveys/{CODE}/results") as r:
        assert r.status == 401


async def test_too_few_answers_name_no_unit(desk):
    ticket = desk.serve(window=1)
    assert (await answer(desk, ticket["token"], {"attitude": 1, "told_once": "否", "wait": 1}))[0] == 201
    async with desk.http.get(f"{desk.server.url}/api/surveys/{CODE}/weak", headers=desk.admin()) as r:
        assert (await r.json())["units"] == []  # one unhappy citizen is below min_answers = 3


def _survey(**over):
    base = {"code": "s1", "title": "问卷", "questions": [{"code": "q1", "kind": "rating", "text": "打分"}]}
    return {"items": [{**base, **over}]}


@pytest.mark.parametrize("raw, field, words", [
    (_survey(code="Bad Code"), "surveys[0].code", "小写"),
    (_survey(title=""), "surveys[0].title", "标题"),
    (_survey(questions=[]), "surveys[0].questions", "1到30"),
    (_survey(questions=[{"code": "q1", "kind": "multi", "text": "x"}]), "surveys[0].questions[0].kind", "single"),
    (_survey(questions=[{"code": "q1", "kind": "single", "text": "x", "options": ["是"]}]),
     "surveys[0].questions[0].options", "2到10"),
    (_survey(questions=[{"code": "q1", "kind": "single", "text": "x", "options": ["是", "否"], "good": ["好"]}]),
     "surveys[0].questions[0].good", "选项"),
    (_survey(questions=[{"code": "q1", "kind": "rating", "text": "x", "options": ["是", "否"]}]),
     "surveys[0].questions[0].options", "单选题"),
    (_survey(questions=[{"code": "q1", "kind": "text", "text": "x"}, {"code": "q1", "kind": "text", "text": "y"}]),
     "surveys[0].questions[1].code", "重复"),
    (_survey(answer_days=0), "surveys[0].answer_days", "1 到 90"),
    (_survey(weak_share=1.5), "surveys[0].weak_share", "0 到 1"),
    (_survey(colour="red"), "surveys[0].colour", "未知"),
    ({"items": [_survey()["items"][0], {**_survey()["items"][0], "code": "s2"}]}, "surveys.active", "只能有一份"),
])
def test_config_errors_name_the_field(raw, field, words):
    with pytest.raises(ConfigError) as caught:
        parse_surveys("hall.toml", raw)
    assert caught.value.field == field and words in str(caught.value)


def test_no_section_means_no_questionnaire():
    assert parse_surveys("hall.toml", None) == {}
    assert parse_surveys("hall.toml", {"items": []}) == {}
