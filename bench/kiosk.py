"""Benchmark: kiosk cold start to the first frame, and a tap on a service to ticket bytes at the printer.

``python -m bench.kiosk [--starts 5] [--taps 30]``, offscreen (no screen needed).

1. Cold start: ``python -m kiosk --role R --first-frame`` for the ticket kiosk and the hall display, from process
   spawn to the first drawn frame. Baseline in the same run: a bare Kivy process drawing one label.
2. Tap to ticket: the real ticket kiosk app (offscreen, simulated printer) against a local ``govhall serve``; from
   a simulated touch on a service button to the ESC/POS bytes handed to the printer (printer check, the server's
   ``POST /api/tickets`` with its fsync, rendering, the print). Baseline in the same run: the bare
   ``POST /api/tickets`` round trip from the same client. Figures are printed, never asserted (aim: < 300 ms).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kiosk.common.headless import without_screen  # noqa: E402 - before anything imports Kivy

without_screen(os.environ)

from bench.support import ROOT, Process, free_port, govhall  # noqa: E402

BARE_KIVY = """
from kivy.config import Config
Config.set("graphics", "width", "540"); Config.set("graphics", "height", "960")
from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.label import Label
class Bare(App):
    def load_kv(self, filename=None):
        return None
    def build(self):
        def flipped(*_):
            Window.unbind(on_flip=flipped)
            print("first frame", flush=True)
            Clock.schedule_once(lambda _dt: self.stop(), 0)
        Window.bind(on_flip=flipped)
        return Label(text="hello")
Bare().run()
"""


def _first_frame(args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("first frame"):
            elapsed = time.perf_counter() - start
            break
    else:
        raise RuntimeError(f"{args} never drew a frame")
    proc.wait(timeout=30)
    return elapsed


def _summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):7.1f} ms   p90 {p90:7.1f} ms   (n={len(ms)})"


def cold_starts(n: int) -> None:
    """Spawn-to-first-frame times."""
    print("cold start to first frame (offscreen, spawn → first drawn frame)")
    rows = [("baseline: bare Kivy label", ["-c", BARE_KIVY]),
            ("ticket kiosk", ["-m", "kiosk", "--role", "ticket", "--first-frame", "--server", "http://127.0.0.1:9",
                              "--simulate"]),
            ("hall display", ["-m", "kiosk", "--role", "display", "--first-frame", "--server",
                              "http://127.0.0.1:9"])]
    for name, args in rows:
        _first_frame(args)  # warm the OS file cache once
        print(f"  {name:28s} {_summary([_first_frame(args) for _ in range(n)])}")


def tap_to_ticket(n: int) -> None:
    """Tap on a service → ESC/POS bytes at the simulated printer, against a local server."""
    from kivy.config import Config

    Config.set("graphics", "width", "540")
    Config.set("graphics", "height", "960")
    from kivy.base import EventLoop
    from kivy.tests.common import UnitTestTouch

    from devices.printer.sim import SimTicketPrinter
    from kiosk.common import segmenter
    from kiosk.common.api import ApiClient
    from kiosk.common.settings import KioskSettings
    from kiosk.ticketing.app import TicketKioskApp
    from queue_server.app import open_database
    from queue_server.core.clock import SystemClock
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config
    from queue_server.web.auth import create_token

    workdir = Path(tempfile.mkdtemp(prefix="govhall-bench-kiosk-"))
    db_path = workdir / "hall.db"
    port = free_port()
    server = Process(govhall("serve", "--db", str(db_path), "--port", str(port), "--open-all-hours"), port)
    try:
        db = open_database(db_path)
        token = create_token(db, SystemClock(), "kiosk")
        db.close()
        config = load_config(DEMO_CONFIG_PATH)
        EventLoop.ensure_window()
        printer = SimTicketPrinter(None)
        sent: list[float] = []
        send = printer._send

        def timed_send(data: bytes) -> None:
            send(data)
            sent.append(time.perf_counter())

        printer._send = timed_send  # type: ignore[method-assign]
        app = TicketKioskApp(KioskSettings(server=server.url, token=token), config, printer=printer)
        app.start_embedded()
        segmenter.wait_ready()  # the figures are for breaks by word, as once jieba is in
        for _ in range(5):
            EventLoop.idle()
        taps: list[float] = []
        for i in range(n + 2):
            app.show_department("bdc")  # 取号 → 不动产登记中心: its services
            for _ in range(3):
                EventLoop.idle()
            screen = app.get_screen("services")
            button = next(b for b in screen.list.items if b.text.startswith("不动产登记资料查询"))
            x, y = button.to_window(*button.center)
            touch = UnitTestTouch(x, y)
            before = len(sent)
            start = time.perf_counter()
            touch.touch_down()
            EventLoop.idle()
            touch.touch_up()
            while len(sent) == before:
                EventLoop.idle()
                if time.perf_counter() - start > 10:
                    raise RuntimeError("no ticket printed")
            if i >= 2:  # the first taps warm up connections and caches
                taps.append(sent[-1] - start)
            while app.screens.current != "ticket":
                EventLoop.idle()
        client = ApiClient(server.url, token, deliver=lambda fn: fn())
        rounds = []
        for i in range(n):
            start = time.perf_counter()
            result = client.call_sync("POST", "/api/tickets", json_body={"service": "bdc_query",
                                                                          "request_id": f"bench-{i}"})
            rounds.append(time.perf_counter() - start)
            assert result.status == 201, result
        client.close()
        app.stop_embedded()
        print("tap on a service → ticket bytes at the printer (local server, synchronous=FULL)")
        print(f"  {'baseline: POST /api/tickets':28s} {_summary(rounds)}")
        print(f"  {'tap → printer bytes':28s} {_summary(taps)}")
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.kiosk")
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--taps", type=int, default=30)
    args = parser.parse_args(argv if argv is not None else [])
    cold_starts(args.starts)
    tap_to_ticket(args.taps)


if __name__ == "__main__":
    main(sys.argv[1:])
    os._exit(0)  # Kivy's exit handlers expect its own main loop
