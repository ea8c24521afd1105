"""The far end of a serial line, for simulated devices: a real pseudo-terminal.

:class:`SimSerialEnd` opens a pty pair and publishes the device side's path as a symlink (the path a hall's
config names, like ``/dev/ttyUSB0``). The drivers open that path exactly as they would open a real adapter;
simulated screens and keypads read and write the other end. :meth:`SimSerialEnd.pull` closes the pty and
removes the symlink (a pulled cable), :meth:`SimSerialEnd.plug` makes a new pty behind the same path.
"""
from __future__ import annotations

import logging
import os
import pty
import select
import threading
import tty
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


class SimSerialEnd:
    """The device end of a simulated serial line.

    :param path: where the line appears (a symlink to the pty's device side)
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._master: int | None = None
        self._slave: int | None = None
        self._listeners: list[Callable[[bytes], None]] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._write_lock = threading.Lock()
        self.plugs = 0

    @property
    def plugged(self) -> bool:
        """Whether the cable is in."""
        return self._master is not None

    def on_data(self, callback: Callable[[bytes], None]) -> None:
        """Call ``callback(chunk)`` for bytes the host sends (in the reader thread)."""
        self._listeners.append(callback)

    def plug(self) -> None:
        """Connect: a fresh pty behind :attr:`path`."""
        if self._master is not None:
            return
        master, slave = pty.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".new")
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(os.ttyname(slave))
        os.replace(tmp, self.path)
        self._master, self._slave = master, slave
        self.plugs += 1
        self._stop.clear()
        self._thread = threading.Thread(target=self._read_loop, args=(master,), name=f"sim {self.path.name}",
                                        daemon=True)
        self._thread.start()

    def pull(self) -> None:
        """Disconnect: close the pty and remove the path."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        with self._write_lock:
            for fd in (self._master, self._slave):
                if fd is not None:
                    os.close(fd)
            self._master = self._slave = None
        if self.path.is_symlink():
            self.path.unlink()

    close = pull

    def write(self, data: bytes) -> bool:
        """Send bytes to the host; False when the cable is out."""
        with self._write_lock:
            if self._master is None:
                return False
            os.write(self._master, data)
            return True

    def _read_loop(self, master: int) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                continue
            for callback in list(self._listeners):
                try:
                    callback(chunk)
                except Exception:
                    log.exception("simulated device on %s failed", self.path)
