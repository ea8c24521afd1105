"""The real ESC/POS printer over its file, serial (real pty) and network (real TCP) backends."""
from __future__ import annotations

import socket
import threading
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.escpos_reader import read_escpos
from devices.printer import PrinterError, TicketPrint
from devices.printer.emulator import EscposDeviceEmulator
from devices.printer.escpos import EscposTicketPrinter, open_connection, parse_status
from devices.printer.sim import SimTicketPrinter
from devices.sim_bus import SimSerialEnd

TICKET = TicketPrint("示范县政务服务中心", "企业设立登记", "B007", 2, 10, datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc),
                     ZoneInfo("Asia/Shanghai"), "http://127.0.0.1:8080/t/tok123", ["过号无效，请重新取号"])


def test_file_backend_writes_the_same_bytes_as_the_simulator(tmp_path: Path) -> None:
    out = tmp_path / "lp0"
    printer = EscposTicketPrinter.from_options("file", {"file": str(out), "width_mm": 58})
    assert printer.status().ok
    printer.print_ticket(TICKET)
    printer.close()
    data = out.read_bytes()
    assert data == SimTicketPrinter(width_mm=58).print_ticket(TICKET)
    printed = read_escpos(data)
    assert "B007" in printed.lines and printed.qr_payloads == ["http://127.0.0.1:8080/t/tok123"]


def test_status_bits() -> None:
    assert parse_status(0x12, 0x12, 0x12).ok
    assert parse_status(None, None, None).problem == "offline"
    assert parse_status(0x1A, 0x16, 0x12).problem == "cover_open"
    assert parse_status(0x1A, 0x32, 0x72).problem == "paper_out"
    assert parse_status(0x1A, 0x52, 0x12).problem == "error"


def test_unknown_connection_is_refused() -> None:
    with pytest.raises(ValueError, match="parallel"):
        open_connection("parallel", {})


def test_serial_printer_over_pty_reports_paper_out_and_cable_pull(tmp_path: Path) -> None:
    """GIVEN a serial printer on a real pty WHEN it runs out of paper THEN status and printing report paper_out;
    WHEN paper is loaded THEN the ticket arrives; WHEN the cable is pulled THEN offline; put back THEN it prints."""
    end = SimSerialEnd(tmp_path / "ttyPRN")
    end.plug()
    device = EscposDeviceEmulator(end.write)
    end.on_data(device.feed)
    printer = EscposTicketPrinter.from_options("serial", {"serial_port": str(end.path), "timeout": 0.5})
    try:
        assert printer.status().ok
        device.paper_out = True
        assert printer.status().problem == "paper_out"
        with pytest.raises(PrinterError) as caught:
            printer.print_ticket(TICKET)
        assert caught.value.problem == "paper_out"
        device.paper_out = False
        device.cover_open = True
        assert printer.status().problem == "cover_open"
        device.cover_open = False
        data = printer.print_ticket(TICKET)
        assert device.wait_for(len(data))
        assert bytes(device.received) == data
        end.pull()
        assert printer.status().problem == "offline"
        with pytest.raises(PrinterError) as caught:
            printer.print_ticket(TICKET)
        assert caught.value.problem == "offline"
        end.plug()
        device.received.clear()
        data = printer.print_ticket(TICKET)
        assert device.wait_for(len(data))
        assert "B007" in read_escpos(bytes(device.received)).lines
    finally:
        printer.close()
        end.pull()


def test_network_printer_over_tcp(tmp_path: Path) -> None:
    """GIVEN a printer on a TCP port (like port 9100) WHEN a ticket prints THEN it receives the ticket's bytes."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    devices: list[EscposDeviceEmulator] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            device = EscposDeviceEmulator(conn.sendall)
            devices.append(device)
            while chunk := conn.recv(65536):
                device.feed(chunk)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    printer = EscposTicketPrinter.from_options("network", {"host": "127.0.0.1", "port": port, "timeout": 2})
    try:
        assert printer.status().ok
        data = printer.print_ticket(TICKET)
        assert devices[0].wait_for(len(data))
        assert bytes(devices[0].received) == data
    finally:
        printer.close()
        thread.join(timeout=3)
        listener.close()


async def test_a_ticket_issued_by_the_server_prints_with_its_status_url(server) -> None:
    """GIVEN a ticket issued by the real server WHEN printed THEN the printout carries its number, the service's
    name, the wait, the hall-time issue time, the windows, the notice and a QR of the ticket's status URL."""
    import aiohttp

    from devices.printer.ticket import ticket_print_from_api

    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}/api/tickets", json={"service": "bdc_mortgage", "request_id": "p1",
                                                                 "priority": "elderly"},
                             headers=server.auth("kiosk")) as r:
            assert r.status == 201
            ticket = await r.json()
    from queue_server.keys import CONFIG

    config = server.app[CONFIG]
    printed = read_escpos(SimTicketPrinter().print_ticket(ticket_print_from_api(ticket, config)))
    assert ticket["number"] in printed.lines and "不动产抵押登记" in printed.lines
    assert printed.qr_payloads == [ticket["status_url"]]
    assert "【老年人（65周岁以上）】" in printed.lines
    assert "取号时间：2026-11-23 09:00:00" in printed.lines
    assert "办理窗口：1、2、3号窗口" in printed.lines
    assert all(line in printed.lines for line in config.hall.notice)
