"""Ticket kiosk (取号机) against a real ``govhall serve`` on loopback, driven by simulated touches offscreen.

Each ``scenario_*`` runs inside its own process (one Kivy window per process, see ``harness.py``) with the
simulated printer; each ``test_*`` starts the server, runs the scenario and checks the server's and printer's side.
"""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from tests.kiosk.harness import run_scenario

SERVICE = "bdc_transfer"
SERVICE_NAME = "不动产转移登记"


def _ticket_app(ctx: dict[str, Any], fault: str | None = None):
    from devices.printer.sim import SimTicketPrinter
    from kiosk.common.settings import KioskSettings
    from kiosk.ticketing.app import TicketKioskApp
    from queue_server.config import DEMO_CONFIG_PATH, load_config

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
    d.wait_screen("services")
    d.wait_until(lambda: "等候" in d.find_button(SERVICE_NAME).text, what="waiting counts")
    d.shot("ticket-services")
    d.tap_text(SERVICE_NAME)
    screen = d.wait_screen("ticket")
    d.shot("ticket-issued")
    shown = {"number": screen.number.text, "ahead": screen.ahead.text, "qr": screen.qr.data,
             "status": screen.status.text}
    d.tap_text("完成")
    d.wait_screen("home")
    # 绿色通道: category, service, confirm
    d.tap_text("取号", exact=True)
    d.wait_screen("services")
    d.tap_text("绿色通道")
    d.wait_screen("priority")
    d.shot("ticket-priority")
    d.tap_text("残疾人")
    d.wait_screen("services")
    d.tap_text(SERVICE_NAME)
    d.wait_screen("confirm")
    d.shot("ticket-confirm")
    d.tap_text("确认取号")
    priority_screen = d.wait_screen("ticket")
    priority = {"number": priority_screen.number.text, "ahead": priority_screen.ahead.text}
    return {"shown": shown, "priority": priority, "printed": _decoded(printer),
            "outcomes": [o.ticket for o in app.outcomes], "shots": d.shots}


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def test_take_number_prints_the_recorded_ticket(server_process, shots: Path) -> None:
    """GIVEN the demo hall WHEN a citizen taps 取号 then a service THEN the server's ticket is printed and shown."""
    token = server_process.token("kiosk")
    result = run_scenario(__file__, "scenario_take_number", {"role": "ticket", "url": server_process.url,
                                                              "token": token}, shots)
    first, second = result["outcomes"]
    assert result["shown"]["number"] == first["number"] == "A001"
    assert result["shown"]["qr"] == first["status_url"]
    assert "前面还有 0 人等候" in result["shown"]["ahead"]
    assert "请取走号票" in result["shown"]["status"]
    # the printer got both tickets, with the number, the service and the status page as a QR code
    assert len(result["printed"]) == 2
    ticket = result["printed"][0]
    assert "A001" in ticket["lines"] and any(SERVICE_NAME in line for line in ticket["lines"])
    assert ticket["qr"] == [first["status_url"]]
    assert any("残疾人" in line for line in result["printed"][1]["lines"])
    # the server recorded exactly what was shown: the status page of the shown token answers with that number
    token_part = first["status_url"].rstrip("/").rsplit("/", 1)[-1]
    status = _get(f"{server_process.url}/api/tickets/{token_part}")
    assert status["number"] == "A001" and status["status"] == "waiting"
    assert second["priority"] == "disabled" and second["number"] == result["priority"]["number"] == "A002"
    for name in ("ticket-home", "ticket-services", "ticket-issued", "ticket-priority", "ticket-confirm"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
