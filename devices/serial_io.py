"""A serial line (RS-485 bus or RS-232 port) that reconnects by itself.

:class:`SerialLink` owns one pyserial port. A background thread opens it, reads incoming bytes and hands
them to listeners, and when the cable is pulled (the read or a write fails) it closes the port and retries
every ``retry_s`` seconds until the port opens again; then it calls the ``on_connect`` listeners so the
drivers can show their current content again. Writes happen at once in the caller's thread under a lock
(a frame is a few dozen bytes, which the OS buffers), and a write while disconnected is dropped and counted:
whatever it showed is re-sent on reconnect.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import serial
import serial.rs485

log = logging.getLogger(__name__)


class SerialLink:
    """A self-reconnecting serial port shared by the devices on one bus.

    :param url: the port (``/dev/ttyUSB0``, a pty path, or any pyserial URL such as ``loop://``)
    :param baudrate: line speed
    :param rs485: switch the port to RS-485 mode (RTS toggling); a pty rejects it, so off in tests
    :param rtscts: hardware flow control
    :param retry_s: seconds between reconnect attempts
    :param name: for logs and status reports
    """

    def __init__(self, url: str, *, baudrate: int = 9600, rs485: bool = False, rtscts: bool = False,
                 retry_s: float = 1.0, name: str | None = None) -> None:
        self.url = url
        self.baudrate = baudrate
        self.rs485 = rs485
        self.rtscts = rtscts
        self.retry_s = retry_s
        self.name = name or url
        self.dropped_writes = 0
        self.connects = 0
        self.last_error: str | None = None
        self._port: serial.SerialBase | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self._data_listeners: list[Callable[[bytes], None]] = []
        self._connect_listeners: list[Callable[[], None]] = []

    @property
    def connected(self) -> bool:
        """Whether the port is open right now."""
        return self._connected.is_set()

    def on_data(self, callback: Callable[[bytes], None]) -> None:
        """Call ``callback(chunk)`` (in the link's thread) for every chunk read."""
        self._data_listeners.append(callback)

    def on_connect(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` (in the link's thread) each time the port (re)opens."""
        self._connect_listeners.append(callback)

    def open_once(self) -> None:
        """Open the port now, raising the error if it cannot be opened (for start-up checks)."""
        self._open()

    def start(self) -> None:
        """Start the background thread that reads and reconnects."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=f"serial {self.name}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread and close the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._close()

    def wait_connected(self, timeout: float) -> bool:
        """Block until the port is open (or ``timeout`` passes); True when open."""
        return self._connected.wait(timeout)

    def write(self, data: bytes) -> bool:
        """Send ``data`` now.

        :returns: True when written; False when the line is down (the bytes are dropped)
        """
        with self._lock:
            port = self._port
            if port is None:
                self.dropped_writes += 1
                return False
            try:
                port.write(data)
                port.flush()
                return True
            except (serial.SerialException, OSError) as exc:
                self.dropped_writes += 1
                self._lost(str(exc))
                return False

    def _open(self) -> None:
        port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.05, rtscts=self.rtscts,
                                     write_timeout=2, do_not_open=True)
        if self.rs485:
            port.rs485_mode = serial.rs485.RS485Settings()
        port.open()
        with self._lock:
            self._port = port
        self.connects += 1
        self.last_error = None
        self._connected.set()
        log.info("serial %s connected", self.name)
        for callback in list(self._connect_listeners):
            try:
                callback()
            except Exception:  # a driver's re-show must not kill the link
                log.exception("serial %s: on_connect listener failed", self.name)

    def _lost(self, reason: str) -> None:
        """Mark the line down (call with the lock held or from the thread)."""
        if self._connected.is_set():
            log.warning("serial %s lost: %s", self.name, reason)
        self.last_error = reason
        _close_quietly(self._detach())

    def _close(self) -> None:
        with self._lock:
            port = self._detach()
        _close_quietly(port)  # outside the lock: a hung close never blocks writers

    def _detach(self) -> serial.SerialBase | None:
        """Mark the line down and take the port away from the instance (caller holds the lock or is the thread)."""
        self._connected.clear()
        port, self._port = self._port, None
        return port

    def _run(self) -> None:
        while not self._stop.is_set():
            port = self._port
            if port is None:
                try:
                    self._open()
                except (serial.SerialException, OSError, ValueError) as exc:
                    self.last_error = str(exc)
                    self._stop.wait(self.retry_s)
                continue
            try:
                chunk = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                # TypeError/AttributeError: the port was closed under us by a failed write
                with self._lock:
                    if self._port is port:
                        self._lost(str(exc))
                continue
            if chunk:
                for callback in list(self._data_listeners):
                    try:
                        callback(chunk)
                    except Exception:
                        log.exception("serial %s: data listener failed", self.name)
            else:
                time.sleep(0)  # the read timed out; loop to notice stop()


def _close_quietly(port: serial.SerialBase | None) -> None:
    """Close a port that may already be gone (a pulled cable)."""
    if port is not None:
        try:
            port.close()
        except (serial.SerialException, OSError):
            pass
