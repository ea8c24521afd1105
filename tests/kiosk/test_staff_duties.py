"""The staff panel's duties (issue 15) against the real server: 服务举措 in one tap (a double tap refused in
Chinese and visible as already recorded), a 容缺受理 with its material and a promised date chosen without a
keyboard, a 承诺件 accepted for the service's item with the applicant masked and the server's deadline shown, the
ticket just finished still reachable after 办结并叫下一位 from the duty screen's own bar; then everything read back
through the API. The duty screens' layout is checked at 1280×800 and in 适老模式, and saved for a person to look at.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.kiosk.conftest import KioskServer
from tests.kiosk.harness import start_scenario
from tests.kiosk.layout import inside, overlap, rect

PANEL = (1280, 800)
KEEP = Path("/tmp/pilot-shots")
#: the project's smallest touch target on the staff PC (a mouse, or a finger on a panel): as test_staff_rush
MINIMUM = 40


def _clip(widget: Any) -> Any:
    """The ScrollView ``widget`` scrolls in, if any."""
    from kivy.uix.scrollview import ScrollView

    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, ScrollView):
            return parent
        parent = parent.parent
    return None


def duty_layout(d: Any, screen: Any) -> tuple[list[str], list[str]]:
    """Problems on ``screen`` among what is in view: buttons under the minimum size, overlapping, text spilling
    out of them, a word broken across lines in any button or caption, anything outside the window; and the texts
    scrolled (even partly) out of view with no cue saying so: a scrolling area that cannot show all it holds must
    show its "向下滑动查看更多" line (kiosk.common.cued)."""
    from kivy.core.window import Window
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    from kiosk.common.linebreak import WordWrap, split_words

    shown = [w for w in d.widgets(screen) if isinstance(w, Label) and w.opacity > 0 and w.height > 1 and w.text]
    hidden = []
    for widget in list(shown):
        view = _clip(widget)
        if view is not None and not inside(rect(widget), rect(view)):
            shown.remove(widget)
            cue = getattr(view.parent, "cue", None)
            if cue is None or not (cue.opacity > 0 and "滑动" in cue.text and inside(rect(cue), rect(screen))):
                hidden.append(widget.text)
    buttons = [w for w in shown if isinstance(w, Button)]
    problems = []
    for i, a in enumerate(buttons):
        if a.height < MINIMUM or a.width < MINIMUM:
            problems.append(f"small: {a.text} {a.size}")
        a.texture_update()
        if a.texture_size[0] > a.width + 1 or a.texture_size[1] > a.height + 1:
            problems.append(f"text spills: {a.text}")
        problems += [f"overlap: {a.text} / {b.text}" for b in buttons[i + 1:] if overlap(rect(a), rect(b))]
        if not inside(rect(a), (0, 0, Window.width, Window.height)):
            problems.append(f"outside the window: {a.text}")
        message = getattr(screen, "message", None)
        if message is not None and message.text and overlap(rect(a), rect(message)):
            problems.append(f"under the result line: {a.text}")
    for widget in shown:
        if isinstance(widget, WordWrap) and not getattr(widget, "shorten", False):
            problems += [f"{widget.text!r}: {p}" for para in widget.drawn_lines() for p in split_words(para)]
    return problems, hidden


def _login(d: Any, app: Any, staff_no: str) -> Any:
    login = d.wait_screen("login")
    login.staff_no.text, login.password.text = staff_no, f"secret-{staff_no}"
    d.tap_text("登录")
    panel = d.wait_screen("panel")
    d.wait_until(lambda: app.view.get("waiting_total") and not app.busy, what="the window view")
    d.tap_text("叫号\nF1", exact=True)
    d.wait_until(lambda: app.view.get("current") and not app.busy, what="a citizen at the counter")
    d.wait_until(lambda: not panel.duty_buttons[0].disabled, what="the duty buttons")
    return panel


def scenario_duties(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.settings import KioskSettings
    from kiosk.staff.app import StaffPanelApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    app = StaffPanelApp(KioskSettings(server=ctx["url"], window=1), load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    panel = _login(d, app, "2201")
    first = app.view["current"]
    seen: dict[str, Any] = {"first": first}
    d.tap_text("服务举措", exact=True)
    screen = d.wait_screen("practices")
    d.wait_until(lambda: d.find_button("帮办代办", exact=True), what="the hall's kinds")
    d.tap_text("帮办代办", exact=True)
    d.wait_until(lambda: "已登记" in screen.message.text and "帮办代办" in screen.recorded.text, what="recorded")
    seen["one_tap"] = screen.message.text
    d.wait_until(lambda: not app.duties.busy, what="idle")
    seen["green"] = d.find_button("帮办代办", exact=True).colour[:3]
    d.tap_text("帮办代办", exact=True)  # the double tap
    d.wait_until(lambda: "已登记过" in screen.message.text, what="the double tap refused")
    seen["double"] = screen.message.text
    d.wait_until(lambda: not app.duties.busy, what="idle")
    d.tap_text("容缺受理…", exact=True)
    d.wait_until(lambda: d.find_button("登记容缺受理"), what="the 容缺 form")
    screen.material.text = "结婚证复印件"
    d.tap_text("登记容缺受理")
    seen["no_date"] = screen.message.text  # refused on the panel before any request
    chip = d.find_button("3个工作日内")
    seen["promised_on"] = next(p["date"] for p in app.duties.promise_dates if p["workdays"] == 3)
    d.tap(chip)
    d.shot("staff-duties-missing-material")
    seen["layout_practices"] = duty_layout(d, screen)
    d.tap_text("登记容缺受理")
    d.wait_until(lambda: "结婚证复印件" in screen.recorded.text, what="the 容缺 recorded")
    seen["missing"], seen["recorded"] = screen.message.text, screen.recorded.text
    d.shot("staff-duties-practices")
    d.tap_text("返回面板", exact=True)
    d.wait_screen("panel")
    seen["panel_recorded"] = panel.recorded.text
    d.shot("staff-duties-panel-recorded")
    seen["layout_panel_recorded"] = duty_layout(d, panel)

    d.tap_text("受理承诺件", exact=True)  # the panel's button
    case = d.wait_screen("case")
    d.wait_until(lambda: case.guides.children, what="the service's items")
    seen["items"] = [b.text for b in reversed(case.guides.children)]
    d.tap_text(ctx["guide_name"])
    case.applicant.text = "张三丰"
    d.shot("staff-duties-case-form")
    seen["layout_case"] = duty_layout(d, case)
    d.tap_text("受理为承诺件", exact=True)
    d.wait_until(lambda: "办结时限" in case.message.text, what="the case accepted")
    d.wait_until(lambda: "承诺件" in case.recorded.text, what="the case listed")
    seen["case"], seen["case_recorded"], seen["applicant_after"] = (case.message.text, case.recorded.text,
                                                                   case.applicant.text)
    d.shot("staff-duties-case-accepted")
    seen["texts_case"] = d.texts()

    # the rush from the duty screen's own bar: 办结并叫下一位 is one tap, and lands on the panel
    d.tap_text("办结并叫下一位 F2", exact=True)
    d.wait_screen("panel")
    d.wait_until(lambda: app.view.get("current") not in (None, first) and not app.busy, what="the next citizen")
    seen["second"] = app.view["current"]
    d.wait_until(lambda: panel.recorded.text == "", what="the new ticket has nothing recorded")
    d.shot("staff-duties-panel")
    seen["layout_panel"] = duty_layout(d, panel)
    d.tap_text("服务举措", exact=True)
    screen = d.wait_screen("practices")
    d.wait_until(lambda: len(screen.targets.children) == 2, what="the ticket just finished offered")
    d.tap_text(f"刚办结 {first}", exact=True)
    d.wait_until(lambda: "帮办代办" in screen.recorded.text, what="the finished ticket's records")
    d.tap_text("延时服务", exact=True)
    d.wait_until(lambda: "延时服务" in screen.message.text, what="recorded for the finished ticket")
    seen["late"] = screen.message.text
    d.shot("staff-duties-finished-ticket")
    # the fullest screen: two lines of records, the 容缺 form open beside the kinds
    d.tap_text("容缺受理…", exact=True)
    d.wait_until(lambda: d.find_button("登记容缺受理"), what="the 容缺 form")
    d.shot("staff-duties-fullest")
    seen["layout_fullest"] = duty_layout(d, screen)
    return seen


def scenario_elder(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    """The duty screens in 适老模式 (the type 1.35 times larger): every kind in view, a form too tall scrolls with
    its cue, the bar stays."""
    from kiosk.common.settings import KioskSettings
    from kiosk.staff.app import StaffPanelApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    app = StaffPanelApp(KioskSettings(server=ctx["url"], window=2, elder_mode=True), load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    _login(d, app, "2202")
    d.tap_text("服务举措", exact=True)
    screen = d.wait_screen("practices")
    d.wait_until(lambda: d.find_button("首问责任…", exact=True), what="the hall's kinds")
    d.tap_text("首问责任…", exact=True)
    d.wait_until(lambda: d.find_button("登记首问责任"), what="the hand-over form")
    d.wait_until(lambda: d.find_button("3号窗口 吴敏"), what="the colleague at window 3")
    d.tap_text("3号窗口 吴敏")
    d.shot("staff-duties-elder-handover")
    seen: dict[str, Any] = {"layout_practices": duty_layout(d, screen), "handed_to": screen.handed_to.text}
    d.tap_text("登记首问责任")
    d.wait_until(lambda: "移交" in screen.message.text, what="handed over")
    seen["handover"] = screen.message.text
    # the fullest: two records, the 容缺 form (its material, four dates) beside the kinds
    d.tap_text("容缺受理…", exact=True)
    d.wait_until(lambda: d.find_button("登记容缺受理"), what="the 容缺 form")
    d.shot("staff-duties-elder-fullest")
    seen["layout_fullest"] = duty_layout(d, screen)
    # 登记 with no date: the refusal's line takes the form's room, so the dates scroll, and the screen says so
    d.tap_text("登记容缺受理")
    d.wait_until(lambda: screen.message.text == "请选择承诺补交日期", what="the date asked for")
    d.wait_until(lambda: screen.form_scroll.cue.text, what="the cue")
    d.shot("staff-duties-elder-cue")
    seen["layout_cue"] = duty_layout(d, screen)
    seen["kind_heights"] = [b.height for b in screen.kind_buttons.values()]
    seen["cue"] = screen.form_scroll.cue.text
    d.tap_text("免费打复印…", exact=True)
    d.tap_text("＋10", exact=True)
    d.tap_text("＋", exact=True)
    d.shot("staff-duties-elder-copies")
    d.tap_text("登记免费打复印")
    d.wait_until(lambda: "12份" in screen.message.text, what="copies recorded")
    seen["copies"] = screen.message.text
    d.tap_text("受理承诺件", exact=True)
    case = d.wait_screen("case")
    d.wait_until(lambda: case.guides.children, what="the service's items")
    d.shot("staff-duties-elder-case")
    seen["layout_case"] = duty_layout(d, case)
    # a short list: the applicant row follows it at once, the room left over is under the row
    row = case.accept.parent
    seen["case_gap"] = (case.middle.y - row.top, case.body.spacing, case.middle.height,
                        case.guide_scroll.content.minimum_height)
    return seen


def _keep(shots: Path) -> None:
    KEEP.mkdir(parents=True, exist_ok=True)
    for png in shots.glob("staff-duties-*.png"):
        shutil.copy(png, KEEP / png.name)


def test_duties_from_the_panel_are_on_record(kiosk_server: KioskServer, shots: Path) -> None:
    """GIVEN two citizens waiting at window 1 WHEN the clerk records 帮办代办 (twice), a 容缺受理 with a date chip,
    accepts the citizen's 存量房转移登记 as a 承诺件, calls the next from the duty bar and records 延时服务 for the
    citizen just finished THEN the API has exactly those records and the case, with the masked name shown back."""
    server = kiosk_server
    server.add_staff("2201", "周强", "secret-2201")
    kiosk, admin = server.token("kiosk"), server.token("admin")
    for i in range(2):
        server.post("/api/tickets", {"service": "bdc_transfer", "request_id": f"duty-{i}"}, kiosk)
    run = start_scenario(__file__, "scenario_duties", {
        "role": "staff", "url": server.url, "window_size": PANEL, "guide_name": "存量房转移登记"}, shots)
    seen = run.result()
    _keep(shots)

    assert seen["one_tap"] == f"{seen['first']} 已登记：帮办代办"
    assert seen["green"] == [0.10, 0.50, 0.20]  # the kind's button turns green once recorded
    assert seen["double"] == f"{seen['first']}号已登记过“帮办代办”"  # the server's Chinese words, no field name
    assert seen["no_date"] == "请选择承诺补交日期"
    assert seen["missing"].startswith(f"{seen['first']} 已登记：容缺受理（结婚证复印件，") and "前补交" in seen["missing"]
    assert seen["recorded"].startswith("已登记：帮办代办、容缺受理（结婚证复印件")
    assert seen["panel_recorded"] == f"{seen['first']} 已登记：帮办代办、容缺受理"  # under the number, by name
    assert seen["layout_panel_recorded"] == [[], []]
    assert any(item.startswith("存量房转移登记") and "承诺3个工作日" in item for item in seen["items"])
    assert "国有建设用地使用权及房屋所有权首次登记（承诺5个工作日）" in seen["items"]
    assert "不动产抵押权注销登记" not in "".join(seen["items"])  # 即办件 (0 days) are never a case
    assert "已受理承诺件，办结时限" in seen["case"] and seen["case"].endswith("，3个工作日")
    assert seen["applicant_after"] == ""
    assert "张三丰" not in "".join(seen["texts_case"])  # the full name is gone from the screen once on record
    assert "承诺件：存量房转移登记" in seen["case_recorded"] and "张*丰" in seen["case_recorded"]
    assert seen["late"] == f"{seen['first']} 已登记：延时服务"
    assert seen["layout_practices"] == [[], []]  # nothing wrong, nothing scrolled out of view at 1280×800
    assert seen["layout_case"][0] == [] and seen["layout_panel"] == [[], []] and seen["layout_fullest"] == [[], []]

    records = server.get("/api/practices", admin)
    mine = [(r["ticket_number"], r["kind"], r["material"], r["promised_on"]) for r in records if r["window"] == 1]
    assert mine == [(seen["first"], "assisted", None, None),
                    (seen["first"], "missing_material", "结婚证复印件", seen["promised_on"]),
                    (seen["first"], "after_hours", None, None)]
    [case] = [c for c in server.get("/api/cases", admin) if c["window"] == 1]
    assert (case["ticket_number"], case["guide_code"], case["applicant"], case["state"]) == (
        seen["first"], "bdc-002", "张*丰", "accepted")
    day = case["deadline"][:10]
    assert f"{int(day[5:7])}月{int(day[8:10])}日" in seen["case"]  # the deadline shown is the server's


def test_duty_screens_in_elder_mode(kiosk_server: KioskServer, shots: Path) -> None:
    """GIVEN 适老模式 WHEN the clerk hands a question to the colleague at window 3 (a tap on the colleague) and
    records 12 free copies with the stepper THEN both are recorded, and on neither duty screen a button overlaps,
    breaks a word or is cut off unannounced: every kind stays whole in view, with a result line and the tall 容缺
    form open too (the form itself scrolls and says so)."""
    server = kiosk_server
    server.add_staff("2202", "孙丽", "secret-2202")
    server.add_staff("2203", "吴敏", "secret-2203")
    server.post("/api/login", {"staff_no": "2203", "password": "secret-2203", "window": 3})  # a colleague at 3
    kiosk = server.token("kiosk")
    server.post("/api/tickets", {"service": "bdc_mortgage", "request_id": "elder-1"}, kiosk)
    seen = start_scenario(__file__, "scenario_elder", {"role": "staff", "url": server.url, "window_size": PANEL},
                          shots).result()
    _keep(shots)
    assert seen["handed_to"] == "3号窗口 吴敏" and "移交3号窗口 吴敏" in seen["handover"]
    assert "免费打复印（12份）" in seen["copies"]
    # every kind in full view, as large as the staff panel's elder targets; a form too tall says it scrolls
    assert seen["layout_practices"] == [[], []] and seen["layout_fullest"] == [[], []]
    assert seen["layout_cue"][0] == []
    assert seen["layout_case"] == [[], []]
    gap, spacing, list_height, items_height = seen["case_gap"]
    assert abs(gap - spacing) <= 1 and abs(list_height - items_height) <= 1, seen["case_gap"]
    assert min(seen["kind_heights"]) >= MINIMUM * 1.35
    assert seen["cue"] == "▼ 向下滑动查看更多"
