"""Simulated window screens: devices on the far end of a pty that record what they were told to show."""
from __future__ import annotations

import logging
import threading
import time

from devices.frames import Frame, FrameDecoder, FrameLayout
from devices.sim_bus import SimSerialEnd


log = logging.getLogger(__name__)


class _Recorder:
    """What a simulated screen showed, with a way to wait for something to appear."""

    def __init__(self, label: str = "") -> None:
        self.label = label
        self.shown: list[str] = []
        #: ``time.monotonic()`` when each text arrived (for latency benchmarks)
        self.shown_at: list[float] = []
        self.raw = bytearray()
        self._cond = threading.Condition()

    @property
    def current(self) -> str | None:
        """The text on the screen now."""
        return self.shown[-1] if self.shown else None

    def _record(self, text: str) -> None:
        with self._cond:
            self.shown_at.append(time.monotonic())
            self.shown.append(text)
            self._cond.notify_all()
        log.info("simulated screen %s shows %r", self.label, text)

    def wait_for(self, text: str, timeout: float = 5.0, *, count: int = 1) -> bool:
        """Block until ``text`` has been shown ``count`` times (True) or ``timeout`` passes (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: self.shown.count(text) >= count, timeout)


class SimLedScreen(_Recorder):
    """A framed-protocol LED screen at ``address`` on a simulated bus.

    :param end: the device end of the bus
    :param address: the screen's bus address
    :param layout: the frame layout it understands
    """

    def __init__(self, end: SimSerialEnd, address: int, layout: FrameLayout | None = None) -> None:
        super().__init__(f"@{address}")
        self.address = address
        self.layout = layout or FrameLayout()
        self.frames: list[Frame] = []
        self._decoder = FrameDecoder(self.layout)
        end.on_data(self._handle_data)

    def _handle_data(self, chunk: bytes) -> None:
        self.raw.extend(chunk)
        for frame in self._decoder.feed(chunk):
            if frame.address != self.address:
                continue  # RS-485: every device hears everything and keeps its own
            self.frames.append(frame)
            if frame.func in (self.layout.func("show"), self.layout.func("text")):
                self._record(frame.data.decode(self.layout.encoding, errors="replace"))
            elif frame.func == self.layout.func("clear"):
                self._record("")


class SimLineScreen(_Recorder):
    """A plain-text line screen: every ``\\r\\n``-terminated line is what it shows.

    :param end: the device end of its line
    :param prefix: only lines starting with this prefix are for this screen (stripped), e.g. ``#03``
    :param encoding: its text encoding
    """

    def __init__(self, end: SimSerialEnd, prefix: str = "", encoding: str = "gbk") -> None:
        super().__init__(prefix or "(line)")
        self.prefix = prefix
        self.encoding = encoding
        self._pending = bytearray()
        end.on_data(self._handle_data)

    def _handle_data(self, chunk: bytes) -> None:
        self.raw.extend(chunk)
        self._pending.extend(chunk)
        while b"\r\n" in self._pending:
            line, _, rest = bytes(self._pending).partition(b"\r\n")
            self._pending = bytearray(rest)
            text = line.decode(self.encoding, errors="replace")
            if text.startswith(self.prefix):
                self._record(text[len(self.prefix):])
