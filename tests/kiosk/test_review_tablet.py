"""Review tablet (评价器) against a real server: idle shows who serves and what; a finish opens the review;
a bad level needs a reason; no choice within the timeout leaves the ticket unrated (nothing is posted)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.kiosk.harness import start_scenario

WINDOW = 1
SERVICE = "bdc_transfer"


def scenario_review(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.settings import KioskSettings
    from kiosk.review.app import ReviewTabletApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    settings = KioskSettings(server=ctx["url"], token=ctx["token"], window=WINDOW, review_timeout_seconds=5)
    app = ReviewTabletApp(settings, load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    idle = d.wait_screen("idle")
    d.wait_until(lambda: idle.current.text == ctx["first"] and "1001" in idle.staff.text, what="idle filled in")
    d.shot("review-idle")
    seen = {"staff": idle.staff.text, "current": idle.current.text, "window": idle.window.text}
    d.signal("idle")
    levels = d.wait_screen("levels", timeout=20)
    d.shot("review-levels")
    seen["levels_heading"] = levels.heading.text
    seen["level_buttons"] = [t for t in d.texts() if t in app.levels.values()]
    d.tap_text("不满意", exact=True)
    reasons = d.wait_screen("reasons")
    seen["submit_disabled_without_reason"] = reasons.submit.disabled
    d.tap_text("等候时间过长")
    reasons.comment.text = "希望增加窗口"
    d.shot("review-reasons")
    d.tap_text("提交评价")
    thanks = d.wait_screen("thanks")
    d.shot("review-thanks")
    seen["thanks"] = thanks.heading.text
    d.wait_screen("idle", timeout=10)
    d.signal("rated")
    d.wait_screen("levels", timeout=20)
    d.wait_screen("idle", timeout=15)  # review_timeout_seconds without a choice
    seen["unrated"] = list(app.unrated)
    seen["submitted"] = app.submitted
    return seen


def test_review_after_finish_and_unrated_on_timeout(kiosk_server, shots: Path) -> None:
    """GIVEN 张三 (1001) logged in at window 1 serving a ticket WHEN staff finish it THEN the tablet asks for the
    five levels, takes 不满意 only with a reason, and the server has that one review; the next ticket, left
    without a choice, stays unrated."""
    kiosk_server.add_staff("1001", "张三", "secret-1001")
    status, login = kiosk_server.post("/api/login", {"staff_no": "1001", "password": "secret-1001", "window": WINDOW})
    assert status == 200, login
    staff, kiosk, admin = login["token"], kiosk_server.token("kiosk"), kiosk_server.token("admin")
    issued = [kiosk_server.post("/api/tickets", {"service": SERVICE, "request_id": f"review-{i}"}, kiosk)[1]
              for i in range(2)]
    status, called = kiosk_server.post(f"/api/windows/{WINDOW}/call", {}, staff)
    assert status == 200 and called["number"] == issued[0]["number"]
    run = start_scenario(__file__, "scenario_review", {"role": "review", "url": kiosk_server.url,
                                                        "token": kiosk_server.token("tablet", WINDOW),
                                                        "first": called["number"]}, shots)
    run.wait_for("idle")
    assert kiosk_server.post(f"/api/windows/{WINDOW}/finish", {}, staff)[0] == 200
    run.wait_for("rated")
    assert kiosk_server.post(f"/api/windows/{WINDOW}/call", {}, staff)[1]["number"] == issued[1]["number"]
    assert kiosk_server.post(f"/api/windows/{WINDOW}/finish", {}, staff)[0] == 200
    seen = run.result()

    assert seen["staff"] == "工作人员：张三　工号：1001" and seen["current"] == issued[0]["number"]
    assert issued[0]["number"] in seen["levels_heading"]
    assert seen["level_buttons"] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert seen["submit_disabled_without_reason"] is True
    assert seen["thanks"] == "感谢您的评价！"
    assert seen["unrated"] == [issued[1]["number"]]
    reviews = kiosk_server.get(f"/api/reviews?window={WINDOW}", admin)
    assert [(r["ticket_number"], r["level"], r["reasons"], r["comment"], r["channel"]) for r in reviews] == [
        (issued[0]["number"], "dissatisfied", ["等候时间过长"], "希望增加窗口", "tablet")]
