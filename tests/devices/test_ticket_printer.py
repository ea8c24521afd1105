"""Tickets printed through the real ESC/POS rendering and read back by the ESC/POS reader."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from devices.escpos_reader import EscposDecodeError, read_escpos
from devices.printer import QR, Line, PrintDocument, PrinterError, Rule, TicketPrint, ticket_document
from devices.printer.render import PAPER_DOTS, text_columns
from devices.printer.sim import SimTicketPrinter

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATUS_URL = "https://hall.example.gov.cn/t/9f3c2b7a"


def make_ticket(**changes: object) -> TicketPrint:
    fields: dict[str, object] = dict(
        hall_name="某某县政务服务中心",
        service_name="不动产登记",
        number="A001",
        ahead=3,
        estimated_wait_min=15,
        issued_at=datetime(2026, 11, 23, 1, 5, 30, tzinfo=timezone.utc),
        tz=SHANGHAI,
        status_url=STATUS_URL,
        notice=["过号无效，请重新取号", "监督电话：0731-12345678"],
    )
    fields.update(changes)
    return TicketPrint(**fields)  # type: ignore[arg-type]


def test_ticket_reads_back_with_number_service_wait_time_and_qr() -> None:
    """GIVEN an 80 mm simulated printer WHEN a ticket prints THEN the reader finds everything a ticket states."""
    printer = SimTicketPrinter(width_mm=80)
    data = printer.print_ticket(make_ticket())
    printed = read_escpos(data)

    assert printer.jobs == [data]
    assert printed.chinese_mode, "FS & must switch the printer to Chinese mode"
    assert data.count(b"\x1c&") == 1
    lines = printed.lines
    assert "某某县政务服务中心" in lines
    assert "不动产登记" in lines
    assert "前面还有3人等候" in lines
    assert "预计等候约15分钟" in lines
    assert "取号时间：2026-11-23 09:05:30" in lines, "time is printed in the hall's time zone"
    assert "过号无效，请重新取号" in lines and "监督电话：0731-12345678" in lines
    number = next(i for i in printed.items if getattr(i, "text", None) == "A001")
    assert number.width == number.height == 4 and number.bold and number.align == "center"
    assert printed.qr_payloads == [STATUS_URL]
    assert [c.partial for c in printed.cuts] == [True]
    assert "?" not in printed.text
    assert printed.images == []


def test_ticket_optional_lines() -> None:
    """GIVEN no estimate but a priority and a window hint WHEN laid out THEN the lines follow."""
    doc = ticket_document(make_ticket(estimated_wait_min=None, priority_label="老年人", window_hint="3号、5号窗口"))
    text = doc.text()
    assert not any(t.startswith("预计等候") for t in text)
    assert "【老年人】" in text and "办理窗口：3号、5号窗口" in text
    with pytest.raises(ValueError):
        make_ticket(issued_at=datetime(2026, 11, 23, 9, 0))
    with pytest.raises(ValueError):
        ticket_document(make_ticket(), width_mm=76)


def test_58mm_ticket_fits_the_paper() -> None:
    """GIVEN 58 mm paper and a long notice WHEN printed THEN no printed line is wider than 32 columns."""
    long_notice = "请妥善保管本票据，过号无效，请重新取号；如需帮助请到导办台咨询工作人员，谢谢合作！"
    printer = SimTicketPrinter(width_mm=58)
    printed = read_escpos(printer.print_ticket(make_ticket(notice=[long_notice])))
    for item in printed.items:
        if hasattr(item, "text"):
            assert text_columns(item.text) * item.width <= 32, item
    assert "".join(printed.lines).count("请妥善保管本票据") == 1
    assert long_notice in "".join(printed.lines)
    assert printed.qr_payloads == [STATUS_URL]


def test_rare_character_prints_as_image_not_question_mark() -> None:
    """GIVEN a name with 㑇 (not in GBK) and full-width signs WHEN printed THEN 㑇's line is an image, the rest text."""
    printer = SimTicketPrinter(width_mm=80)
    doc = PrintDocument([Line("申请人：王㑇明", bold=True), Line("费用：￥0（免费）"), Rule()])
    printed = read_escpos(printer.print_document(doc))
    assert "?" not in printed.text
    assert "费用：￥0（免费）" in printed.lines
    assert not any("王" in line for line in printed.lines)
    assert len(printed.images) == 1
    img = printed.images[0].convert("L")
    assert img.width == PAPER_DOTS[80]
    dark = img.histogram()[:128]
    dark = sum(dark)
    assert dark > 200, "the image actually holds the drawn characters"


def test_raster_qr_scans_back_to_the_status_url() -> None:
    """GIVEN a printer without native QR WHEN a ticket prints THEN the QR image scans to the status URL."""
    printer = SimTicketPrinter(width_mm=58, native_qr=False)
    printed = read_escpos(printer.print_ticket(make_ticket()))
    assert printed.qr_payloads == []
    assert printed.scan_images() == [STATUS_URL]


def test_no_cutter_feeds_instead_of_cutting() -> None:
    printer = SimTicketPrinter(width_mm=80, cutter=False)
    printed = read_escpos(printer.print_ticket(make_ticket()))
    assert printed.cuts == []
    assert printed.lines[-1] == ""


def test_fault_injection_reports_and_blocks_printing() -> None:
    """GIVEN paper out WHEN a ticket prints THEN PrinterError(paper_out) in Chinese, nothing printed; cleared THEN prints."""
    printer = SimTicketPrinter()
    printer.inject_fault("paper_out")
    status = printer.status()
    assert not status.ok and status.problem == "paper_out" and "缺纸" in status.message
    with pytest.raises(PrinterError) as caught:
        printer.print_ticket(make_ticket())
    assert caught.value.problem == "paper_out" and "缺纸" in caught.value.message
    assert printer.jobs == []
    for problem in ("cover_open", "offline", "error"):
        printer.inject_fault(problem)
        assert printer.status().problem == problem
    with pytest.raises(ValueError):
        printer.inject_fault("on_fire")
    printer.clear_fault()
    assert printer.status().ok
    printer.print_ticket(make_ticket())
    assert len(printer.jobs) == 1


def test_output_dir_keeps_bin_and_png_preview(tmp_path: Path) -> None:
    printer = SimTicketPrinter(output_dir=tmp_path / "out", width_mm=58)
    printer.print_ticket(make_ticket(number="B012"))
    printer.print_ticket(make_ticket(number="B013"))
    bins = sorted((tmp_path / "out").glob("*.bin"))
    pngs = sorted((tmp_path / "out").glob("*.png"))
    assert [p.name for p in bins] == ["ticket-0001.bin", "ticket-0002.bin"]
    assert len(pngs) == 2
    assert "B013" in read_escpos(bins[1].read_bytes()).lines
    with Image.open(pngs[0]) as preview:
        assert preview.width == PAPER_DOTS[58] and preview.height > 400


def test_reader_rejects_unknown_and_truncated_commands() -> None:
    with pytest.raises(EscposDecodeError):
        read_escpos(b"\x1b@\x1b\x7f")
    with pytest.raises(EscposDecodeError):
        read_escpos(b"\x1dv0\x00\x02\x00\x05\x00\xff")
    assert read_escpos(b"\x1b@\x1c&\xc4\xe3\xba\xc3\n").lines == ["你好"]


def test_block_validation() -> None:
    with pytest.raises(ValueError):
        Line("x", size="giant")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        QR("x", size=0)


def test_importing_the_printer_leaves_logging_alone() -> None:
    """python-escpos configures the root logger on import; our package takes that back (a fresh interpreter)."""
    import subprocess
    import sys

    code = "import logging, devices.printer.escpos; print(len(logging.getLogger().handlers))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip() == "0"


def test_reader_understands_python_escpos_own_output() -> None:
    """GIVEN bytes from python-escpos' own API (styles, native QR, raster and graphics images, a barcode, cuts)
    WHEN read THEN text, styles, QR payload, both images and both cuts come back."""
    from escpos.printer import Dummy

    d = Dummy()
    d.set(align="center", bold=True, double_height=True, double_width=True)
    d.text("Hello\n")
    d.set_with_default()
    d.qr("payload-1", native=True)
    square = Image.new("1", (64, 32), 0)
    d.image(square, impl="graphics")
    d.image(square)
    d.barcode("123456789012", "EAN13")
    d.cut()
    d.cut(mode="PART")
    printed = read_escpos(d.output)
    hello = printed.items[0]
    assert (hello.text, hello.width, hello.height, hello.bold, hello.align) == ("Hello", 2, 2, True, "center")
    assert printed.qr_payloads == ["payload-1"]
    assert [img.size for img in printed.images] == [(64, 32), (64, 32)]
    assert all(img.convert("L").getextrema() == (0, 0) for img in printed.images), "black squares stay black"
    assert [c.partial for c in printed.cuts] == [False, True]


def test_nobody_ahead_reads_as_such_not_as_zero_people() -> None:
    """GIVEN a ticket with nobody ahead and an estimate under a minute WHEN it prints THEN it says so in words."""
    lines = read_escpos(SimTicketPrinter(width_mm=58).print_ticket(make_ticket(ahead=0, estimated_wait_min=0))).lines
    assert "前面没有人等候" in lines and "预计等候不到1分钟" in lines
    assert not any("前面还有0人" in line or "约0分钟" in line for line in lines)
