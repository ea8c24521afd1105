"""Ticket rendering time: from a TicketPrint to the ESC/POS bytes ready to send.

Baseline, measured in the same run: python-escpos' own ``Dummy`` printing the same ticket text with ``text()``,
a native QR and a cut (what a naive implementation would do, without Chinese mode, GBK or image fallback).
Run: ``python -m bench.ticket_render``.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from escpos.printer import Dummy

from devices.printer.document import TicketPrint, ticket_document
from devices.printer.sim import SimTicketPrinter

ROUNDS = 300
TICKET = TicketPrint("示范县政务服务中心", "不动产转移登记", "A023", 7, 35, datetime(2026, 11, 23, 1, 30, tzinfo=timezone.utc),
                     ZoneInfo("Asia/Shanghai"), "http://127.0.0.1:8080/t/3q9XbTz0c1", [
                         "请留意叫号，过号请到服务台重新排队（限一次）", "扫码查看排队进度，办结后请对本次服务评价"])


def measure(fn: Callable[[], bytes], rounds: int = ROUNDS) -> tuple[float, float, int]:
    """Median and 95th percentile in ms, and the size of one result."""
    size = len(fn())  # warm caches (fonts, profiles)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], size


def baseline_escpos_text() -> bytes:
    """python-escpos alone: the same lines through ``text()``, a native QR, a cut."""
    d = Dummy()
    for line in ticket_document(TICKET, 80).text():
        d.text(line + "\n")
    d.qr(TICKET.status_url, size=6, native=True)
    d.cut(mode="PART")
    return d.output


def main() -> None:
    """Print the figures."""
    native = SimTicketPrinter(width_mm=80)
    raster = SimTicketPrinter(width_mm=58, native_qr=False)
    rare = SimTicketPrinter(width_mm=80)
    rare_ticket = TicketPrint(**{**TICKET.__dict__, "window_hint": "王㑇明专窗"})
    rows = [
        ("baseline: python-escpos Dummy text()+qr+cut", measure(baseline_escpos_text)),
        ("ticket 80 mm, native QR", measure(lambda: native.render(ticket_document(TICKET, 80)))),
        ("ticket 58 mm, raster QR", measure(lambda: raster.render(ticket_document(TICKET, 58)))),
        ("ticket 80 mm, a line with 㑇 as image", measure(lambda: rare.render(ticket_document(rare_ticket, 80)))),
    ]
    print(f"ticket rendering, {ROUNDS} rounds each (bytes ready to send; aim < 10 ms)")
    print(f"{'case':48} {'median ms':>10} {'p95 ms':>8} {'bytes':>7}")
    for name, (median, p95, size) in rows:
        print(f"{name:48} {median:10.3f} {p95:8.3f} {size:7d}")


if __name__ == "__main__":
    main()
