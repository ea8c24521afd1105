"""Starts and stops the demo hall's processes: each part runs as its own ``govhall`` command, as in a real hall."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from queue_server.app import open_database
from queue_server.core.clock import SystemClock
from queue_server.core.config import HallConfig
from queue_server.web.auth import add_staff, create_token

DEMO_PASSWORD = "govhall-demo"
#: demo staff accounts: (工号, name)
DEMO_STAFF = [(f"10{i:02d}", name) for i, name in enumerate(
    ["张晓明", "李静", "王磊", "赵敏", "刘洋", "陈红", "杨帆", "黄蕾", "周强", "吴娟", "徐鹏", "孙丽", "马超", "朱琳", "胡斌", "郭燕"], 1)]


@dataclass
class DemoTokens:
    """Tokens the demo's processes and script use."""

    kiosk: str
    agent: str
    admin: str
    display: str
    tablets: dict[int, str] = field(default_factory=dict)


def has_screen() -> bool:
    """A desktop session this process can open windows on."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def prepare(config: HallConfig, db_path: Path) -> DemoTokens:
    """Create the database (migrated), demo staff accounts and the devices' tokens."""
    db = open_database(db_path)
    clock = SystemClock()
    try:
        if not db.execute("select 1 from staff where staff_no = 'admin'").fetchone():
            add_staff(db, clock, "admin", "大厅管理员", "admin", DEMO_PASSWORD)
            for staff_no, name in DEMO_STAFF:
                add_staff(db, clock, staff_no, name, "staff", DEMO_PASSWORD)
        tablets = {n: create_token(db, clock, "tablet", n, name=f"{n}号窗口评价器") for n in config.windows}
        return DemoTokens(
            kiosk=create_token(db, clock, "kiosk", name="演示取号机"),
            agent=create_token(db, clock, "agent", name="演示设备代理"),
            admin=create_token(db, clock, "admin", name="演示脚本"),
            display=create_token(db, clock, "display", name="演示综合屏"),
            tablets=tablets,
        )
    finally:
        db.close()


class Processes:
    """The demo's child processes, each logging to its own file under the demo folder."""

    def __init__(self, workdir: Path, config_path: Path) -> None:
        self.workdir = workdir
        self.config_path = config_path
        self.children: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log_path = self.workdir / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            proc = subprocess.Popen([sys.executable, "-m", "queue_server", *args], stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.children.append((name, proc, log_path))
        return proc

    def check(self) -> str | None:
        """The name and log of a child that has died, if any."""
        for name, proc, log_path in self.children:
            if proc.poll() is not None:
                return f"{name} 已退出（exit {proc.returncode}），日志：{log_path}"
        return None

    def stop(self) -> None:
        """SIGTERM every child (newest first), then SIGKILL what lingers."""
        for _, proc, _ in reversed(self.children):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, proc, _ in self.children:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for_port(host: str, port: int, processes: Processes, seconds: float = 60) -> None:
    """Block until the server accepts connections, or fail with the reason."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        problem = processes.check()
        if problem:
            raise RuntimeError(problem)
        try:
            with socket.create_connection((host, port), timeout=0.3):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"服务在 {seconds:.0f} 秒内没有启动")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True
