"""How the demo's processes end: a child that fails on its own is reported in Chinese with its log's last lines and
the rest are stopped; a closed app window ends the demo normally; killing the demo outright (SIGKILL) still takes
its children with it; SIGTERM in the middle of the scripted morning stops everything. And where the windows go."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

import pytest

from kiosk.common.headless import without_screen
from queue_server.demo.layout import GAP, ROLES, Desktop, cascade, plan, this_desktop
from queue_server.demo.supervisor import Processes, ending, port_is_free, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
Box = tuple[int, int, int, int]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
    except (FileNotFoundError, IndexError):
        return False


def _frames(desk: Desktop) -> dict[str, tuple[Box, Box]]:
    """Each window's (whole frame with its title bar, title bar alone) as (x, y, w, h); a window manager puts the
    frame's corner where the app asks."""
    frames = {}
    for role, place in plan(desk).items():
        w, h = place.size
        frames[role] = ((place.left, place.top, w, desk.decoration + h), (place.left, place.top, w, desk.decoration))
    return frames


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _inside(box: Box, desk: Desktop) -> bool:
    return (desk.left <= box[0] and desk.top <= box[1] and box[0] + box[2] <= desk.left + desk.width
            and box[1] + box[3] <= desk.top + desk.height)


@pytest.mark.parametrize("desk", [Desktop(0, 0, 1920, 1080), Desktop(0, 32, 1920, 1048, decoration=40),
                                  Desktop(1920, 0, 2560, 1400, decoration=40), Desktop(0, 0, 1600, 900, decoration=40)],
                         ids=["bare-1080p", "gnome-1080p", "second-monitor-1440p", "1600x900"])
def test_side_by_side_frames_fit_and_none_covers_another(desk: Desktop) -> None:
    frames = _frames(desk)
    scales = {place.scale for place in plan(desk).values()}
    assert len(scales) == 1 and min(scales) >= 0.4, scales  # one scale: the devices compare in size as in the hall
    for role, (frame, _) in frames.items():
        assert _inside(frame, desk), (role, frame)
    for a, b in combinations(ROLES, 2):
        assert not _overlap(frames[a][0], frames[b][0]), (a, frames[a][0], b, frames[b][0])
    kiosk, display, staff, review = (frames[r][0] for r in ROLES)
    assert kiosk[0] + kiosk[2] <= display[0] and display[1] + display[3] <= min(staff[1], review[1])
    assert staff[0] + staff[2] <= review[0]


def test_a_small_screen_gets_a_cascade_with_every_title_bar_in_sight() -> None:
    desk = Desktop(0, 0, 1366, 768, decoration=40)
    frames = _frames(desk)
    assert plan(desk) == cascade(desk)
    for role, (frame, _) in frames.items():
        assert _inside(frame, desk), (role, frame)
    for earlier, later in combinations(ROLES, 2):  # later windows lie on top: they must leave earlier titles free
        assert not _overlap(frames[later][0], frames[earlier][1]), (later, earlier)
    assert all(place.scale >= 0.25 for place in plan(desk).values())


def test_an_unreadable_screen_falls_back_to_a_cascade_that_fits_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":4321")  # no X server there: xdpyinfo fails
    desk = this_desktop()
    assert (desk.width, desk.height, desk.decoration) == (1366, 768, 40)
    assert plan(desk)["review"].left > plan(desk)["ticket"].left + GAP


def _serve(processes: Processes, tmp_path: Path, name: str, port: int) -> None:
    processes.start(name, "serve", "--db", str(tmp_path / f"{name}.db"), "--port", str(port), label=f"排队服务{name}")


def test_a_failed_child_is_reported_with_its_log_and_the_rest_stopped(tmp_path: Path) -> None:
    """GIVEN a healthy server and a second one whose port another program already holds
    WHEN the second fails on its own
    THEN the report names it in Chinese with its exit code and the log's last lines, and stopping ends the first."""
    port = _free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        processes = Processes(tmp_path, ROOT / "assets" / "halls" / "demo.toml")
        try:
            _serve(processes, tmp_path, "a", port)
            wait_for_port("127.0.0.1", port, processes)
            _serve(processes, tmp_path, "b", taken.getsockname()[1])
            failed = processes.watch(interval=0.1)
            report = ending(failed)
        finally:
            lines = processes.stop()
    assert failed.name == "b"
    assert report.startswith("排队服务b意外退出（退出码 1）。日志 ") and "最后几行：" in report, report
    assert "address already in use" in report.splitlines()[-1], report
    assert lines == ["已停止 1 个进程：排队服务a。"]
    assert port_is_free("127.0.0.1", port) and not _alive(processes.children[0].proc.pid)


def test_a_closed_app_window_ends_the_demo_normally(tmp_path: Path) -> None:
    """GIVEN an app that closes its window by itself (``--first-frame`` quits after drawing once, as a click on the
    window's close button does)
    THEN its end reads as the window closing, not as a failure."""
    processes = Processes(tmp_path, ROOT / "assets" / "halls" / "demo.toml")
    processes.start("kiosk-display", "kiosk", "--role", "display", "--server", "http://127.0.0.1:9", "--first-frame",
                    env=dict(without_screen({}, force=True)), label="综合屏", has_window=True)
    try:
        child = processes.watch(interval=0.1)
    finally:
        processes.stop()
    assert child.proc.returncode == 0, "\n".join(child.log_tail(20))
    assert ending(child) == "综合屏的窗口已关闭，演示随之结束。"


PARENT = """
import sys, time
from pathlib import Path
from queue_server.demo.supervisor import Processes, wait_for_port
processes = Processes(Path(sys.argv[1]), None)
processes.start("server", "serve", "--db", sys.argv[1] + "/db", "--port", sys.argv[2])
wait_for_port("127.0.0.1", int(sys.argv[2]), processes)
print(processes.children[0].proc.pid, flush=True)
time.sleep(120)
"""


def test_children_die_with_a_killed_parent(tmp_path: Path) -> None:
    """GIVEN a process that started a server through Processes
    WHEN it is killed with SIGKILL (no handler can run: the OOM killer, ``kill -9``)
    THEN the kernel stops the server too (PR_SET_PDEATHSIG) within 5 s, and its port is free."""
    port = _free_port()
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path), str(port)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    server = int(parent.stdout.readline())
    try:
        assert _alive(server)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while _alive(server) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(server), "the server outlived its killed parent"
        assert port_is_free("127.0.0.1", port)
    finally:
        parent.stdout.close()
        if _alive(server):
            os.kill(server, signal.SIGKILL)


@pytest.mark.parametrize("signum, said", [(signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, "SIGTERM"),
                                          (signal.SIGHUP, "SIGHUP")])
def test_a_signal_during_the_scripted_morning_stops_everything(tmp_path: Path, signum: int, said: str) -> None:
    """GIVEN the headless demo in the middle of its morning (an asyncio loop driving the real API)
    WHEN it gets Ctrl-C, SIGTERM or SIGHUP
    THEN it stops the server and the device agent, says so, and exits normally within 5 s, with no traceback."""
    port = _free_port()
    demo = subprocess.Popen([sys.executable, "-m", "queue_server", "demo", "--dir", str(tmp_path / "demo"),
                             "--port", str(port), "--headless"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    try:
        for line in demo.stdout:
            if line.startswith("脚本演示"):
                break
        time.sleep(1)  # into the morning
        start = time.monotonic()
        demo.send_signal(signum)
        output, _ = demo.communicate(timeout=5)
        elapsed = time.monotonic() - start
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.communicate()
    assert demo.returncode == 0 and elapsed < 5, (elapsed, output)
    assert f"收到 {said}，正在停止演示" in output and "已停止 2 个进程：排队服务、设备代理。" in output, output
    assert "Traceback" not in output and "never retrieved" not in output, output
    assert port_is_free("127.0.0.1", port)
