"""A printer at the far end of a serial line or TCP socket, for tests and ``--simulate``.

It keeps what it receives and answers the real-time status queries (``DLE EOT 1/2/4``) from its paper and
cover state, as a thermal printer does, so the real :class:`~devices.printer.escpos.EscposTicketPrinter`
code path (status reading included) runs against it.
"""
from __future__ import annotations

import threading
from collections.abc import Callable


class EscposDeviceEmulator:
    """The printer's side of the connection.

    :param send: how to answer the host (e.g. ``SimSerialEnd.write`` or a socket's ``sendall``)
    """

    def __init__(self, send: Callable[[bytes], object]) -> None:
        self.send = send
        self.received = bytearray()
        self.paper_out = False
        self.cover_open = False
        self.error = False
        self._cond = threading.Condition()

    def status_byte(self, n: int) -> int:
        """The answer to ``DLE EOT n`` (bit 1 and 4 are always set, as the ESC/POS manual specifies)."""
        fixed = 0x12
        if n == 1:
            return fixed | (0x08 if (self.paper_out or self.cover_open or self.error) else 0)
        if n == 2:
            return fixed | (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0) | (
                0x40 if self.error else 0)
        if n == 4:
            return fixed | (0x60 if self.paper_out else 0)
        return fixed

    def feed(self, chunk: bytes) -> None:
        """Take bytes from the host (queries are sent alone, so a chunk starting with DLE EOT is a query)."""
        if len(chunk) == 3 and chunk[:2] == b"\x10\x04":
            self.send(bytes([self.status_byte(chunk[2])]))
            return
        with self._cond:
            self.received.extend(chunk)
            self._cond.notify_all()

    def wait_for(self, size: int, timeout: float = 5.0) -> bool:
        """Block until at least ``size`` bytes of print data arrived."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self.received) >= size, timeout)
