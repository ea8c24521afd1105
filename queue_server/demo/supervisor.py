"""Starts and stops the demo hall's processes: each part runs as its own ``govhall`` command, as in a real hall."""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from queue_server.app import open_database
from queue_server.core.clock import SystemClock
from queue_server.core.config import HallConfig
from queue_server.web.auth import add_staff, create_token

DEMO_PASSWORD = "govhall-demo"
#: prctl(2) option: the signal a process gets when its parent dies
PR_SET_PDEATHSIG = 1
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


@dataclass
class Child:
    """One child process of the demo and where its output goes."""

    name: str
    label: str  # what the hall calls it, in messages (排队服务, 取号机 …)
    proc: subprocess.Popen
    log_path: Path
    log_start: int  # the log is appended to across runs: its tail is read from here
    has_window: bool  # an app whose window the user may close, which ends the demo as asked

    def log_tail(self, lines: int = 8) -> list[str]:
        """The last lines this run wrote to the child's log."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self.log_start)
                text = log.read().decode("utf-8", "replace")
        except OSError:
            return []
        return text.splitlines()[-lines:]


#: the signals that end a run: Ctrl-C, ``kill``, and the terminal closing
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class StopSignal:
    """The signal that asked the run to stop: None for Ctrl-C itself (or none yet)."""

    signum: int | None = None

    @property
    def name(self) -> str:
        """``SIGTERM``, ``SIGHUP`` or ``Ctrl-C``, for messages."""
        return signal.Signals(self.signum).name if self.signum else "Ctrl-C"


@contextmanager
def stop_on_signals() -> Iterator[StopSignal]:
    """Within this block SIGTERM and SIGHUP do exactly what Ctrl-C does; the value says which one came.

    Without it SIGTERM and SIGHUP kill this process on the spot, and the children, each in its own session, never
    hear of it: they keep the port and the database. The handler hands over to the SIGINT handler of the moment:
    Python's raises KeyboardInterrupt; inside ``asyncio.run`` (the scripted morning) asyncio's cancels the main task
    and raises KeyboardInterrupt once it has unwound. Raising here directly would land inside whatever task is
    running and leave it failed with the exception, logged as "never retrieved".
    """
    stop = StopSignal()

    def _as_ctrl_c(signum: int, frame: object) -> None:
        stop.signum = signum
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)
        else:  # SIGINT ignored or default (not set from Python): stop all the same
            raise KeyboardInterrupt

    before = {signum: signal.signal(signum, _as_ctrl_c) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield stop
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


class Processes:
    """The demo's child processes, each logging to its own file under the demo folder.

    Each child gets its own session (``start_new_session``), so Ctrl-C and a closing terminal reach only this
    process, which then stops them with :meth:`stop`. Should this process be killed outright (SIGKILL, the
    OOM killer), Linux sends each child SIGTERM itself (``PR_SET_PDEATHSIG``, see :func:`_die_with_parent`).
    """

    def __init__(self, workdir: Path, config_path: Path) -> None:
        self.workdir = workdir
        self.config_path = config_path
        self.children: list[Child] = []
        self._preexec = _die_with_parent()

    def start(self, name: str, *args: str, label: str | None = None, env: dict[str, str] | None = None,
              has_window: bool = False) -> subprocess.Popen:
        """Start ``govhall <args>`` as child ``name``, logging to ``logs/<name>.log``.

        :param label: its name in messages (default ``name``)
        :param env: variables added to this process's environment
        :param has_window: an app window: its closing ends the demo normally, not as a failure
        """
        log_path = self.workdir / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            log_start = log.tell()
            proc = subprocess.Popen([sys.executable, "-m", "queue_server", *args], stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, preexec_fn=self._preexec,
                                    env={**os.environ, **env} if env else None)
        self.children.append(Child(name, label or name, proc, log_path, log_start, has_window))
        return proc

    def exited(self) -> Child | None:
        """The first child that has ended, if any."""
        return next((child for child in self.children if child.proc.poll() is not None), None)

    def check(self) -> str | None:
        """Why a child that has ended did so (see :func:`ending`), if one has."""
        child = self.exited()
        return ending(child) if child is not None else None

    def watch(self, interval: float = 0.5) -> Child:
        """Block until a child ends and return it."""
        while (child := self.exited()) is None:
            time.sleep(interval)
        return child

    def stop(self, grace: float = 3.0) -> list[str]:
        """SIGTERM every child's process group (newest first), SIGKILL what is left after ``grace`` seconds, and
        return what happened, one line each. Signals that arrive meanwhile are ignored, so pressing Ctrl-C again
        cannot cut the cleanup short."""
        ignored = {signum: signal.signal(signum, signal.SIG_IGN) for signum in STOP_SIGNALS}
        try:
            running = [child for child in reversed(self.children) if child.proc.poll() is None]
            for child in running:
                _signal_group(child.proc, signal.SIGTERM)  # the group: an agent's voice player goes with it
            deadline = time.monotonic() + grace
            killed = []
            for child in running:
                try:
                    child.proc.wait(max(0.05, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    _signal_group(child.proc, signal.SIGKILL)
                    child.proc.wait()
                    killed.append(child.label)
        finally:
            for signum, handler in ignored.items():
                signal.signal(signum, handler)
        lines = [f"{'、'.join(killed)} 在 {grace:.0f} 秒内没有退出，已强制结束。"] if killed else []
        if running:
            lines.append(f"已停止 {len(running)} 个进程：{'、'.join(child.label for child in reversed(running))}。")
        return lines


def ending(child: Child) -> str:
    """Why ``child`` ended, in Chinese: a closed app window, or a failure with the last lines of its log."""
    code = child.proc.returncode
    if child.has_window and code == 0:
        return f"{child.label}的窗口已关闭，演示随之结束。"
    how = f"被信号 {signal.Signals(-code).name} 终止" if code < 0 else f"退出码 {code}"
    tail = child.log_tail()
    lines = [f"{child.label}意外退出（{how}）。日志 {child.log_path}"
             + ("最后几行：" if tail else "里没有内容。")]
    lines += [f"    {line}" for line in tail]
    return "\n".join(lines)


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    """Signal the child's whole process group (it leads its own session); it is still ours: not yet reaped."""
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes Linux send the child SIGTERM when this process dies, however it dies.

    Signal handlers cannot help against SIGKILL; a pipe the children watch would need code in every command.
    SIGTERM rather than SIGKILL lets the server close its sockets and database as on any stop. The call is
    resolved here, before any fork, so the child runs no library loading between fork and exec; and the death
    signal follows the thread that forks, which is always the main thread here. None off Linux.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent died between fork and prctl: nobody would send the signal
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


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
    """Whether the server could listen on ``port``. SO_REUSEADDR as the server itself binds: the connections of a
    demo that just ended linger in TIME_WAIT for a minute and must not block the next one."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True
