"""Window screens driven over pyserial: the framed 0xFF 0x68 protocol and a plain-text line protocol."""
from __future__ import annotations

from devices.bus import FramedBus
from devices.led.base import ScreenTexts, WindowScreen
from devices.serial_io import SerialLink


class FramedLedScreen(WindowScreen):
    """An LED screen on a framed RS-485 bus.

    :param bus: the bus it hangs on
    :param address: its bus address
    :param window: the window number
    :param texts: what it shows
    """

    def __init__(self, bus: FramedBus, address: int, window: int, texts: ScreenTexts | None = None) -> None:
        super().__init__(window, texts)
        self.bus = bus
        self.address = address
        bus.link.on_connect(self.refresh)

    def _show(self, text: str) -> bool:
        return self.bus.link.write(self.bus.layout.encode_text(self.address, "show", text))

    def clear(self) -> bool:
        """Blank the screen."""
        self.current = None
        return self.bus.send(self.address, self.bus.layout.func("clear"))

    @property
    def connected(self) -> bool:
        return self.bus.link.connected


class LineLedScreen(WindowScreen):
    """A simple screen that takes one line of text per message.

    :param link: its serial line (may be shared by several screens with address prefixes)
    :param window: the window number
    :param address: put into ``line_format`` as ``{address}``
    :param line_format: how a message looks on the wire, e.g. ``"{text}\\r\\n"`` or ``"#{address:02d}{text}\\r\\n"``
    :param encoding: the screen's text encoding
    :param texts: what it shows
    """

    def __init__(self, link: SerialLink, window: int, *, address: int = 0, line_format: str = "{text}\r\n",
                 encoding: str = "gbk", texts: ScreenTexts | None = None) -> None:
        super().__init__(window, texts)
        self.link = link
        self.address = address
        self.line_format = line_format
        self.encoding = encoding
        link.on_connect(self.refresh)

    def _show(self, text: str) -> bool:
        line = self.line_format.format(text=text, address=self.address, window=self.window)
        return self.link.write(line.encode(self.encoding, errors="replace"))

    @property
    def connected(self) -> bool:
        return self.link.connected
