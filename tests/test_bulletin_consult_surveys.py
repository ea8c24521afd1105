"""The quarterly bulletin states the consultation desk's counts in its totals and names each unit's questionnaire
weak points (通报相关窗口单位), read back from the .docx the admin route serves."""
from __future__ import annotations

import io

import docx


async def test_bulletin_names_weak_units_and_counts_consultations(desk):
    url, admin = desk.server.url, desk.admin()
    for outcome, extra in (("answered", {"answer": "带身份证"}), ("to_window", {"to_window": 14}),
                           ("online", {}), ("answered", {"answer": "可以网上预约"})):
        async with desk.http.post(f"{url}/api/consultations", headers=admin, json={
                "service": "id_card", "question": "身份证怎么办", "outcome": outcome, **extra}) as r:
            assert r.status == 201
    for wait, told in ((2, "否"), (3, "是"), (2, "否")):  # 不动产: waits too long, materials unclear
        ticket = desk.serve(window=1)
        async with desk.http.post(f"{url}/api/surveys/enterprise_2026/answers", json={
                "ticket_token": ticket["token"], "answers": {"attitude": 5, "told_once": told, "wait": wait}}) as r:
            assert r.status == 201
    for _ in range(3):  # 社保: all good, so not named
        ticket = desk.serve(window=7, service="si_card")
        async with desk.http.post(f"{url}/api/surveys/enterprise_2026/answers", json={
                "ticket_token": ticket["token"], "answers": {"attitude": 5, "told_once": "是", "wait": 5}}) as r:
            assert r.status == 201
    async with desk.http.get(f"{url}/api/bulletin/2026Q4.docx", headers=admin) as r:
        assert r.status == 200
        document = docx.Document(io.BytesIO(await r.read()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "咨询导办台登记咨询 4 次，其中当场解答 2 次，引导至窗口 1 次，帮助网上申办 1 次。" in text
    assert "问卷调查反映的薄弱环节（通报相关窗口单位）" in text
    assert "共收到 6 份答卷" in text
    weak = next(p.text for p in document.paragraphs if "请相关窗口单位对照整改" in p.text)
    assert "不动产登记中心：“所需材料是否一次性告知清楚？”满意占比 33%（低于 80%），“您对排队等候时间打几分？”平均分 2.3（低于 4）" in weak
    assert "人力资源和社会保障局" not in weak and "服务态度" not in weak
    # the JSON the admin page renders carries the same
    async with desk.http.get(f"{url}/api/bulletin?quarter=2026Q4", headers=admin) as r:
        content = await r.json()
    assert content["consultations"]["total"] == 4
    assert [u["name"] for u in content["survey_weak_points"][0]["units"]] == ["不动产登记中心"]


async def test_a_quarter_without_answers_has_no_questionnaire_part(desk):
    async with desk.http.get(f"{desk.server.url}/api/bulletin/2026Q4.docx", headers=desk.admin()) as r:
        document = docx.Document(io.BytesIO(await r.read()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "问卷调查" not in text and "咨询导办台" not in text
