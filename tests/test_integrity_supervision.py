"""Issue 13, finding 13: a review is voided only with a second admin's approval (their 工号 and password, not a
typed name), and the admin lists show people's names masked."""
from __future__ import annotations

from queue_server.web.auth import add_staff


async def _bad_review(desk) -> int:
    ticket = desk.serve()
    status, body = await desk.review(ticket["token"], "very_dissatisfied", reasons=["其他"], comment="恶意")
    assert status == 201
    return body["id"]


async def test_a_void_needs_another_admins_password_not_a_typed_name(desk):
    review_id = await _bad_review(desk)
    status, err = await desk.post(f"/api/reviews/{review_id}/void", {"reason": "误评", "approver": "王主任",
                                                                     "approver_password": "whatever"})
    assert status == 422 and err["field"] == "approver", "a made-up approver is refused"
    add_staff(desk.server.db, desk.server.clock, "1001", "张三", "staff", "staff-pass")
    status, err = await desk.post(f"/api/reviews/{review_id}/void", {"reason": "误评", "approver": "1001",
                                                                     "approver_password": "staff-pass"})
    assert status == 422, "counter staff cannot approve"
    # an admin logged in as 9001 cannot name themselves
    add_staff(desk.server.db, desk.server.clock, "9001", "李科长", "admin", "admin-9001")
    async with desk.http.post(f"{desk.server.url}/api/login", json={"staff_no": "9001", "password": "admin-9001"}) as r:
        login = await r.json()
    async with desk.http.post(f"{desk.server.url}/api/reviews/{review_id}/void",
                              json={"reason": "误评", "approver": "9001", "approver_password": "admin-9001"},
                              headers={"Authorization": f"Bearer {login['token']}"}) as r:
        assert r.status == 422 and (await r.json())["message"] == "审批人不能是操作人本人"
    status, voided = await desk.post(f"/api/reviews/{review_id}/void", {"reason": "误评", **desk.approver()})
    assert status == 200 and voided["void_approver"] == "王主任（9002）"


async def test_wrong_approver_passwords_are_throttled(desk):
    review_id = await _bad_review(desk)
    desk.approver()
    for _ in range(5):
        status, _ = await desk.post(f"/api/reviews/{review_id}/void", {"reason": "误评", "approver": "9002",
                                                                       "approver_password": "guess-it"})
        assert status == 422
    status, err = await desk.post(f"/api/reviews/{review_id}/void", {"reason": "误评", **desk.approver()})
    assert status == 429 and err["retry_after"] > 0


async def test_follow_up_ledger_and_review_list_mask_peoples_names(desk):
    status, _ = await desk.post("/api/enterprises", {
        "name": "某某科技有限公司", "credit_code": "91411681MA9XYD1234", "category": "new",
        "contact": "王小五", "phone": "13900001111", "service": "company_setup"})
    assert status == 201, _
    [enterprise] = await desk.get("/api/followups")
    assert enterprise["contact"] == "王*五" and enterprise["phone"] == "139****1111"
    ticket = desk.serve()
    status, _ = await desk.review(ticket["token"], rater="欧阳小明")
    assert status == 201
    [review] = await desk.get("/api/reviews")
    assert review["rater"] == "欧**明"
