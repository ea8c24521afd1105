"""Caller keypads on a framed RS-485 bus (report mode: a keypad sends a frame when a key is pressed)."""
from __future__ import annotations

import logging

from devices.bus import FramedBus
from devices.frames import Frame
from devices.keypad.base import DEFAULT_KEY_CODES, KeyPress, Keypad

log = logging.getLogger(__name__)


class FramedKeypad(Keypad):
    """A keypad at ``address`` on a framed bus.

    Key frames carry the key code as the first DATA byte and, optionally, ASCII digits typed before the key.

    :param bus: the bus
    :param address: the keypad's address
    :param window: the window it belongs to
    :param key_codes: key name → code (defaults to :data:`DEFAULT_KEY_CODES`)
    :param display_format: see :class:`Keypad`
    """

    def __init__(self, bus: FramedBus, address: int, window: int, *, key_codes: dict[str, int] | None = None,
                 display_format: str = "{number} 等{waiting}") -> None:
        super().__init__(window, display_format)
        self.bus = bus
        self.address = address
        self.key_codes = dict(key_codes or DEFAULT_KEY_CODES)
        self._names = {code: name for name, code in self.key_codes.items()}
        bus.subscribe(address, self._handle_frame)
        bus.link.on_connect(self.refresh)

    def _handle_frame(self, frame: Frame) -> None:
        if frame.func != self.bus.layout.func("key") or not frame.data:
            return
        name = self._names.get(frame.data[0])
        if name is None:
            log.warning("keypad %d: unknown key code 0x%02x", self.address, frame.data[0])
            self.bus.send(self.address, self.bus.layout.func("nak"), frame.data[:1])
            return
        argument = frame.data[1:].decode("ascii", errors="replace").strip()
        self._emit(KeyPress(self.window, name, argument))

    def acknowledge(self, press: KeyPress, ok: bool) -> None:
        func = self.bus.layout.func("ack" if ok else "nak")
        self.bus.send(self.address, func, bytes([self.key_codes[press.key]]))

    def _display(self, text: str) -> bool:
        return self.bus.link.write(self.bus.layout.encode_text(self.address, "keypad_display", text))

    @property
    def connected(self) -> bool:
        return self.bus.link.connected
