"""``govhall demo`` on a desktop (a real X server, Xvfb, 1920×1080): the four apps open side by side with their roles
in their titles, and every way the demo is ended — ``kill`` (SIGTERM), the terminal closing (SIGHUP) — stops all six
processes it started and frees its port within 5 s."""
from __future__ import annotations

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from kiosk.cli import DEVICE_SIZES

ROOT = Path(__file__).resolve().parent.parent
TITLES = ("取号机", "综合屏", "1号窗口呼叫器", "1号窗口评价器")
ROLES = dict(zip(TITLES, ("ticket", "display", "staff", "review")))
SCREEN = (1920, 1080)

pytestmark = [
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed (./run test installs it: xvfb)"),
    pytest.mark.timeout(180),
]


@pytest.fixture
def display(tmp_path: Path):
    """A fresh X server with no window manager; Xvfb picks a free display number and writes it to a pipe."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
                             "-nolisten", "tcp"], pass_fds=(write_end,), stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _demo_command(workdir: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "queue_server", "demo", "--dir", str(workdir), "--port", str(port)]


def _demo_env(tmp_path: Path, display: str) -> dict[str, str]:
    return {"PYTHONPATH": str(ROOT), "PATH": os.environ["PATH"], "HOME": str(tmp_path), "DISPLAY": display,
            "SDL_AUDIODRIVER": "dummy", "KIVY_NO_ARGS": "1"}


def _windows(display: str) -> dict[str, tuple[int, int, int, int]]:
    """The apps' top-level windows: title → (left, top, width, height)."""
    tree = subprocess.run(["xwininfo", "-root", "-tree", "-display", display], capture_output=True, text=True).stdout
    found = {}
    for title, w, h, x, y in re.findall(r'0x[0-9a-f]+ "([^"]*)": \(.*?\)\s+(\d+)x(\d+)\+(-?\d+)\+(-?\d+)', tree):
        if " · " in title:
            found[title] = (int(x), int(y), int(w), int(h))
    return found


def _wait_for_windows(display: str, demo: subprocess.Popen, seconds: float = 90) -> dict[str, tuple]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert demo.poll() is None, "the demo ended before its windows opened"
        windows = _windows(display)
        if len(windows) >= 4:
            return windows
        time.sleep(0.5)
    raise AssertionError(f"four windows did not open: {_windows(display)}")


def _state(pid: int) -> str | None:
    """The process's state letter, None once it is gone (a zombie counts as gone: it holds nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return None if state in "ZX" else state


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (the children sit in their own sessions, but their parent is still the demo)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _mentioning(text: str) -> set[int]:
    """Live processes whose command line contains ``text``."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text in (entry / "cmdline").read_bytes().decode("utf-8", "replace") and _state(int(entry.name)):
                    pids.add(int(entry.name))
            except OSError:
                continue
    return pids


def _port_is_free(port: int) -> bool:
    """A new server could listen on ``port``: bound with SO_REUSEADDR as aiohttp binds, so the closed connections
    that linger in TIME_WAIT after a stop do not count, a listening socket does."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _assert_all_gone(demo: subprocess.Popen, processes: set[int], port: int, since: float) -> float:
    """Within 5 s of ``since``: the demo has exited, none of its processes is left, and the port is free."""
    deadline = since + 5
    while time.monotonic() < deadline and (demo.poll() is None or any(_state(pid) for pid in processes)
                                           or not _port_is_free(port)):
        time.sleep(0.05)
    elapsed = time.monotonic() - since
    left = {pid: Path(f"/proc/{pid}/cmdline").read_bytes()[:120] for pid in processes if _state(pid)}
    assert demo.poll() is not None, "the demo itself is still running after 5 s"
    assert not left, f"still running after 5 s: {left}"
    assert _port_is_free(port), f"port {port} is still taken after 5 s"
    assert not _mentioning(f"127.0.0.1:{port}"), "a process of the demo is left"
    return elapsed


def _drawn(shot: Image.Image, box: tuple[int, int, int, int]) -> bool:
    """The window shows the app (text on its background), not an empty or black rectangle."""
    x, y, w, h = box
    return len(shot.crop((x, y, x + w, y + h)).getcolors(maxcolors=1 << 20) or ()) > 20


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_four_windows_side_by_side_and_sigterm_stops_everything(tmp_path: Path, display: str) -> None:
    """GIVEN a 1920×1080 desktop
    WHEN the demo starts there and is then sent SIGTERM
    THEN its four windows carry their roles in their titles, lie inside the screen and none covers another (the
    screenshot shows each drawn), and after SIGTERM nothing of it is left within 5 s and it says so."""
    port = _free_port()
    demo = subprocess.Popen(_demo_command(tmp_path / "demo", port), cwd=tmp_path, env=_demo_env(tmp_path, display),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        windows = _wait_for_windows(display, demo)
        assert sorted(title.split(" · ")[0] for title in windows) == sorted(TITLES)
        boxes = {title.split(" · ")[0]: box for title, box in windows.items()}
        for role, (x, y, w, h) in boxes.items():
            assert 0 <= x and 0 <= y and x + w <= SCREEN[0] and y + h <= SCREEN[1], (role, boxes[role])
            device_w, device_h = DEVICE_SIZES[ROLES[role]]
            assert w >= 0.4 * device_w and h >= 0.4 * device_h, f"{role} is scaled below 0.4: {w}×{h}"
        for i, a in enumerate(TITLES):
            for b in TITLES[i + 1:]:
                assert not _overlap(boxes[a], boxes[b]), f"{a} {boxes[a]} and {b} {boxes[b]} overlap"
        kiosk, screen, staff, tablet = (boxes[t] for t in TITLES)
        assert kiosk[3] > kiosk[2] and kiosk[0] < screen[0]  # the kiosk upright, at the left
        assert screen[1] < staff[1] and screen[1] < tablet[1] and staff[0] < tablet[0]  # counter apps under the screen
        shot_path = tmp_path / "desktop.png"
        deadline = time.monotonic() + 30
        while True:  # a window is mapped a moment before its first frame is drawn
            subprocess.run(["import", "-display", display, "-window", "root", str(shot_path)], check=True)
            with Image.open(shot_path) as image:
                shot = image.convert("RGB")
            undrawn = [role for role, box in boxes.items() if not _drawn(shot, box)]
            if not undrawn or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert not undrawn, f"not drawn after 30 s: {undrawn} (see {shot_path})"
        processes = _descendants(demo.pid)
        assert len(processes) >= 6, processes
        start = time.monotonic()
        demo.send_signal(signal.SIGTERM)
        elapsed = _assert_all_gone(demo, processes, port, start)
    finally:
        if demo.poll() is None:
            demo.kill()
    output, _ = demo.communicate()
    assert demo.returncode == 0, output
    assert "收到 SIGTERM" in output and "已停止 6 个进程" in output and "演示已结束" in output, output
    assert "Traceback" not in output, output
    print(f"SIGTERM: everything gone after {elapsed:.2f} s; screenshot {shot_path}")


def test_closing_the_terminal_stops_everything(tmp_path: Path, display: str) -> None:
    """GIVEN the demo running in a terminal of its own (a pseudo-terminal it has as controlling terminal)
    WHEN the terminal is closed, so that the kernel sends it SIGHUP and its output has nowhere to go
    THEN it still stops all six processes and frees the port within 5 s, and exits normally."""
    port = _free_port()
    master, slave = os.openpty()
    # setsid --ctty: a new session whose controlling terminal is the pty, as a shell's in a terminal window
    demo = subprocess.Popen(["setsid", "--ctty", *_demo_command(tmp_path / "demo", port)], cwd=tmp_path,
                            env=_demo_env(tmp_path, display), stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    output = b""
    try:
        deadline = time.monotonic() + 90
        while "已打开".encode() not in output:
            assert time.monotonic() < deadline and demo.poll() is None, output.decode("utf-8", "replace")
            if select.select([master], [], [], 0.5)[0]:
                output += os.read(master, 4096)
        _wait_for_windows(display, demo)
        processes = _descendants(demo.pid)
        assert len(processes) >= 6, processes
        start = time.monotonic()
        os.close(master)  # the terminal window closes
        master = -1
        elapsed = _assert_all_gone(demo, processes, port, start)
    finally:
        if master >= 0:
            os.close(master)
        if demo.poll() is None:
            demo.kill()
    # killed by the SIGHUP it did not handle, it would end with -1 (and leave its children running)
    assert demo.returncode == 0, demo.returncode
    print(f"SIGHUP: everything gone after {elapsed:.2f} s")
