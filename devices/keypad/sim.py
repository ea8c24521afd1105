"""A simulated caller keypad on the far end of a pty: press keys, read its display."""
from __future__ import annotations

import threading

from devices.frames import FrameDecoder, FrameLayout
from devices.keypad.base import DEFAULT_KEY_CODES
from devices.sim_bus import SimSerialEnd


class SimKeypad:
    """A keypad at ``address`` on a simulated framed bus.

    :param end: the device end of the bus
    :param address: its bus address
    :param layout: the frame layout
    :param key_codes: key name → code
    """

    def __init__(self, end: SimSerialEnd, address: int, layout: FrameLayout | None = None,
                 key_codes: dict[str, int] | None = None) -> None:
        self.end = end
        self.address = address
        self.layout = layout or FrameLayout()
        self.key_codes = dict(key_codes or DEFAULT_KEY_CODES)
        self.display: list[str] = []
        self.acks: list[tuple[str, bool]] = []
        self._names = {code: name for name, code in self.key_codes.items()}
        self._decoder = FrameDecoder(self.layout)
        self._cond = threading.Condition()
        end.on_data(self._handle_data)

    def press(self, key: str, argument: str = "") -> bytes:
        """Press ``key`` (after typing ``argument``); returns the frame sent."""
        frame = self.layout.encode(self.address, self.layout.func("key"),
                                   bytes([self.key_codes[key]]) + argument.encode("ascii"))
        if not self.end.write(frame):
            raise OSError("the keypad's cable is pulled")
        return frame

    def _handle_data(self, chunk: bytes) -> None:
        for frame in self._decoder.feed(chunk):
            if frame.address != self.address:
                continue
            with self._cond:
                if frame.func == self.layout.func("keypad_display"):
                    self.display.append(frame.data.decode(self.layout.encoding, errors="replace"))
                elif frame.func in (self.layout.func("ack"), self.layout.func("nak")) and frame.data:
                    name = self._names.get(frame.data[0], f"0x{frame.data[0]:02x}")
                    self.acks.append((name, frame.func == self.layout.func("ack")))
                self._cond.notify_all()

    def wait_for_display(self, text: str, timeout: float = 5.0) -> bool:
        """Block until the display has shown ``text``."""
        with self._cond:
            return self._cond.wait_for(lambda: text in self.display, timeout)

    def wait_for_ack(self, key: str, timeout: float = 5.0) -> bool | None:
        """Block until ``key`` was acknowledged; True (ack), False (nak) or None (timeout)."""
        with self._cond:
            found = self._cond.wait_for(lambda: any(k == key for k, _ in self.acks), timeout)
            if not found:
                return None
            return next(ok for k, ok in self.acks if k == key)
