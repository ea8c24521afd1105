"""``govhall demo``: bring up the whole demo hall; with no screen (or ``--headless``) play a busy morning and exit."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from queue_server.core.commands import add_config_arguments, load_config_or_exit
from queue_server.demo.supervisor import DEMO_PASSWORD, Processes, has_screen, port_is_free, prepare, wait_for_port

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
    url = f"http://{args.host}:{args.port}"
    processes = Processes(args.dir, args.config)
    headless = args.headless or not has_screen()
    try:
        processes.start("server", "serve", "--config", str(args.config), "--db", str(db_path), "--host", args.host,
                        "--port", str(args.port), "--open-all-hours",
                        "--public-url", demo_public_url(config.hall.public_url, url))
        wait_for_port(args.host, args.port, processes)
        processes.start("devices", "devices", "--config", str(args.config), "--server", url, f"--token={tokens.agent}",
                        "--simulate", "--sim-dir", str(args.dir))
        print(f"{config.hall.name} 演示大厅已启动：{url}/admin （管理员 工号 admin，密码 {DEMO_PASSWORD}）", flush=True)
        if headless:
            from queue_server.demo.summary import play_and_report

            return play_and_report(config, url, tokens, processes, args)
        _start_kiosks(processes, args, url, tokens)
        print("取号机、综合屏、1号窗口的呼叫器和评价器已打开。按 Ctrl-C 结束演示。", flush=True)
        while True:
            problem = processes.check()
            if problem:
                print(problem, file=sys.stderr)
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        print(f"演示无法启动：{exc}", file=sys.stderr)
        return 1
    finally:
        processes.stop()


def demo_public_url(configured: str, url: str) -> str:
    """The address the demo's QR codes point to: the hall's own public address, unless it is a loopback address
    (as in the demo hall), which is then the port this demo really listens on."""
    host = urlsplit(configured).hostname or ""
    return url if host in ("127.0.0.1", "localhost", "::1") else configured


def _start_kiosks(processes: Processes, args: argparse.Namespace, url: str, tokens) -> None:
    common = ["--config", str(args.config), "--server", url]
    processes.start("kiosk-ticket", "kiosk", "--role", "ticket", "--simulate", "--sim-dir", str(args.dir),
                    f"--token={tokens.kiosk}", *common)
    processes.start("kiosk-display", "kiosk", "--role", "display", f"--token={tokens.display}", *common)
    processes.start("kiosk-staff", "kiosk", "--role", "staff", "--window", "1", *common)
    processes.start("kiosk-review", "kiosk", "--role", "review", "--window", "1", f"--token={tokens.tablets[1]}", *common)


