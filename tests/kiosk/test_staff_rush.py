"""The staff panel in a Monday rush, at the business PC's 1280×800 and in strip mode: the queue list with its
绿色通道 / 预约 / 转入 tags and waits, the called ticket's tag, 办结并叫下一位 from its F-key, buttons greyed out when
they cannot apply, the strip always on top, and 交班/退出. Layout checked on the widgets (no overlap, targets of
at least 40 px for a mouse, no button text spilling out) and each screen saved for a person to look at."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.kiosk.conftest import KioskServer, slot_now
from tests.kiosk.harness import start_scenario
from tests.kiosk.layout import overlap, rect

PANEL = (1280, 800)
KEEP = Path("/tmp/pilot-shots")


def check_layout(d: Any, screen: Any, minimum: float) -> list[str]:
    """Problems on ``screen``: overlapping or small buttons, button text wider or taller than its button."""
    from kivy.uix.button import Button

    buttons = [w for w in d.widgets(screen) if isinstance(w, Button) and w.opacity > 0 and w.height > 1]
    problems = []
    for i, a in enumerate(buttons):
        if a.height < minimum or a.width < minimum:
            problems.append(f"small: {a.text} {a.size}")
        a.texture_update()
        if a.texture_size[0] > a.width + 1 or a.texture_size[1] > a.height + 1:
            problems.append(f"text spills: {a.text}")
        lines = a.text.count("\n") + 1  # more lines drawn than written: Kivy wrapped inside a word
        if a._label is not None and len(a._label._cached_lines) > lines:
            problems.append(f"wraps inside a word: {a.text}")
        for b in buttons[i + 1:]:
            if overlap(rect(a), rect(b)):
                problems.append(f"overlap: {a.text} / {b.text}")
    return problems


def scenario_rush(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kivy.core.window import Window

    from kiosk.common.settings import KioskSettings
    from kiosk.staff.app import StaffPanelApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    app = StaffPanelApp(KioskSettings(server=ctx["url"], window=1), load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    login = d.wait_screen("login")
    login.staff_no.text, login.password.text = "2101", "secret-2101"
    d.tap_text("登录")
    panel = d.wait_screen("panel")
    d.wait_until(lambda: len(app.view.get("queue") or []) == 3 and not app.busy, what="the queue list")
    order = [q["number"] for q in app.view["queue"]]
    seen: dict[str, Any] = {"queue": panel.queue.text, "order": order, "third": order[2],
                            "disabled_idle": sorted(a for a, b in panel.buttons.items() if b.disabled)}
    d.shot("staff-rush-queue")
    seen["layout_panel"] = check_layout(d, panel, 40)
    d.tap_text("叫号\nF1", exact=True)
    d.wait_until(lambda: app.view.get("current") == ctx["priority"] and not app.busy, what="the elder called")
    seen["current_info"] = panel.current_info.text
    seen["disabled_called"] = sorted(a for a, b in panel.buttons.items() if b.disabled)
    d.shot("staff-rush-called")
    app.press_key(2)  # F2: 办结并叫下一位
    d.wait_until(lambda: app.view.get("current") == order[1] and not app.busy, what="next by F2")
    seen["after_f2"] = panel.message.text
    app.toggle_strip()
    strip = d.wait_screen("strip")
    d.pump(4)
    seen["strip_size"], seen["on_top"] = list(Window.size), bool(Window.always_on_top)
    seen["strip_number"] = strip.number.text
    seen["layout_strip"] = check_layout(d, strip, 40)
    seen["strip_inside"] = all(b.top <= Window.height + 1 and b.y >= -1 for b in strip.buttons.values())
    d.shot("staff-rush-strip")
    d.tap_text("办结并叫下一位 F2", exact=True)  # the strip's button: one line, it is wide
    d.wait_until(lambda: app.view.get("current") == seen["third"] and not app.busy, what="next from the strip")
    seen["strip_after"] = strip.number.text
    d.tap_text("展开 F12", exact=True)
    d.wait_screen("panel")
    d.pump(3)
    seen["full_again"] = list(Window.size)
    d.tap_text("交班/退出", exact=True)
    d.wait_screen("pick")
    d.shot("staff-rush-logout")
    d.tap_text("确认交班退出", exact=True)
    d.wait_screen("login")
    seen["token_after"] = app.client.token
    return seen


def test_rush_cycle_strip_and_handover(server_process, shots: Path) -> None:
    """GIVEN at window 1 a walk-in, a checked-in appointment and a 绿色通道 ticket WHEN the clerk logs in THEN the
    queue lists them in call order with their tags; 叫号 calls the elder and shows 【绿色通道】; F2 finishes and calls
    the appointment; in strip mode (always on top, a thin bar) 办结并叫下一位 calls the walk-in; 交班/退出 ends the
    session so the window is no longer staffed."""
    server = KioskServer(server_process)
    server.add_staff("2101", "周强", "secret-2101")
    kiosk, admin = server.token("kiosk"), server.token("admin")
    walk_in = server.post("/api/tickets", {"service": "bdc_transfer", "request_id": "r-1"}, kiosk)[1]
    hall = server.get("/api/hall")["hall"]
    _, booked = server.post("/api/appointments", {"service": "bdc_transfer", "date": hall["business_day"],
                            "slot": slot_now(hall), "name": "王五", "phone": "13800001111"}, admin)
    appointment = server.post(f"/api/appointments/{booked['code']}/check-in", {}, kiosk)[1]
    elder = server.post("/api/tickets", {"service": "bdc_transfer", "request_id": "r-2", "priority": "elderly"}, kiosk)[1]
    run = start_scenario(__file__, "scenario_rush", {
        "role": "staff", "url": server.url, "window_size": PANEL, "priority": elder["number"],
        "appointment": appointment["number"], "walk_in": walk_in["number"]}, shots)
    seen = run.result()
    KEEP.mkdir(parents=True, exist_ok=True)
    for png in shots.glob("staff-rush-*.png"):
        shutil.copy(png, KEEP / png.name)

    lines = seen["queue"].splitlines()
    # the elder first; the check-in keeps 预约 only inside its slot (a late one queues as a walk-in), so the
    # order of the other two follows the hall's rule, and the tag says which it was
    assert [line.split()[0] for line in lines] == seen["order"] and seen["order"][0] == elder["number"]
    assert "【绿色通道】" in lines[0] and "【绿色通道】" not in "".join(lines[1:])
    kinds = {appointment["number"]: appointment["kind"], walk_in["number"]: walk_in["kind"]}
    for line in lines[1:]:
        assert ("【预约】" in line) == (kinds[line.split()[0]] == "appointment")
    assert all("已等" in line for line in lines) and "王五" not in seen["queue"]  # numbers only, never names
    assert seen["disabled_idle"] == ["finish", "hold", "recall", "requeue", "resume", "skip", "start", "transfer"]
    assert "【绿色通道】" in seen["current_info"]
    assert seen["disabled_called"] == ["call", "requeue", "resume"]
    assert seen["after_f2"] == f"已办结并叫号 {seen['order'][1]}"
    assert seen["layout_panel"] == [] and seen["layout_strip"] == [] and seen["strip_inside"]
    assert seen["on_top"] and seen["strip_size"][0] == PANEL[0] and seen["strip_size"][1] <= 150
    assert seen["order"][1] in seen["strip_number"]
    assert seen["order"][2] in seen["strip_after"]
    assert seen["full_again"] == list(PANEL)
    assert seen["token_after"] is None
    window = next(w for w in server.get("/api/hall")["windows"] if w["number"] == 1)
    assert window["staff_no"] is None  # handed over: the server no longer counts 周强 at window 1
    by_number = {t["number"]: t for t in (elder, appointment, walk_in)}
    statuses = [server.get(f"/api/tickets/{by_number[n]['token']}")["status"] for n in seen["order"]]
    assert statuses == ["finished", "finished", "called"]
