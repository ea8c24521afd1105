"""Benchmark: drawing the ticket kiosk's department grid (取号 → 部门) and refreshing its waiting counts.

``python -m bench.kiosk_departments [--rounds 30]``, offscreen, in one process, no server: the real
``TicketKioskApp`` screens are filled from a made-up hall snapshot of the demo hall (30 services, 13 departments),
at the kiosk's half-size window, in normal and in 适老模式.

- grid shown: ``show_services()`` (a new grid: the tiles, the layout choice that measures each tile's text) and
  the frame that draws it;
- counts refreshed: what every hall event costs while the grid is on show (new counts, place kept) and its frame.

Baseline in the same run: the flat list the kiosk showed before (13 department captions and 30 service buttons in
one scrolling list), filled from the same snapshot and drawn. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from kiosk.common.headless import without_screen  # before anything imports Kivy

without_screen(os.environ)


def _summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):7.1f} ms   p90 {p90:7.1f} ms   (n={len(ms)})"


def _timed(rounds: int, step: Callable[[int], None], frame: Callable[[], None]) -> list[float]:
    times = []
    for i in range(rounds + 2):
        start = time.perf_counter()
        step(i)
        frame()
        if i >= 2:  # the first rounds warm caches (fonts, textures)
            times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> None:
    """Print the grid's draw and refresh times next to the old flat list's, in normal and elder mode."""
    parser = argparse.ArgumentParser(prog="python -m bench.kiosk_departments")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv or [])
    from kivy.config import Config

    Config.set("graphics", "width", "540")
    Config.set("graphics", "height", "960")
    from kivy.base import EventLoop
    from kivy.uix.gridlayout import GridLayout
    from kivy.uix.scrollview import ScrollView

    from kiosk.common import segmenter
    from kiosk.common.settings import KioskSettings
    from kiosk.common.theme import THEME
    from kiosk.common.widgets import BigButton, Caption
    from kiosk.ticketing.app import TicketKioskApp
    from kiosk.ticketing.screens import service_label
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    EventLoop.ensure_window()
    config = load_config(DEMO_CONFIG_PATH)
    # nothing listens on port 9: the kiosk stays offline, the screens are fed the made-up snapshot below
    app = TicketKioskApp(KioskSettings(server="http://127.0.0.1:9"), config)
    app.start_embedded()
    segmenter.wait_ready()  # the figures are for breaks by word, as once jieba is in
    rng = random.Random(7)

    def snapshot(_i: int) -> None:
        app.snapshot = {"services": [{"code": code, "waiting": rng.randint(0, 12), "estimated_wait_min":
                                      rng.randint(0, 60)} for code in config.services]}

    def frame() -> None:
        EventLoop.idle()

    def flat_list(i: int) -> None:
        snapshot(i)
        loads = app.loads()
        listing.clear_widgets()
        for dept_code, dept in config.departments.items():
            listing.add_widget(Caption(text=dept.name))
            for service in config.services.values():
                if service.department == dept_code:
                    listing.add_widget(BigButton(text=service_label(service.name, loads.get(service.code)),
                                                 scale_h=1.3))

    listing = GridLayout(cols=1, size_hint_y=None)
    listing.bind(minimum_height=listing.setter("height"))
    for elder in (False, True):
        THEME.elder = elder
        print(f"department grid at 540×960, {'适老模式' if elder else 'normal type'}")
        app.go_home()
        scroll = ScrollView()
        scroll.add_widget(listing)
        app.get_screen("home").add_widget(scroll)
        baseline = _timed(args.rounds, flat_list, frame)
        app.get_screen("home").remove_widget(scroll)
        scroll.remove_widget(listing)
        listing.clear_widgets()

        def grid_shown(i: int) -> None:
            snapshot(i)
            app.show_services()

        shown = _timed(args.rounds, grid_shown, frame)

        def refreshed(i: int) -> None:
            snapshot(i)
            app.get_screen("departments").show(None, app.loads(), keep_scroll=True)

        refresh = _timed(args.rounds, refreshed, frame)
        grid: Any = app.get_screen("departments").departments
        print(f"  {'baseline: old flat list':28s} {_summary(baseline)}")
        print(f"  {'grid shown (取号)':28s} {_summary(shown)}")
        print(f"  {'counts refreshed':28s} {_summary(refresh)}")
        if grid.tiles:
            print(f"  layout: {grid.grid.cols} columns, type {grid.tiles[0].font_size} px, "
                  f"{'scrolls' if grid.overflows else 'fits without scrolling'}")
        else:  # 适老模式 shows the departments as a one-column paged list instead of the grid
            print("  layout: one-column paged list (适老模式)")
    app.stop_embedded()


if __name__ == "__main__":
    main()
