"""Staff panel (虚拟呼叫器) and hall display (综合屏) together against a real server: the panel calls next and
the display shows it; hold/resume, transfer, pause/open; the display says 连接中断 when the server goes, and
resnapshots when it is back."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.kiosk.conftest import KioskServer
from tests.kiosk.harness import start_scenario

WINDOW = 2
SERVICE = "bdc_mortgage"


def scenario_staff(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.settings import KioskSettings
    from kiosk.staff.app import StaffPanelApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    app = StaffPanelApp(KioskSettings(server=ctx["url"], window=WINDOW), load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    login = d.wait_screen("login")
    login.staff_no.text, login.password.text = "2001", "wrong"
    d.tap_text("登录")
    d.wait_until(lambda: login.message.opacity, what="login refused")
    d.shot("staff-login-refused")
    seen: dict[str, Any] = {"refused": login.message.text}
    login.password.text = "secret-2001"
    d.tap_text("登录")
    panel = d.wait_screen("panel")
    d.wait_until(lambda: "李四" in panel.title.text, what="panel filled in")
    d.wait_until(lambda: panel.plan.text, what="the day's support plan")
    d.shot("staff-panel")
    seen["title"] = panel.title.text
    seen["plan"], seen["plan_shown"] = panel.plan.text, panel.plan.height > 0 and panel.plan.opacity == 1
    seen["waiting_before"] = panel.waiting.text

    def enabled(label: str) -> bool:
        return any(getattr(w, "text", None) == label and not w.disabled for w in d.widgets(d.app.screen))

    def act(label: str, expect: str) -> str:
        d.wait_until(lambda: enabled(label), what=f"{label} enabled")  # greyed out until the view says it applies
        d.tap_text(label, exact=True)
        d.wait_until(lambda: expect in panel.message.text, what=f"{label} → {expect}")
        return panel.message.text

    seen["call"] = act("叫号\nF1", "已叫号")
    d.wait_until(lambda: panel.current.text == ctx["numbers"][0], what="current number")
    d.shot("staff-called")
    seen["recall"] = act("重呼\nF3", "已重呼")
    seen["hold"] = act("挂起\nF7", "已挂起")
    d.wait_until(lambda: enabled("回呼\nF8"), what="enabled")
    d.tap_text("回呼\nF8", exact=True)
    d.wait_screen("pick")
    d.wait_until(lambda: d.app.screen.grid.children, what="held numbers")
    d.shot("staff-pick-held")
    d.tap_text(ctx["numbers"][0], exact=True)
    d.wait_screen("panel")
    d.wait_until(lambda: "已回呼" in panel.message.text, what="resumed")
    seen["resume"] = panel.message.text
    d.wait_until(lambda: enabled("转移\nF9"), what="enabled")
    d.tap_text("转移\nF9", exact=True)
    d.wait_screen("pick")
    pick = d.app.screen
    d.wait_until(lambda: ctx["numbers"][0] in pick.heading.text, what="the number being transferred")
    d.tap_text("群众申请", exact=True)  # the reason chip, then the target: a common target in one more tap
    d.shot("staff-transfer")
    d.tap_text("更多业务和指定窗口…", exact=True)
    d.wait_until(lambda: d.find_button("不动产登记资料查询", exact=True), what="every service")
    d.tap_text("不动产登记资料查询", exact=True)
    d.wait_screen("panel")
    d.wait_until(lambda: "已转移" in panel.message.text, what="transferred")
    seen["transfer"] = panel.message.text
    seen["call2"] = act("叫号\nF1", "已叫号")
    d.wait_until(lambda: panel.current.text == ctx["numbers"][1], what="second number")
    d.wait_until(lambda: enabled("过号\nF6"), what="enabled")
    d.tap_text("过号\nF6", exact=True)
    d.wait_screen("pick")  # 过号 asks first
    d.shot("staff-skip-confirm")
    seen["skip"] = act(f"确认过号 {ctx['numbers'][1]}", "已过号")
    d.wait_until(lambda: enabled("过号重排\nF10"), what="enabled")
    d.tap_text("过号重排\nF10", exact=True)
    d.wait_screen("pick")
    d.tap_text(ctx["numbers"][1], exact=True)
    d.wait_screen("panel")
    d.wait_until(lambda: "重新排队" in panel.message.text, what="requeued")
    seen["requeue"] = panel.message.text
    seen["call3"] = act("叫号\nF1", "已叫号")
    seen["finish"] = act("办结\nF5", "已办结")
    d.tap_text("暂停服务")
    d.wait_screen("pick")
    d.tap_text("临时离开", exact=True)
    d.wait_until(lambda: panel.pause_button.text.startswith("恢复服务"), what="paused")
    d.shot("staff-paused")
    seen["paused_title"] = panel.title.text
    d.signal("paused")
    d.wait_go("reopen")
    d.tap_text("恢复服务")
    d.wait_until(lambda: panel.pause_button.text.startswith("暂停服务"), what="open again")
    d.wait_until(lambda: d.app.view.get("state") == "open" and not d.app.busy, what="view after reopening")
    # nobody waits: 叫号 and 办结并叫下一位 are greyed out rather than answering "queue empty" after a press
    seen["empty"] = (not enabled("叫号\nF1") and not enabled("办结并叫下一位\nF2")) if ctx.get("expect_empty") else ""
    return seen


def scenario_display(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.settings import KioskSettings
    from kiosk.display.app import HallDisplayApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    app = HallDisplayApp(KioskSettings(server=ctx["url"]), load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    board = d.wait_screen("board")
    d.wait_until(lambda: app.board.online and board.pages, what="snapshot")
    d.shot("display-start")
    seen: dict[str, Any] = {"pages_start": [title for title, _rows in board.pages]}
    d.signal("online")
    first = ctx["numbers"][0]
    d.wait_until(lambda: app.flashing is not None and app.flashing.number == first and first in board.latest_text,
                 timeout=30, what="call flashes")
    d.shot("display-call-flashing")
    seen["latest"] = board.latest_text
    d.wait_until(lambda: app.board.windows.get(WINDOW, {}).get("state") == "paused", timeout=30, what="pause")
    d.pump(5)
    d.shot("display-window-paused")
    seen["calls"] = [(c.number, c.window) for c in app.board.calls]
    seen["cells"] = [" ".join(row[:2]) for _title, rows in board.pages for row in rows]
    d.signal("seen")
    d.wait_until(lambda: not app.board.online, timeout=20, what="offline")
    d.pump(3)
    d.shot("display-offline")
    seen["offline"] = board.offline.text
    seen["offline_latest"] = board.latest_text
    seen["offline_windows"] = len(board.panel.filled)
    snapshots = app.feed.snapshots
    d.signal("offline")
    d.wait_until(lambda: app.board.online and app.feed.snapshots > snapshots, timeout=30, what="back online")
    d.pump(3)
    d.shot("display-back")
    seen["back_windows"] = len(board.panel.filled)
    return seen


def test_panel_call_shows_on_display(server_process, shots: Path) -> None:
    """GIVEN 李四 (2001) at window 2 (with the day's support plan line), two waiting tickets, and the hall display
    WHEN the panel calls, recalls,
    holds, resumes, transfers, calls again, skips, re-queues the late citizen, calls, finishes and pauses THEN the server did each, the display flashed
    the call and shows the pause; when the server stops the display blanks under 连接中断, and resnapshots
    when it returns."""
    server = KioskServer(server_process)
    server.add_staff("2001", "李四", "secret-2001")
    kiosk = server.token("kiosk")
    numbers = [server.post("/api/tickets", {"service": SERVICE, "request_id": f"panel-{i}"}, kiosk)[1]["number"]
               for i in range(2)]
    display = start_scenario(__file__, "scenario_display", {"role": "display", "url": server.url,
                                                            "numbers": numbers}, shots)
    display.wait_for("online")
    staff = start_scenario(__file__, "scenario_staff", {"role": "staff", "url": server.url, "numbers": numbers,
                                                        "expect_empty": True}, shots)
    staff.wait_for("paused")
    display.wait_for("seen")
    staff.go("reopen")
    panel = staff.result()
    server_process.stop()
    display.wait_for("offline")
    server_process.start()
    seen = display.result()

    assert "工号或密码错误" in panel["refused"]
    assert "不动产登记2" in panel["title"] and "李四（2001）" in panel["title"]
    # the demo hall plans its day (每日兼办): the panel shows window 2's planned service as the server has it
    planned = server.get(f"/api/windows/{WINDOW}", server.token("admin"))["plan_service_name"]
    assert planned and panel["plan"] == f"今日兼办：{planned}" and panel["plan_shown"]
    assert panel["call"] == f"已叫号 {numbers[0]}" and panel["recall"] == f"已重呼 {numbers[0]}"
    assert panel["hold"] == f"已挂起 {numbers[0]}" and panel["resume"] == f"已回呼 {numbers[0]}"
    assert panel["transfer"] == f"已转移 {numbers[0]}"
    assert panel["call2"] == f"已叫号 {numbers[1]}" and panel["skip"] == f"已过号 {numbers[1]}"
    assert panel["requeue"] == f"{numbers[1]} 已重新排队" and panel["call3"] == f"已叫号 {numbers[1]}"
    assert panel["finish"] == f"已办结 {numbers[1]}"
    assert "暂停服务" in panel["paused_title"]
    assert panel["empty"] is True
    # the server agrees: the first ticket moved to 资料查询, the second is finished
    query = {s["code"]: s["waiting"] for s in server.get("/api/hall")["services"]}
    assert query["bdc_query"] == 1 and query[SERVICE] == 0

    assert seen["latest"] == f"请 {numbers[0]} 号 到 {WINDOW}号窗口 办理"  # as the voice and the LED say it
    assert (numbers[1], WINDOW) in [tuple(c) for c in seen["calls"]]
    assert any(t.startswith(f"{WINDOW}号 不动产登记2") and "暂停服务" in t for t in seen["cells"])
    assert seen["calls"][0] == [numbers[1], WINDOW] and len({c[0] for c in seen["calls"]}) == len(seen["calls"])
    assert "连接中断" in seen["offline"]
    assert seen["offline_windows"] == 0 and numbers[0] not in seen["offline_latest"]
    assert seen["back_windows"] > 0


def scenario_tidal(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.settings import KioskSettings
    from kiosk.staff.app import StaffPanelApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    app = StaffPanelApp(KioskSettings(server=ctx["url"], window=31), load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    login = d.wait_screen("login")
    login.staff_no.text, login.password.text = "3101", "secret-3101"
    d.tap_text("登录")
    panel = d.wait_screen("panel")
    d.wait_until(lambda: app.feed is not None and app.feed.connected, what="feed online")
    d.signal("ready")
    d.wait_until(lambda: panel.tidal.text, timeout=20, what="tidal order")
    d.wait_until(lambda: "bdc_transfer" in (app.view or {}).get("waiting", {}), what="window now serves the tidal service")
    d.shot("staff-tidal-order")
    seen = {"order": panel.tidal.text, "waiting": panel.waiting.text}
    seen["order_row"] = panel.tidal_row.height
    seen["number_fits"] = panel.current.texture_size[1] <= panel.current.height + 1  # not covered by the order
    d.tap_text("收到，开始办理")
    d.wait_until(lambda: not panel.tidal.text, what="order acknowledged")
    seen["message"] = panel.message.text
    return seen


def scenario_display_tidal(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.settings import KioskSettings
    from kiosk.display.app import HallDisplayApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    app = HallDisplayApp(KioskSettings(server=ctx["url"]), load_config(DEMO_CONFIG_PATH))
    d = factory.start(app)
    board = d.wait_screen("board")
    d.wait_until(lambda: app.board.online, what="online")
    d.signal("online")
    d.wait_until(lambda: board.notices, timeout=20, what="tidal notice")
    d.pump(3)
    d.shot("display-tidal")
    return {"notice": " ".join(board.notices), "in_ticker": all(n in board.ticker.label.text for n in board.notices)}


def test_tidal_order_is_acknowledged_from_the_panel(server_process, shots: Path) -> None:
    """GIVEN staff at standby window 31 WHEN the manager opens it as a tidal window for 不动产转移登记 THEN the
    panel shows the order and its 收到 button records the acknowledgement, and the hall display announces it."""
    server = KioskServer(server_process)
    server.add_staff("3101", "王五", "secret-3101")
    admin = server.token("admin")
    display = start_scenario(__file__, "scenario_display_tidal", {"role": "display", "url": server.url}, shots)
    run = start_scenario(__file__, "scenario_tidal", {"role": "staff", "url": server.url}, shots)
    run.wait_for("ready")
    display.wait_for("online")
    status, opened = server.post("/api/tidal/open", {"service": "bdc_transfer", "window": 31, "reason": "演练"},
                                 admin)
    assert status == 201, opened
    seen = run.result()
    assert "不动产转移登记" in seen["order"] and seen["message"] == "已确认潮汐业务"
    assert seen["order_row"] > 0 and seen["number_fits"], "the order must not cover the current number"
    shown = display.result()
    assert shown["notice"] == "31号窗口 临时增开“不动产转移登记”（潮汐窗口）" and shown["in_ticker"]
    [opening] = server.get("/api/tidal", admin)["open"]
    assert opening["window"] == 31 and opening["acknowledged_at"] is not None
