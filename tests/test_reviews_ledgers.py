"""The three ledgers over the real server: rectification state machine and overdue alerts, 有诉即办 complaints,
enterprise follow-ups with supervision's sampling."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")



async def test_rectification_runs_its_states_in_order(desk):
    ticket = desk.serve()
    _, review = await desk.review(ticket["token"], "dissatisfied", reasons=["服务态度不好"])
    case_id = review["rectification_id"]
    status, err = await desk.post(f"/api/rectifications/{case_id}/rectify", {"measures": "培训"})
    assert status == 409 and "待回访" in err["message"]
    status, err = await desk.post(f"/api/rectifications/{case_id}/call_back", {})
    assert status == 422 and err["field"] == "note"
    status, case = await desk.post(f"/api/rectifications/{case_id}/call_back", {"note": "已电话核实, 属实"})
    assert status == 200 and case["state"] == "called_back" and case["overdue"] is None
    status, err = await desk.post(f"/api/rectifications/{case_id}/start", {})
    assert status == 422 and err["field"] == "responsible"
    status, case = await desk.post(f"/api/rectifications/{case_id}/start", {"responsible": "李科长"})
    assert case["state"] == "rectifying" and case["responsible"] == "李科长"
    status, case = await desk.post(f"/api/rectifications/{case_id}/rectify", {"measures": "窗口人员服务规范培训"})
    assert case["state"] == "rectified" and case["on_time"] is True
    status, err = await desk.post(f"/api/rectifications/{case_id}/verdict", {"verdict": "ok"})
    assert status == 422 and err["field"] == "verdict"
    status, case = await desk.post(f"/api/rectifications/{case_id}/verdict", {"verdict": "satisfied"})
    assert case["state"] == "closed" and case["verdict"] == "satisfied"
    status, err = await desk.post(f"/api/rectifications/{case_id}/assign", {"responsible": "张三"})
    assert status == 409
    status, err = await desk.post(f"/api/rectifications/{case_id}/dance", {})
    assert status == 404 and err["field"] == "action"  # no such action: the path names nothing
    detail = await desk.get(f"/api/rectifications/{case_id}")
    assert [h["action"] for h in detail["history"]] == ["open", "call_back", "start", "rectify", "verdict"]
    assert detail["review"]["reasons"] == ["服务态度不好"]


async def test_overdue_alerts_follow_the_working_day_calendar(desk):
    ticket = desk.serve()  # Monday 2026-11-23 09:00
    _, review = await desk.review(ticket["token"], "very_dissatisfied", reasons=["办理时间过长"])
    case_id = review["rectification_id"]
    desk.at(datetime(2026, 11, 24, 23, 59, tzinfo=SH))
    assert (await desk.get("/api/alerts"))["rectifications"] == []
    desk.at(datetime(2026, 11, 25, 0, 1, tzinfo=SH))
    [alert] = (await desk.get("/api/alerts"))["rectifications"]
    assert alert["id"] == case_id and alert["overdue"] == "callback"
    assert [c["id"] for c in await desk.get("/api/rectifications?overdue=1")] == [case_id]
    await desk.post(f"/api/rectifications/{case_id}/call_back", {"note": "回访"})
    await desk.post(f"/api/rectifications/{case_id}/start", {"responsible": "李科长"})
    assert (await desk.get("/api/alerts"))["rectifications"] == []
    desk.at(datetime(2026, 12, 15, 0, 1, tzinfo=SH))
    [alert] = (await desk.get("/api/alerts"))["rectifications"]
    assert alert["overdue"] == "rectify"
    _, case = await desk.post(f"/api/rectifications/{case_id}/rectify", {"measures": "补正"})
    assert case["on_time"] is False and case["overdue"] is None



async def test_alerts_name_a_coming_year_without_holiday_data(desk):
    """A year the installed chinese_calendar does not know (2090 for a long while) reaches the alert bar: its open
    days and deadlines would follow Monday–Friday."""
    desk.at(datetime(2090, 6, 1, 10, 0, tzinfo=SH))
    [line] = (await desk.get("/api/alerts"))["calendar"]
    assert line.startswith("2090 年的法定节假日和调休安排尚未载入") and "extra_holidays" in line


async def test_complaint_ledger_lifecycle_and_masking(desk):
    status, err = await desk.post("/api/complaints", {"complainant": "张小三", "content": "材料被要求多次补交"})
    assert status == 422 and err["field"] == "responsible"
    status, err = await desk.post("/api/complaints", {"complainant": "张小三", "content": "x", "responsible": "李",
                                                     "service": "nope"})
    assert status == 422 and err["field"] == "service"
    status, row = await desk.post("/api/complaints", {
        "kind": "cannot_get_done", "complainant": "张小三", "phone": "13812341234", "content": "材料被要求多次补交",
        "service": "bdc_transfer", "window": 1, "responsible": "李科长"})
    assert status == 201 and row["state"] == "received" and row["department"] == "bdc"
    assert row["complainant"] == "张*三" and row["phone"] == "138****1234"
    # Monday plus 5 working days: the end of Monday 30 November.
    assert row["due_at"] == "2026-11-30T23:59:59+08:00"
    cid = row["id"]
    status, err = await desk.post(f"/api/complaints/{cid}/confirm", {"confirmation": "satisfied"})
    assert status == 409
    await desk.post(f"/api/complaints/{cid}/handle", {})
    status, err = await desk.post(f"/api/complaints/{cid}/resolve", {})
    assert status == 422 and err["field"] == "answer"
    _, row = await desk.post(f"/api/complaints/{cid}/resolve", {"answer": "已一次性告知所需材料"})
    assert row["state"] == "resolved" and row["on_time"] is True
    _, row = await desk.post(f"/api/complaints/{cid}/confirm", {"confirmation": "dissatisfied"})
    assert row["state"] == "handling", "an answer the citizen does not accept reopens the entry"
    desk.at(datetime(2026, 12, 1, 9, 0, tzinfo=SH))
    assert [c["id"] for c in (await desk.get("/api/alerts"))["complaints"]] == [cid]
    _, row = await desk.post(f"/api/complaints/{cid}/resolve", {"answer": "已帮办代办"})
    _, row = await desk.post(f"/api/complaints/{cid}/confirm", {"confirmation": "satisfied"})
    assert row["state"] == "confirmed" and row["on_time"] is False
    assert [c["id"] for c in await desk.get("/api/complaints?state=confirmed")] == [cid]
    assert await desk.get("/api/complaints?state=open") == []
    detail = await desk.get(f"/api/complaints/{cid}")
    assert [h["action"] for h in detail["history"]] == ["receive", "handle", "resolve", "confirm", "resolve",
                                                        "confirm"]


async def test_enterprise_followups_and_sampling(desk):
    status, err = await desk.post("/api/enterprises", {"name": "示范县某某科技有限公司", "credit_code": "123",
                                                      "category": "new"})
    assert status == 422 and err["field"] == "credit_code"
    status, ent = await desk.post("/api/enterprises", {
        "name": "示范县某某科技有限公司", "credit_code": "91411681MA9XYD1234", "category": "new",
        "contact": "王五", "phone": "13900001111", "service": "company_setup"})
    assert status == 201 and ent["served_on"] == "2026-11-23"
    status, _ = await desk.post("/api/enterprises", {"name": "重复", "credit_code": "91411681MA9XYD1234",
                                                    "category": "existing"})
    assert status == 409
    await desk.post("/api/enterprises", {"name": "老字号商行", "credit_code": "92411681MA0000001X",
                                         "category": "existing"})
    status, err = await desk.post(f"/api/enterprises/{ent['id']}/followups", {"reached": True, "conduct": "satisfied"})
    assert status == 422 and err["field"] == "experience"
    status, call = await desk.post(f"/api/enterprises/{ent['id']}/followups", {"reached": False})
    assert status == 201
    status, call = await desk.post(f"/api/enterprises/{ent['id']}/followups", {
        "reached": True, "conduct": "very_satisfied", "experience": "satisfied", "satisfaction": "very_satisfied",
        "notes": "对帮办服务满意"})
    status, sample = await desk.post(f"/api/followups/{call['id']}/samples", {"consistent": True, "note": "抽查属实"})
    assert status == 201
    ledger = await desk.get("/api/followups?category=new")
    assert [e["name"] for e in ledger] == ["示范县某某科技有限公司"]
    assert ledger[0]["phone"] == "139****1111" and ledger[0]["category_name"] == "新设立企业"
    calls = ledger[0]["followups"]
    assert [c["reached"] for c in calls] == [False, True]
    assert calls[1]["satisfaction_name"] == "非常满意" and calls[1]["samples"][0]["consistent"] is True
    assert len(await desk.get("/api/followups")) == 2


async def test_supervision_draws_unsampled_calls_at_random(desk):
    calls = []
    for n in range(4):
        _, ent = await desk.post("/api/enterprises", {"name": f"企业{n}", "credit_code": f"91411681MA9XYD12{n}0",
                                                      "category": "existing"})
        _, call = await desk.post(f"/api/enterprises/{ent['id']}/followups", {
            "reached": n != 3, "conduct": "satisfied", "experience": "satisfied", "satisfaction": "satisfied"})
        calls.append(call["id"])
    await desk.post(f"/api/followups/{calls[0]}/samples", {"consistent": True})
    status, drawn = await desk.post("/api/followups/draw", {"count": 10})
    assert status == 200 and drawn["followup_ids"] == calls[1:3], "reached and not yet sampled only"
    status, drawn = await desk.post("/api/followups/draw", {"count": 1})
    assert len(drawn["followup_ids"]) == 1 and drawn["followup_ids"][0] in calls[1:3]
    status, err = await desk.post("/api/followups/draw", {"count": 0})
    assert status == 422 and err["field"] == "count"
