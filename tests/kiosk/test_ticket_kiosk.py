"""Ticket kiosk (取号机) against a real ``govhall serve`` on loopback, driven by simulated touches offscreen.

Each ``scenario_*`` runs inside its own process (one Kivy window per process, see ``harness.py``) with the
simulated printer; each ``test_*`` starts the server, runs the scenario and checks the server's and printer's side.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from tests.kiosk.conftest import slot_now
from tests.kiosk.harness import run_scenario, start_scenario

SERVICE = "bdc_transfer"
SERVICE_NAME = "不动产转移登记"
DEPARTMENT_NAME = "不动产登记中心"


def _open_department(d: Any, name: str = DEPARTMENT_NAME) -> None:
    """On the department grid, tap the department's tile; wait for its services."""
    d.wait_screen("departments")
    d.tap_text(name)
    d.wait_screen("services")


def _ticket_app(ctx: dict[str, Any], fault: str | None = None):
    from devices.printer.sim import SimTicketPrinter
    from kiosk.common.settings import KioskSettings
    from kiosk.ticketing.app import TicketKioskApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    printer = SimTicketPrinter(Path(ctx["out_dir"]) / "printer")
    if fault:
        printer.inject_fault(fault)
    settings = KioskSettings(server=ctx["url"], token=ctx.get("token", ""), idle_seconds=ctx.get("idle", 60))
    return TicketKioskApp(settings, load_config(DEMO_CONFIG_PATH), printer=printer), printer


def _decoded(printer: Any) -> list[dict[str, Any]]:
    from devices.escpos_reader import read_escpos

    docs = [read_escpos(job) for job in printer.jobs]
    return [{"lines": doc.lines, "qr": doc.qr_payloads, "cuts": len(doc.cuts)} for doc in docs]


def scenario_take_number(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    app, printer = _ticket_app(ctx)
    d = factory.start(app)
    d.wait_until(lambda: app.online, what="hall feed online")
    d.shot("ticket-home")
    d.tap_text("取号", exact=True)
    d.wait_screen("departments")
    d.shot("ticket-departments")
    _open_department(d)
    d.wait_until(lambda: "等候" in d.find_button(SERVICE_NAME).text, what="waiting counts")
    d.shot("ticket-services")
    d.tap_text(SERVICE_NAME)
    screen = d.wait_screen("ticket")
    d.shot("ticket-issued")
    shown = {"number": screen.number.text, "ahead": screen.ahead.text, "qr": screen.qr.data,
             "status": screen.status.text, "windows": screen.windows.text}
    d.tap_text("完成")
    d.wait_screen("home")
    # 绿色通道 from the home screen: category, department, service, and the number is taken (four taps)
    d.tap_text("绿色通道")
    d.wait_screen("priority")
    d.shot("ticket-priority")
    d.tap_text("残疾人")
    _open_department(d)
    d.wait_until(lambda: "等候" in d.find_button(SERVICE_NAME).text, what="priority lane counts")
    d.shot("ticket-priority-services")
    priority_line = d.find_button(SERVICE_NAME).text
    d.tap_text(SERVICE_NAME)
    priority_screen = d.wait_screen("ticket")
    priority = {"number": priority_screen.number.text, "ahead": priority_screen.ahead.text}
    return {"shown": shown, "priority": priority, "priority_line": priority_line, "printed": _decoded(printer),
            "outcomes": [o.ticket for o in app.outcomes], "shots": d.shots}


def test_take_number_prints_the_recorded_ticket(kiosk_server, shots: Path) -> None:
    """GIVEN the demo hall WHEN a citizen taps 取号 then a service THEN the server's ticket is printed and shown."""
    token = kiosk_server.token("kiosk")
    before = kiosk_server.waiting(SERVICE)
    result = run_scenario(__file__, "scenario_take_number", {"role": "ticket", "url": kiosk_server.url,
                                                              "token": token}, shots)
    first, second = result["outcomes"]
    assert result["shown"]["number"] == first["number"]
    assert result["shown"]["qr"] == first["status_url"]
    assert (f"前面还有{before}人等候" if before else "前面没有人等候") in result["shown"]["ahead"]
    assert "0人" not in result["shown"]["ahead"] and "约0分钟" not in result["shown"]["ahead"]
    assert "请取走号票" in result["shown"]["status"]
    # the issued-number screen names the windows that serve the service (the demo hall's 不动产 counters 1-3)
    hall = kiosk_server.get("/api/hall")
    serving = {w["number"] for w in hall["windows"] if SERVICE in w["services"]}
    shown_windows = result["shown"]["windows"]
    assert shown_windows.startswith("办理窗口：") and shown_windows.endswith(("号窗口", "等窗口"))
    numbers = {int(n) for n in re.findall(r"\d+", shown_windows)}
    assert numbers and numbers <= serving
    # the printer got both tickets, with the number, the service and the status page as a QR code
    assert len(result["printed"]) == 2
    ticket = result["printed"][0]
    assert first["number"] in ticket["lines"] and any(SERVICE_NAME in line for line in ticket["lines"])
    assert ticket["qr"] == [first["status_url"]]
    assert any("残疾人" in line for line in result["printed"][1]["lines"])
    # the server recorded exactly what was shown: the status page of the shown token answers with that number
    token_part = first["status_url"].rstrip("/").rsplit("/", 1)[-1]
    status = kiosk_server.get(f"/api/tickets/{token_part}")
    assert status["number"] == first["number"] and status["status"] == "waiting"
    assert second["priority"] == "disabled" and second["number"] == result["priority"]["number"]
    assert int(second["number"][1:]) == int(first["number"][1:]) + 1
    assert kiosk_server.waiting(SERVICE) == before + 2
    # the 绿色通道 tile showed the priority lane's wait (one priority ticket ahead: the first was a walk-in), which
    # is what the ticket then said, not the walk-ins' wait
    assert second["ahead"] == 0 and "现在无人等候" in result["priority_line"]
    for name in ("ticket-home", "ticket-departments", "ticket-services", "ticket-issued", "ticket-priority",
                 "ticket-priority-services"):
        assert (shots / f"{name}.png").stat().st_size > 10_000


def scenario_paper_out(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    app, printer = _ticket_app(ctx, fault="paper_out")
    d = factory.start(app)
    d.wait_until(lambda: app.online, what="online")
    d.tap_text("取号", exact=True)
    _open_department(d)
    d.tap_text(SERVICE_NAME)
    screen = d.wait_screen("error")
    d.shot("ticket-error-paper-out")
    texts = d.texts()
    d.tap_text("返回首页")
    d.wait_screen("home")
    d.tap_text("查询进度")
    progress = d.wait_screen("progress")
    d.shot("ticket-progress")
    for key in ctx["called"]:
        d.tap_text(key, exact=True)
    d.tap_text("查询", exact=True)
    d.wait_until(lambda: progress.result.text, what="lookup answer")
    d.shot("ticket-progress-answer")
    return {"message": screen.message.text, "jobs": len(printer.jobs),
            "progress": [progress.result.text, progress.serving.text],
            "outcomes": [(o.kind, o.problem, o.ticket) for o in app.outcomes], "texts": texts}


def test_paper_out_takes_no_number(kiosk_server, shots: Path) -> None:
    """GIVEN a kiosk printer without paper WHEN a citizen takes a number THEN no number is taken or shown, and the
    screen sends the citizen to the desk."""
    token = kiosk_server.token("kiosk")
    # someone is being served at window 7 (社保1), for the 查询进度 screen
    kiosk_server.post("/api/tickets", {"service": "si_enroll", "request_id": "progress-1"}, token)
    status, called = kiosk_server.post("/api/windows/7/call", {}, kiosk_server.token("staff", 7))
    assert status == 200, called
    before = kiosk_server.waiting(SERVICE)
    result = run_scenario(__file__, "scenario_paper_out", {"role": "ticket", "url": kiosk_server.url,
                                                            "token": token, "called": called["number"]}, shots)
    assert result["outcomes"] == [["refused", "paper_out", None]]
    assert "缺纸" in result["message"] and "请到咨询台取号" in result["message"]
    assert result["jobs"] == 0
    assert not any(text.startswith("A0") for text in result["texts"])
    assert kiosk_server.waiting(SERVICE) == before  # the server recorded nothing
    # each kiosk token reports under its own source (earlier tests' kiosks keep theirs): this kiosk's is the newest
    printer = max((d for d in kiosk_server.get("/api/health")["devices"] if d["device"] == "取号机打印机"),
                  key=lambda d: d["last_seen"])
    assert printer["ok"] is False and "缺纸" in printer["detail"]  # reported to the server for the staff
    # 查询进度 looks the called number up: where to go now, and the windows serving someone
    answer, serving = result["progress"]
    assert "正在叫号" in answer and "请到 7号窗口" in answer
    assert f"{called['number']}：7号窗口" in serving


def scenario_server_down(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    app, printer = _ticket_app(ctx)
    d = factory.start(app)
    d.wait_until(lambda: app.online, what="online")
    d.signal("online")
    d.wait_go("server_stopped")
    d.wait_until(lambda: not app.online, what="offline")
    home = d.app.screen
    d.shot("ticket-home-offline")
    seen = []
    for choice in ("取号", "绿色通道", "预约签到"):  # each says at once that no number can be taken here
        d.tap_text(choice, exact=True)
        offline = d.wait_screen("offline")
        seen.append(app.screens.current)
        texts = d.texts()
        d.tap_text("返回首页")
        d.wait_screen("home")
    d.tap_text("取号", exact=True)
    d.wait_screen("offline")
    d.shot("ticket-offline")
    return {"banner": home.offline.text, "seen": seen, "texts": texts, "jobs": len(printer.jobs),
            "outcomes": [(o.kind, o.problem) for o in app.outcomes], "offline_widgets": len(offline.body.children)}


def test_server_down_sends_citizen_to_the_desk(server_process, shots: Path) -> None:
    """GIVEN a kiosk online WHEN the server goes away THEN the home screen says so, and 取号, 绿色通道 and 预约签到
    each say at once (one tap) that no number can be taken here and to go to the desk, with nothing printed."""
    token = server_process.token("kiosk")
    run = start_scenario(__file__, "scenario_server_down", {"role": "ticket", "url": server_process.url,
                                                             "token": token}, shots)
    run.wait_for("online")
    server_process.stop()
    run.go("server_stopped")
    result = run.result()
    assert "连接中断" in result["banner"]
    assert result["seen"] == ["offline"] * 3
    text = "\n".join(result["texts"])
    assert "不能取号" in text and "咨询台" in text
    assert result["outcomes"] == [] and result["jobs"] == 0


def scenario_print_fails(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from devices.printer.base import PrinterStatus
    from devices.printer.sim import SimTicketPrinter

    answer = threading.Event()

    class PaperRunsOutMidJob(SimTicketPrinter):
        """Hardware race: a slow status check passes, then the paper runs out during the job."""

        def status(self) -> PrinterStatus:
            answer.wait(10)  # a slow printer keeps the 请稍候 screen up long enough to photograph it
            return PrinterStatus.ready()

    app, _ = _ticket_app(ctx)
    app.printer = app.issuer.printer = PaperRunsOutMidJob(Path(ctx["out_dir"]) / "printer-jam")
    app.printer.inject_fault("paper_out")
    d = factory.start(app)
    d.tap_text("取号", exact=True)
    _open_department(d)
    d.tap_text(SERVICE_NAME)
    d.wait_screen("working")
    d.shot("ticket-working")
    answer.set()
    screen = d.wait_screen("ticket")
    d.shot("ticket-print-failed")
    return {"number": screen.number.text, "status": screen.status.text, "qr": screen.qr.data,
            "outcome": [app.outcomes[0].kind, app.outcomes[0].problem, app.outcomes[0].ticket]}


def test_print_failure_after_issue_shows_the_number(kiosk_server, shots: Path) -> None:
    """GIVEN the paper runs out after the server issued the ticket THEN the recorded number stays on screen with
    an instruction, and it is the server's ticket."""
    token = kiosk_server.token("kiosk")
    result = run_scenario(__file__, "scenario_print_fails", {"role": "ticket", "url": kiosk_server.url,
                                                              "token": token}, shots)
    kind, problem, ticket = result["outcome"]
    assert (kind, problem) == ("print_failed", "paper_out")
    assert result["number"] == ticket["number"]
    assert result["qr"] == ticket["status_url"]
    assert "打印失败" in result["status"] and "记下" in result["status"]
    status = kiosk_server.get(f"/api/tickets/{ticket['token']}")
    assert status["number"] == ticket["number"] and status["status"] == "waiting"


def scenario_check_in(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    app, printer = _ticket_app(ctx)
    d = factory.start(app)
    d.tap_text("预约签到")
    d.wait_screen("checkin")
    for key in ctx["wrong_code"]:
        d.tap_text(key, exact=True)
    d.tap_text("确认签到")
    screen = d.wait_until(lambda: d.app.screen.message.text != d.app.screen.message.hint and d.app.screen,
                          what="not-found message")
    d.shot("ticket-checkin-unknown")
    unknown = screen.message.text
    d.tap_text("清空")
    for key in ctx["code"]:
        d.tap_text(key, exact=True)
    d.shot("ticket-checkin-typed")
    typed = screen.typed
    d.tap_text("确认签到")
    ticket_screen = d.wait_screen("ticket")
    d.shot("ticket-checkin-done")
    return {"unknown": unknown, "typed": typed, "number": ticket_screen.number.text, "printed": _decoded(printer)}


def test_appointment_check_in_with_the_keypad(kiosk_server, shots: Path) -> None:
    """GIVEN an appointment for now WHEN its code is typed on the keypad THEN the kiosk prints its ticket; a wrong
    code stays on the keypad with a message."""
    admin, kiosk = kiosk_server.token("admin"), kiosk_server.token("kiosk")
    hall = kiosk_server.get("/api/hall")["hall"]
    status, body = kiosk_server.post("/api/appointments", {
        "service": "si_card", "date": hall["business_day"], "slot": slot_now(hall), "name": "李四",
        "phone": "13800001234"},
        admin)
    assert status in (200, 201), body
    result = run_scenario(__file__, "scenario_check_in", {"role": "ticket", "url": kiosk_server.url,
                                                           "token": kiosk, "code": body["code"],
                                                           "wrong_code": f"{(int(body['code']) + 1) % 10**6:06d}"},
                          shots)
    assert "未找到" in result["unknown"] or "不存在" in result["unknown"]
    assert result["typed"] == body["code"]
    assert result["number"].startswith("C")  # 社会保障卡办理 has prefix C
    assert result["number"] in result["printed"][0]["lines"]
    assert any("社会保障卡办理" in line for line in result["printed"][0]["lines"])


def scenario_guides(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    app, printer = _ticket_app(ctx)
    d = factory.start(app)
    d.tap_text("办事指南")
    home = d.wait_screen("guides")
    d.wait_until(lambda: home.grid.children, what="departments")
    d.shot("guide-home")
    departments = [b.text for b in reversed(home.grid.children)]
    d.tap(list(reversed(home.grid.children))[0])
    listing = d.wait_screen("guide_list")
    d.wait_until(lambda: listing.grid.children, what="department guides")
    d.shot("guide-department")
    d.tap_text("返回")
    d.wait_screen("guides")
    d.tap_text("按拼音首字母")
    search = d.wait_screen("guide_search")
    for letter in "BDC":
        d.tap_text(letter, exact=True)
    d.wait_until(lambda: search.searches and search.grid.children, what="search results")
    d.shot("guide-search")
    found = [b.text for b in reversed(search.grid.children)]
    d.tap(list(reversed(search.grid.children))[0])
    guide = d.wait_screen("guide")
    d.wait_until(lambda: guide.guide is not None, what="guide loaded")
    d.shot("guide-page")
    page = d.texts()
    d.tap_text("打印告知单")
    d.wait_until(lambda: guide.status.opacity, what="slip printed")
    d.shot("guide-slip-printed")
    # 取号办理: the confirm step names the item's service; 返回 comes back to the guide, 确认取号 takes the number
    service = guide.guide["service"]
    d.tap_text("取号办理")
    confirm = d.wait_screen("confirm").text.text
    d.tap_text("返回", exact=True)
    d.wait_screen("guide")
    d.tap_text("取号办理")
    d.wait_screen("confirm")
    d.tap_text("确认取号")
    d.wait_screen("ticket")
    d.shot("guide-ticket-taken")
    return {"departments": departments, "found": found, "page": page, "status": guide.status.text,
            "printed": _decoded(printer), "guide_service": service, "confirm": confirm,
            "taken": app.outcomes[-1].ticket}


def test_guide_search_by_pinyin_initials_and_print_slip(kiosk_server, shots: Path) -> None:
    """GIVEN the demo guide catalogue WHEN a citizen types B-D-C THEN 不动产 guides are listed, the guide's page shows
    its elements, 打印告知单 prints a one-time notification slip, and 取号办理 takes a number for the item's
    service after a confirm step whose 返回 comes back to the guide."""
    token = kiosk_server.token("kiosk")
    result = run_scenario(__file__, "scenario_guides", {"role": "ticket", "url": kiosk_server.url,
                                                         "token": token}, shots)
    assert result["departments"]
    assert result["found"] and all("不动产" in name for name in result["found"][:1])
    page = "\n".join(result["page"])
    for heading in ("【申请材料】", "【办理时限】", "【收费标准】"):
        assert heading in page
    assert "已打印" in result["status"]
    slip = result["printed"][0]["lines"]
    assert "一次性告知单" in slip and any(result["found"][0] in line for line in slip)
    # and from the guide page, a number for the item's service (the hall's name for it on the confirm step)
    service = result["guide_service"]
    assert result["taken"]["service"] == service and not result["taken"]["priority"]
    assert load_config(DEMO_CONFIG_PATH).services[service].name in result["confirm"]


def scenario_idle_and_elder(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.theme import THEME

    app, _ = _ticket_app(ctx)
    d = factory.start(app)
    normal = THEME.fs_button
    d.tap_text("适老模式")
    d.pump(3)
    elder = THEME.fs_button
    d.shot("ticket-home-elder")
    d.tap_text("取号", exact=True)
    d.wait_screen("departments")
    d.shot("ticket-departments-elder")
    d.wait_screen("home", timeout=10)  # idle_seconds later, with no touch
    return {"normal": normal, "elder": elder, "elder_after_idle": THEME.elder}


def test_idle_returns_home_and_elder_mode_enlarges_type(kiosk_server, shots: Path) -> None:
    """GIVEN 适老模式 switched on WHEN nobody touches the kiosk for idle_seconds THEN it is back home, in the
    configured (normal) mode."""
    result = run_scenario(__file__, "scenario_idle_and_elder", {"role": "ticket", "url": kiosk_server.url,
                                                                 "idle": 2}, shots)
    assert result["elder"] > result["normal"] * 1.3
    assert result["elder_after_idle"] is False
