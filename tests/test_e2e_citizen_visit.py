"""A citizen's visit end to end, through the real processes: ``govhall serve``, ``govhall devices --simulate``
and the kiosk apps offscreen (each in its own process, driven by simulated touches).

Take a number at the kiosk → the ticket is printed (read back by the ESC/POS reader) → staff call it from the
panel → the hall display and the window screen show it and the voice speaks it → staff finish → the counter
tablet takes a bad review → a rectification case opens with its working-day deadlines → the KPIs count it.
"""
from __future__ import annotations

import subprocess
import sys
import time
import wave
from datetime import datetime
from pathlib import Path
from typing import Any

from queue_server.core.config import DEMO_CONFIG_PATH
from tests.kiosk.conftest import KioskServer
from tests.kiosk.harness import run_scenario, start_scenario

ROOT = Path(__file__).resolve().parent.parent
WINDOW = 3
SERVICE, SERVICE_NAME = "bdc_mortgage", "不动产抵押登记"


def scenario_kiosk(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from devices.escpos_reader import read_escpos
    from devices.printer.sim import SimTicketPrinter
    from kiosk.common.settings import KioskSettings
    from kiosk.ticketing.app import TicketKioskApp
    from queue_server.core.config import load_config

    printer = SimTicketPrinter(Path(ctx["out_dir"]) / "printer")
    app = TicketKioskApp(KioskSettings(server=ctx["url"], token=ctx["token"]), load_config(ctx["config"]), printer=printer)
    d = factory.start(app)
    d.wait_until(lambda: app.online, what="hall feed online")
    d.tap_text("取号", exact=True)
    d.wait_screen("departments")
    d.tap_text("不动产登记中心")
    d.wait_screen("services")
    d.tap_text(SERVICE_NAME)
    screen = d.wait_screen("ticket")
    d.shot("e2e-kiosk-ticket")
    doc = read_escpos(printer.jobs[-1])
    return {"shown": screen.number.text, "lines": doc.lines, "qr": doc.qr_payloads, "cuts": len(doc.cuts),
            "ticket": app.outcomes[-1].ticket}


def scenario_display(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.settings import KioskSettings
    from kiosk.display.app import HallDisplayApp
    from queue_server.core.config import load_config

    app = HallDisplayApp(KioskSettings(server=ctx["url"]), load_config(ctx["config"]))
    d = factory.start(app)
    board = d.wait_screen("board")
    d.wait_until(lambda: app.board.online and board.pages, what="snapshot")
    d.signal("online")
    number = ctx["number"]
    d.wait_until(lambda: app.flashing is not None and app.flashing.number == number and number in board.latest_text,
                 timeout=30, what="the call")
    d.shot("e2e-display-call")
    return {"latest": board.latest_text, "window_of_call": app.flashing.window}


def scenario_staff(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.settings import KioskSettings
    from kiosk.staff.app import StaffPanelApp
    from queue_server.core.config import load_config

    app = StaffPanelApp(KioskSettings(server=ctx["url"], window=WINDOW), load_config(ctx["config"]))
    d = factory.start(app)
    login = d.wait_screen("login")
    login.staff_no.text, login.password.text = "3001", "secret-3001"
    d.tap_text("登录")
    panel = d.wait_screen("panel")
    d.tap_text("叫号", exact=True)
    d.wait_until(lambda: panel.current.text == ctx["number"], what="the ticket called")
    d.shot("e2e-staff-called")
    d.signal("called")
    d.wait_go("finish")
    d.tap_text("办结", exact=True)
    d.wait_until(lambda: "已办结" in panel.message.text, what="finished")
    return {"message": panel.message.text}


def scenario_tablet(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.common.settings import KioskSettings
    from kiosk.review.app import ReviewTabletApp
    from queue_server.core.config import load_config

    app = ReviewTabletApp(KioskSettings(server=ctx["url"], token=ctx["token"], window=WINDOW), load_config(ctx["config"]))
    d = factory.start(app)
    d.wait_screen("idle")
    d.signal("idle")
    d.wait_screen("levels", timeout=30)
    d.tap_text("不满意", exact=True)
    d.wait_screen("reasons")
    d.tap_text("等候时间过长")
    d.tap_text("提交评价")
    thanks = d.wait_screen("thanks")
    d.shot("e2e-tablet-thanks")
    return {"thanks": thanks.heading.text}


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_citizens_visit(server_process, tmp_path: Path) -> None:
    server = KioskServer(server_process)
    server.add_staff("3001", "王芳", "secret-3001")
    admin, kiosk, tablet, agent = (server.token("admin"), server.token("kiosk"), server.token("tablet", WINDOW),
                                   server.token("agent"))
    # the device agent on the demo hall's simulated bus, screens and voice, with its files in this test's folder
    sim_dir = tmp_path / "sim"
    config = tmp_path / "hall.toml"
    config.write_text(DEMO_CONFIG_PATH.read_text("utf-8").replace('sim_dir = "var/demo"', f'sim_dir = "{sim_dir}"'), "utf-8")
    agent_log = tmp_path / "agent.log"
    with open(agent_log, "w") as log:
        agent_proc = subprocess.Popen([sys.executable, "-m", "queue_server", "devices", "--config", str(config),
                                       "--server", server.url, f"--token={agent}", "--simulate"],
                                      cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    shots = tmp_path / "shots"
    ctx = {"url": server.url, "config": str(config)}
    started: list = []
    try:
        _wait(lambda: any(d["source"].startswith("agent") for d in server.get("/api/health")["devices"]), 30,
              "the device agent's first report")

        kiosk_run = run_scenario(__file__, "scenario_kiosk", {**ctx, "role": "ticket", "token": kiosk}, shots)
        ticket = kiosk_run["ticket"]
        number = ticket["number"]
        assert kiosk_run["shown"] == number
        printed = "\n".join(kiosk_run["lines"])
        assert number in printed and SERVICE_NAME in printed and "示范县政务服务中心" in printed
        assert kiosk_run["qr"] == [ticket["status_url"]] and kiosk_run["cuts"] == 1

        display = start_scenario(__file__, "scenario_display", {**ctx, "role": "display", "number": number}, shots)
        tablet_run = start_scenario(__file__, "scenario_tablet", {**ctx, "role": "review", "token": tablet}, shots)
        started += [display, tablet_run]
        display.wait_for("online")
        tablet_run.wait_for("idle")
        staff = start_scenario(__file__, "scenario_staff", {**ctx, "role": "staff", "number": number}, shots)
        started.append(staff)
        staff.wait_for("called")

        seen = display.result()
        assert number in seen["latest"] and seen["window_of_call"] == WINDOW
        call_text = f"请{number}号到{WINDOW}号窗口"
        _wait(lambda: call_text in agent_log.read_text("utf-8"), 15, "the window screen to show the call")
        wav = _wait(lambda: next(iter((sim_dir / "voice").glob(f"call-*-{number}-w{WINDOW}.wav")), None), 15,
                    "the voice to speak the call")
        with wave.open(str(wav)) as spoken:
            assert spoken.getnframes() / spoken.getframerate() > 1.0

        staff.go("finish")
        assert "已办结" in staff.result()["message"]
        assert tablet_run.result()["thanks"]

        cases = server.get("/api/rectifications", admin)
        case = next(c for c in cases if c["ticket"] == number)
        assert case["window"] == WINDOW and case["level"] == "dissatisfied"
        opened = datetime.fromisoformat(case["opened_at"])
        callback_due, rectify_due = datetime.fromisoformat(case["callback_due"]), datetime.fromisoformat(case["rectify_due"])
        assert opened < callback_due < rectify_due
        assert (rectify_due - opened).days >= 15  # 15 working days is at least three calendar weeks
        day = server.get("/api/hall")["hall"]["business_day"]
        kpis = server.get(f"/api/kpis?from={day}&to={day}", admin)
        assert kpis["tickets"] == 1 and kpis["served"] == 1 and kpis["bad_rate"] == 1.0
        assert kpis["active_review_rate"] == 1.0
    finally:
        for run in started:
            run.stop()
        agent_proc.terminate()
        agent_proc.wait(timeout=15)
