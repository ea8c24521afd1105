"""``govhall demo``: bring up the whole demo hall; with no screen (or ``--headless``) play a busy morning and exit."""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit

from queue_server.core.commands import add_config_arguments, load_config_or_exit
from queue_server.demo.layout import plan, side_by_side, this_desktop, wait_for_window
from queue_server.demo.supervisor import (DEMO_PASSWORD, STOP_SIGNALS, Processes, ending, has_screen, port_is_free,
                                          prepare, stop_on_signals, wait_for_port)

DEMO_DIR = Path("var") / "demo"


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser("demo", help="the whole demo hall on this machine (server, simulated devices, kiosks)")
    add_config_arguments(demo, db=False)
    demo.add_argument("--dir", type=Path, default=DEMO_DIR, help=f"the demo's database and logs (default: {DEMO_DIR})")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--headless", action="store_true",
                      help="play a scripted busy morning and exit (automatic when there is no screen)")
    demo.add_argument("--citizens", type=int, default=48, help="citizens in the scripted morning (default 48)")
    demo.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from devices.config import with_sim_dir

    # Everything the demo makes (tickets, WAVs, pseudo-terminals, logs, database) lands under --dir.
    config = with_sim_dir(load_config_or_exit(args.config), args.dir)
    if not port_is_free(args.host, args.port):
        print(f"端口 {args.port} 已被占用：用 --port 换一个，或先停止占用它的程序", file=sys.stderr)
        return 2
    args.dir.mkdir(parents=True, exist_ok=True)
    db_path = args.dir / "govhall.db"
    tokens = prepare(config, db_path)
    processes = Processes(args.dir, args.config)
    headless = args.headless or not has_screen()
    # Every way out (Ctrl-C, SIGTERM, SIGHUP, a closed window, a failed child) goes through the same finally.
    with stop_on_signals() as stop:
        try:
            return _run_demo(processes, config, args, db_path, tokens, headless)
        except KeyboardInterrupt:
            say(f"收到 {stop.name}，正在停止演示 …")
            return 0
        except RuntimeError as exc:
            say(f"演示无法启动：{exc}", err=True)
            return 1
        finally:
            for signum in STOP_SIGNALS:  # a second signal must not cut the cleanup short: we are ending anyway
                signal.signal(signum, signal.SIG_IGN)
            for line in processes.stop():
                say(line)
            say("演示已结束，它启动的进程都已停止。")


def _run_demo(processes: Processes, config, args: argparse.Namespace, db_path: Path, tokens, headless: bool) -> int:
    url = f"http://{args.host}:{args.port}"
    processes.start("server", "serve", "--config", str(args.config), "--db", str(db_path), "--host", args.host,
                    "--port", str(args.port), "--open-all-hours",
                    "--public-url", demo_public_url(config.hall.public_url, url), label="排队服务")
    wait_for_port(args.host, args.port, processes)
    processes.start("devices", "devices", "--config", str(args.config), "--server", url, f"--token={tokens.agent}",
                    "--simulate", "--sim-dir", str(args.dir), label="设备代理")
    print(f"{config.hall.name} 演示大厅已启动：{url}/admin （管理员 工号 admin，密码 {DEMO_PASSWORD}）", flush=True)
    if headless:
        from queue_server.demo.summary import play_and_report

        return play_and_report(config, url, tokens, processes, args)
    _start_kiosks(processes, args, url, tokens)
    print("取号机、综合屏、1号窗口的呼叫器和评价器已打开。关闭任一窗口或按 Ctrl-C 结束演示。", flush=True)
    child = processes.watch()
    say(ending(child), err=child.proc.returncode != 0)
    return 0 if child.has_window and child.proc.returncode == 0 else 1


def say(text: str, *, err: bool = False) -> None:
    """Print a line, even when the terminal is gone (closing it is one way the demo ends): then print nothing."""
    stream = sys.stderr if err else sys.stdout
    try:
        print(text, file=stream, flush=True)
    except OSError:
        # the terminal hung up: send this and any later output nowhere, so the stop is not cut short and
        # the exit is not reported as a failure to flush
        sys.stdout = sys.stderr = open(os.devnull, "w")


def demo_public_url(configured: str, url: str) -> str:
    """The address the demo's QR codes point to: the hall's own public address, unless it is a loopback address
    (as in the demo hall), which is then the port this demo really listens on."""
    host = urlsplit(configured).hostname or ""
    return url if host in ("127.0.0.1", "localhost", "::1") else configured


#: the apps the desktop demo opens: (child name, role, what the hall calls it)
KIOSKS = (("kiosk-ticket", "ticket", "取号机"), ("kiosk-display", "display", "综合屏"),
          ("kiosk-staff", "staff", "1号窗口呼叫器"), ("kiosk-review", "review", "1号窗口评价器"))


def _start_kiosks(processes: Processes, args: argparse.Namespace, url: str, tokens) -> None:
    """Open the four apps, each placed on this desktop so that none covers another (see :mod:`.layout`)."""
    per_role = {"ticket": ["--simulate", "--sim-dir", str(args.dir), f"--token={tokens.kiosk}"],
                "display": [f"--token={tokens.display}"], "staff": ["--window", "1"],
                "review": ["--window", "1", f"--token={tokens.tablets[1]}"]}
    desk = this_desktop()
    overlapping = side_by_side(desk) is None
    places = plan(desk)
    for name, role, label in KIOSKS:
        place = places[role]
        processes.start(name, "kiosk", "--role", role, *per_role[role], "--config", str(args.config), "--server", url,
                        *place.args(), env=place.env(), label=label, has_window=True)
        if overlapping:  # a cascade: one after another, so each lies on the one before (see wait_for_window)
            wait_for_window(label)
