"""The host end of an RS-485 bus of framed devices: one :class:`SerialLink`, many addresses.

Window screens and caller keypads on one bus share the link; incoming frames are dispatched by address to
whoever subscribed, and every subscriber is told when the link (re)connects so it can re-send its content.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from devices.frames import Frame, FrameDecoder, FrameLayout
from devices.serial_io import SerialLink

log = logging.getLogger(__name__)


class FramedBus:
    """Frames over one serial link.

    :param link: the (reconnecting) serial port
    :param layout: the vendor's frame layout
    """

    def __init__(self, link: SerialLink, layout: FrameLayout) -> None:
        self.link = link
        self.layout = layout
        self._decoder = FrameDecoder(layout)
        self._handlers: dict[int, list[Callable[[Frame], None]]] = {}
        link.on_data(self._handle_data)

    def send(self, address: int, func: int, data: bytes = b"") -> bool:
        """Send one frame; False when the line is down (the caller's state is re-sent on reconnect)."""
        return self.link.write(self.layout.encode(address, func, data))

    def subscribe(self, address: int, handler: Callable[[Frame], None]) -> None:
        """Call ``handler(frame)`` (in the link's thread) for frames from ``address``."""
        self._handlers.setdefault(address, []).append(handler)

    def _handle_data(self, chunk: bytes) -> None:
        for frame in self._decoder.feed(chunk):
            handlers = self._handlers.get(frame.address)
            if not handlers:
                log.debug("bus %s: frame from unknown address %d", self.link.name, frame.address)
                continue
            for handler in handlers:
                handler(frame)
