"""Training sessions, consultations and questionnaire answers reach the city (two real hall servers shipping through
their outboxes to the city server on a real PostgreSQL): the hall drill-down and the quarter's bulletin (.docx, read
back with python-docx) say what each hall's own registers say, 无数据 where a hall recorded none, and nothing a
citizen or a clerk typed leaves the hall."""
from __future__ import annotations

import io

import aiohttp
import docx

from queue_server.surveys.store import point_text
from tests.city_support import bearer
from tests.review_support import Desk
from tests.test_city_halls import _beat, _serve, _shipped, city_and_halls  # noqa: F401 (fixture)

SURVEY = "enterprise_2026"
SPAN = "from=2026-10-01&to=2026-12-31"
QUESTION = "窗口推诿？请写清楚：张三 13800138000"


async def _record_a_quarter(http: aiohttp.ClientSession, hall) -> list[dict]:
    """Hall A's registers: one training session for two units, three consultations (one per outcome), three
    served tickets answering the questionnaire badly (attitude 3, materials not told at once). Its weak points
    as the hall's own ``GET /api/surveys/{code}/weak`` gives them."""
    desk = Desk(hall, http)
    status, _ = await desk.post("/api/training", {"held_on": "2026-11-23", "kind": "business", "topic": "不动产登记业务",
                                                  "units": ["bdc", "scjg"], "findings": "李四讲解不清"})
    assert status == 201
    for outcome, extra in (("answered", {"answer": "带身份证原件"}), ("to_window", {"to_window": 1}),
                           ("online", {})):
        status, body = await desk.post("/api/consultations", {"service": "bdc_transfer", "question": QUESTION,
                                                              "outcome": outcome, **extra})
        assert status == 201, body
    for ticket in await _serve(http, hall, 3):
        async with http.post(f"{hall.url}/api/surveys/{SURVEY}/answers", json={
                "ticket_token": ticket["token"], "answers": {"attitude": 3, "told_once": "否", "wait": 5,
                                                             "advice": "王五态度差"}}) as r:
            assert r.status == 201, await r.text()
    return (await desk.get(f"/api/surveys/{SURVEY}/weak?{SPAN}&by=department"))["units"]


async def test_training_consultations_and_questionnaires_reach_the_city_and_its_bulletin(city_and_halls):
    city, halls = city_and_halls
    admin = bearer(city.admin())
    async with aiohttp.ClientSession() as http:
        weak = await _record_a_quarter(http, halls["ha"])
        for hall in halls.values():
            await _beat(hall)
            await _shipped(hall)

        async with http.get(f"{city.url}/api/city/halls/ha?{SPAN}", headers=admin) as r:
            assert r.status == 200, await r.text()
            a = (await r.json())["activity"]
        async with http.get(f"{city.url}/api/city/halls/hb?{SPAN}", headers=admin) as r:
            b = (await r.json())["activity"]
        async with http.get(f"{city.url}/api/city/bulletin.docx?quarter=2026Q4", headers=admin) as r:
            assert r.status == 200
            document = docx.Document(io.BytesIO(await r.read()))

    # the drill-down: what hall A recorded, hall B 无数据 in every part
    training = a["training"]
    assert (training["no_data"], training["sessions"], training["by_kind"]) == (False, 1, {"业务培训": 1})
    covered = {u["unit"]: u["sessions"] for u in training["units"]}
    assert covered["bdc"] == covered["scjg"] == 1 and covered["rsj"] == 0
    assert "人力资源和社会保障局" in [u["name"] for u in training["units"] if u["flagged"]]
    assert (a["consultations"]["total"], a["consultations"]["outcomes"]) == (
        3, {"answered": 1, "to_window": 1, "online": 1})
    [survey] = a["surveys"]
    assert (survey["title"], survey["answers"]) == ("企业和群众政务服务满意度问卷", 3)
    assert [(u["unit"], u["points"]) for u in survey["units"]] == [
        (u["key"], [point_text(p) for p in u["points"]]) for u in weak]  # the hall's own weak points
    assert len(survey["units"][0]["points"]) == 2
    assert b["training"]["no_data"] and b["consultations"]["no_data"] and b["surveys_no_data"]
    assert b["training"]["units"] == []  # not flagged: the city cannot tell "held none" from "keeps no register"

    # the bulletin
    text = "\n".join(p.text for p in document.paragraphs)
    assert "咨询导办台登记咨询 3 次，其中当场解答 1 次，引导至窗口 1 次，帮助网上申办 1 次。" in text
    untrained = next(p for p in text.splitlines() if p.startswith("本季度未开展培训的单位："))
    assert "甲县政务服务中心 · 人力资源和社会保障局" in untrained and "乙县" not in untrained
    assert "甲县政务服务中心 · 不动产登记中心" not in untrained
    assert "本季度甲县政务服务中心“企业和群众政务服务满意度问卷”共收到 3 份答卷。" in text
    assert "市场监督管理局（企业开办）：“您对窗口工作人员的服务态度打几分？”平均分 3.0（低于 4）" in text
    tables = {t.rows[0].cells[0].text + "|" + t.rows[0].cells[1].text: [[c.text for c in row.cells] for row in t.rows]
              for t in document.tables}
    activity = tables["大厅|咨询导办（次）"]
    assert activity[1:] == [["甲县政务服务中心", "3", "1", "1", "1", "3", "2"],
                            ["乙县政务服务中心", *["无数据"] * 6]]
    units = tables["大厅|取号"]
    column = units[0].index("培训（次）")
    assert [(row[0], row[column]) for row in units[1:]] == [("甲县政务服务中心", "1"), ("乙县政务服务中心", "无数据")]

    # what leaves the hall: the outcome, not the question; counts, not the findings or the typed advice
    shipped = " ".join(r[0] for r in halls["ha"].db.execute("SELECT payload FROM outbox WHERE channel = 'city'"))
    for typed in ("窗口推诿", "带身份证原件", "李四", "王五", "不动产登记业务"):
        assert typed not in shipped
