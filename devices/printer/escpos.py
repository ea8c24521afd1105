"""The real ticket printer: python-escpos over USB, serial, network or a device file.

Printing renders the whole job first (the same code as the simulator) and sends it in one write, so a ticket
is never half-sent because rendering failed. Status is read with the real-time ``DLE EOT`` queries where the
connection can answer (serial, USB, network); a device file cannot, so it reports ready until a write fails.
"""
from __future__ import annotations

import logging
import sys
from typing import Any

import serial

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError

from devices.printer.base import PrinterError, PrinterStatus, TicketPrinter

log = logging.getLogger(__name__)

CONNECTIONS = ("usb", "serial", "network", "file")
DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_OFFLINE_CAUSE = b"\x10\x04\x02"
DLE_EOT_PAPER = b"\x10\x04\x04"


def parse_status(printer: int | None, cause: int | None, paper: int | None) -> PrinterStatus:
    """Interpret the ``DLE EOT`` 1, 2 and 4 answer bytes (None: no answer).

    :param printer: DLE EOT 1 — bit 3 set: offline
    :param cause: DLE EOT 2 — bit 2 cover open, bit 5 stopped for paper end, bit 6 error
    :param paper: DLE EOT 4 — bits 5 and 6: paper end
    """
    if printer is None:
        return PrinterStatus.failing("offline")
    if paper is not None and paper & 0x60:
        return PrinterStatus.failing("paper_out")
    if cause is not None:
        if cause & 0x04:
            return PrinterStatus.failing("cover_open")
        if cause & 0x20:
            return PrinterStatus.failing("paper_out")
        if cause & 0x40:
            return PrinterStatus.failing("error")
    if printer & 0x08:
        return PrinterStatus.failing("offline")
    return PrinterStatus.ready()


def open_connection(connection: str, options: dict[str, Any]) -> Escpos:
    """The python-escpos printer object for a connection kind (not yet opened).

    :param connection: ``usb``, ``serial``, ``network`` or ``file``
    :param options: ``usb_vendor_id``/``usb_product_id``, ``serial_port``/``baudrate``, ``host``/``port``, ``file``
    :raises ValueError: unknown connection or missing option; RuntimeError: the backend's library is missing
    """
    if connection == "usb":
        from escpos.printer import Usb

        if not Usb.is_usable():
            raise RuntimeError(f"USB 打印机需要 pyusb（USB printers need pyusb）：{sys.executable} -m pip install pyusb")
        return Usb(int(options["usb_vendor_id"]), int(options["usb_product_id"]))
    if connection == "serial":
        from escpos.printer import Serial

        return Serial(devfile=str(options["serial_port"]), baudrate=int(options.get("baudrate", 9600)),
                      timeout=float(options.get("timeout", 1)), dsrdtr=bool(options.get("dsrdtr", False)))
    if connection == "network":
        from escpos.printer import Network

        return Network(str(options["host"]), port=int(options.get("port", 9100)),
                       timeout=float(options.get("timeout", 5)))
    if connection == "file":
        from escpos.printer import File

        return File(str(options["file"]))
    raise ValueError(f"unknown printer connection {connection!r} (one of {', '.join(CONNECTIONS)})")


class EscposTicketPrinter(TicketPrinter):
    """An ESC/POS thermal printer.

    :param device: a python-escpos printer object (see :func:`open_connection`)
    :param width_mm: paper width, 58 or 80
    :param can_read_status: the connection answers ``DLE EOT`` (serial, USB, network)
    """

    def __init__(self, device: Escpos, width_mm: int = 80, *, can_read_status: bool = True,
                 **options: Any) -> None:
        super().__init__(width_mm, **options)
        self.device = device
        self.can_read_status = can_read_status

    @classmethod
    def from_options(cls, connection: str, options: dict[str, Any]) -> EscposTicketPrinter:
        """Build from the ``[devices.printer]`` options."""
        device = open_connection(connection, options)
        return cls(device, int(options.get("width_mm", 80)), can_read_status=connection != "file",
                   encoding=str(options.get("encoding", "gbk")), native_qr=bool(options.get("native_qr", True)),
                   cutter=bool(options.get("cutter", True)))

    def _ensure_open(self) -> Escpos:
        try:
            if self.device.device is None:  # python-escpos opens on first access, None when it failed
                self.device.open()
            if self.device.device is None:
                raise PrinterError("offline")
        except DeviceNotFoundError as exc:
            raise PrinterError("offline") from exc
        return self.device

    def _send(self, data: bytes) -> None:
        device = self._ensure_open()
        try:
            device._raw(data)
            flush = getattr(device, "flush", None)
            if callable(flush):
                flush()
        except (OSError, ValueError) as exc:
            self._reset()
            raise PrinterError("offline") from exc
        except Exception as exc:  # pyserial/pyusb raise their own error types
            self._reset()
            log.warning("printer write failed: %s", exc)
            raise PrinterError("error") from exc

    def _query(self, command: bytes) -> int | None:
        conn = self.device.device
        if isinstance(conn, serial.SerialBase):
            # python-escpos' Serial._read waits for 16 bytes; the answer is one byte
            conn.reset_input_buffer()
            conn.write(command)
            answer = conn.read(1)
        else:
            self.device._raw(command)
            answer = self.device._read()
        return answer[0] if answer else None

    def _read_status(self) -> PrinterStatus:
        try:
            self._ensure_open()
        except PrinterError:
            return PrinterStatus.failing("offline")
        if not self.can_read_status:
            return PrinterStatus.ready()
        try:
            printer = self._query(DLE_EOT_PRINTER)
            if printer is None:
                return PrinterStatus.failing("offline")
            return parse_status(printer, self._query(DLE_EOT_OFFLINE_CAUSE), self._query(DLE_EOT_PAPER))
        except NotImplementedError:
            return PrinterStatus.ready()
        except Exception as exc:
            self._reset()
            log.warning("printer status query failed: %s", exc)
            return PrinterStatus.failing("offline")

    def _reset(self) -> None:
        """Forget the connection so the next job reopens it (a printer switched off and on again)."""
        try:
            self.device.close()
        except Exception:
            pass
        self.device.device = False

    def close(self) -> None:
        """Close the connection."""
        self._reset()
