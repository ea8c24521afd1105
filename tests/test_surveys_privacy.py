"""The questionnaire's public routes under their own ``[security]`` limits (the page's ticket lookup counts unknown
tokens per address, the answers every attempt per address), and free text masked wherever the results show it —
through the real server."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from queue_server.core.privacy import mask_in_text

CODE = "enterprise_2026"
RATINGS = {"attitude": 5, "told_once": "是", "wait": 5}
LOOKUPS, ANSWERS = 3, 2


@pytest.fixture(scope="session")
def hall_config(hall_config):
    """Small survey limits; the [reviews] ones stay the demo hall's (30 per address), which surveys reused before."""
    security = {**hall_config.sections.get("security", {}), "survey_lookup_failures_per_address": LOOKUPS,
                "survey_answers_per_address": ANSWERS}
    return replace(hall_config, sections={**hall_config.sections, "security": security})


async def _form(desk, token: str) -> tuple[int, dict]:
    async with desk.http.get(f"{desk.server.url}/api/s/{token}") as r:
        return r.status, await r.json()


async def _answer(desk, token: str, answers: dict) -> tuple[int, dict]:
    async with desk.http.post(f"{desk.server.url}/api/surveys/{CODE}/answers",
                              json={"ticket_token": token, "answers": answers}) as r:
        return r.status, await r.json()


async def test_the_page_lookup_waits_after_unknown_tokens_from_one_address(desk):
    """GIVEN a citizen opening their questionnaire link again and again THEN they are never slowed; GIVEN unknown
    tokens tried from one address THEN after survey_lookup_failures_per_address the address waits (429 with
    retry_after), whatever it asks next, until the window has passed."""
    served = desk.serve(window=1)
    for _ in range(LOOKUPS + 2):
        assert (await _form(desk, served["token"]))[0] == 200
    for i in range(LOOKUPS):
        assert (await _form(desk, f"probe-{i}"))[0] == 404
    status, reply = await _form(desk, "probe-x")
    assert status == 429 and reply["error"] == "rate_limited" and "问卷查询" in reply["message"]
    assert 1 <= reply["retry_after"] <= 60
    assert (await _form(desk, served["token"]))[0] == 429
    desk.server.clock.advance(61)
    assert (await _form(desk, served["token"]))[0] == 200


async def test_answers_have_their_own_limit_per_address(desk):
    """GIVEN survey_answers_per_address = 2 (the [reviews] address limit is 30) THEN the third answer from one
    address within the window is refused before any ticket is looked up, and a review from it still goes through."""
    for _ in range(ANSWERS):
        assert (await _answer(desk, "probe", RATINGS))[0] == 404
    status, reply = await _answer(desk, desk.serve(window=1)["token"], RATINGS)
    assert status == 429 and reply["error"] == "rate_limited"
    assert (await desk.review(desk.serve(window=2)["token"]))[0] == 201
    desk.server.clock.advance(61)
    assert (await _answer(desk, desk.serve(window=3)["token"], RATINGS))[0] == 201


async def test_free_text_is_masked_in_the_results(desk):
    """GIVEN an answer whose free text names the citizen, their phone and ID number and the clerk (a staff member)
    THEN the results show all four masked; the stored answer keeps what was typed."""
    desk.add_staff("1001", "张晓明")
    typed = "我叫李四，电话138 1234 5678，身份证410101199001011234，窗口张晓明很耐心"
    assert (await _answer(desk, desk.serve(window=1)["token"], {**RATINGS, "advice": typed}))[0] == 201
    results = await desk.get(f"/api/surveys/{CODE}/results?by=window")
    [advice] = [q for q in results["groups"][0]["questions"] if q["code"] == "advice"]
    assert advice["texts"] == ["我叫李*，电话138******5678，身份证410101********1234，窗口张*明很耐心"]
    stored = next(desk.server.db.query("SELECT answers FROM survey_answers"))["answers"]
    assert json.loads(stored)["advice"] == typed


@pytest.mark.parametrize("text, names, shown", [
    ("联系人：欧阳小明，13812345678", (), "联系人：欧**明，138****5678"),
    ("姓名 王五 座机 0394-4211234", (), "姓名 王* 座机 039*****1234"),
    ("身份证41010119900101123X。", (), "身份证410101********123X。"),
    ("我是来办证的，本人很满意，办件号 20261123001", (), "我是来办证的，本人很满意，办件号 20261123001"),
    ("刘德华和张三都在", ("张三",), "刘德华和张*都在"),
])
def test_mask_in_text(text, names, shown):
    """What the rule masks inside free text, and what it leaves (a sentence starting 我是, a short case number)."""
    assert mask_in_text(text, names) == shown
