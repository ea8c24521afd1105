"""``govhall kiosk --role ticket|review|staff|display``: start one of the kiosk apps on this machine.

Settings come from the hall config's ``[kiosk]`` section; ``--server``, ``--token`` and ``--window`` override it.
Kivy reads its window size at import time, so the window is configured here before any Kivy import.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

#: the device each role runs on, in pixels (width, height)
DEVICE_SIZES = {"ticket": (1080, 1920), "review": (1280, 800), "staff": (1280, 800), "display": (1920, 1080)}


def register(subparsers: Any) -> None:
    """Add the ``kiosk`` subcommand to ``govhall``."""
    parser = subparsers.add_parser("kiosk", help="run a kiosk app: ticket kiosk, review tablet, staff panel, display")
    parser.add_argument("--role", required=True, choices=sorted(DEVICE_SIZES))
    parser.add_argument("--config", type=Path, help="hall config (default: the demo hall)")
    parser.add_argument("--server", help="queue server URL (overrides [kiosk] server)")
    parser.add_argument("--token", help="device token (overrides [kiosk] token; or GOVHALL_KIOSK_TOKEN)")
    parser.add_argument("--window", type=int, help="window number (review tablet, staff panel)")
    parser.add_argument("--simulate", action="store_true", help="use the simulated ticket printer")
    parser.add_argument("--sim-dir", type=Path, help="where the simulated printer saves tickets (overrides [devices] sim_dir)")
    parser.add_argument("--scale", type=float, default=None,
                        help="window scale for a desktop (default 0.5, 1.0 with --fullscreen)")
    parser.add_argument("--fullscreen", action="store_true", default=None, help="full screen (hall machines)")
    parser.add_argument("--first-frame", action="store_true",
                        help="print 'first frame' once the window has drawn, then quit (smoke tests, benchmarks)")
    parser.set_defaults(func=run)


def configure_window(role: str, scale: float, fullscreen: bool) -> None:
    """Tell Kivy the window size before it creates the window."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    width, height = DEVICE_SIZES[role]
    Config.set("graphics", "width", str(int(width * scale)))
    Config.set("graphics", "height", str(int(height * scale)))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("kivy", "exit_on_escape", "0" if fullscreen else "1")


def build_app(role: str, settings: Any, config: Any, *, simulate: bool = False) -> Any:
    """The app object for ``role`` (not started)."""
    if role == "ticket":
        from kiosk.ticketing.app import TicketKioskApp

        return TicketKioskApp(settings, config, printer=_printer(settings, config, simulate))
    if role == "review":
        from kiosk.review.app import ReviewTabletApp

        return ReviewTabletApp(settings, config)
    if role == "staff":
        from kiosk.staff.app import StaffPanelApp

        return StaffPanelApp(settings, config)
    from kiosk.display.app import HallDisplayApp

    return HallDisplayApp(settings, config)


def _printer(settings: Any, config: Any, simulate: bool) -> Any:
    if settings.printer == "none":
        return None
    from devices.registry import printer_from_config

    return printer_from_config(config, simulate=simulate or settings.printer == "sim")


def run(args: argparse.Namespace) -> int:
    """Start the chosen app and run until its window closes."""
    from kiosk.common.settings import kiosk_settings
    from queue_server.core.commands import load_config_or_exit
    from queue_server.core.config import DEMO_CONFIG_PATH, ConfigError

    config = load_config_or_exit(args.config or DEMO_CONFIG_PATH)
    if args.sim_dir is not None:
        from devices.config import with_sim_dir

        config = with_sim_dir(config, args.sim_dir)
    try:  # a bad [kiosk] or [devices] section: say which field, as serve and devices do, not a traceback
        settings = kiosk_settings(config).with_overrides(
            server=args.server, token=args.token or os.environ.get("GOVHALL_KIOSK_TOKEN"), window=args.window,
            fullscreen=args.fullscreen)
        if args.role == "review" and settings.window not in config.windows:
            raise SystemExit("govhall kiosk --role review needs --window N (or [kiosk] window) of this hall")
        scale = args.scale if args.scale is not None else (1.0 if settings.fullscreen else 0.5)
        configure_window(args.role, scale, settings.fullscreen)
        app = build_app(args.role, settings, config, simulate=args.simulate)
    except ConfigError as exc:
        print(f"配置错误 (config error): {exc}", file=sys.stderr)
        return 2
    if args.first_frame:
        _quit_after_first_frame(app)
    app.run()
    return 0


def _quit_after_first_frame(app: Any) -> None:
    from kivy.clock import Clock
    from kivy.core.window import Window

    def _flipped(*_args: Any) -> None:
        Window.unbind(on_flip=_flipped)
        print("first frame", flush=True)
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    Window.bind(on_flip=_flipped)


def main(argv: list[str] | None = None) -> int:
    """``python -m kiosk --role …``: the same as ``govhall kiosk --role …``."""
    import logging
    import sys

    parser = argparse.ArgumentParser(prog="python -m kiosk")
    register(parser.add_subparsers())
    args = parser.parse_args(["kiosk", *(sys.argv[1:] if argv is None else argv)])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.func(args) or 0
