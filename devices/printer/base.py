"""The ticket printer interface every kind of printer implements.

Kiosks and the guides desk call :meth:`TicketPrinter.print_ticket` / :meth:`TicketPrinter.print_document`
and :meth:`TicketPrinter.status`; an implementation only provides ``_send(data)`` (deliver ESC/POS bytes)
and ``_read_status()``. All implementations render through the same ESC/POS code
(:func:`devices.printer.render.render_document`).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from escpos.printer import Dummy

from devices.printer.document import PrintDocument, TicketPrint, ticket_document
from devices.printer.render import PAPER_DOTS, render_document

#: the problems a printer can report, with the Chinese message shown to citizens and staff
PROBLEMS: dict[str, str] = {
    "paper_out": "打印机缺纸，请联系工作人员",
    "cover_open": "打印机盖未关好，请联系工作人员",
    "offline": "打印机未连接，请联系工作人员",
    "error": "打印机故障，请联系工作人员",
}


class PrinterError(Exception):
    """Printing failed or cannot start.

    :param problem: ``paper_out``, ``cover_open``, ``offline`` or ``error``
    :param message: the Chinese message (defaults to the standard one for ``problem``)
    """

    def __init__(self, problem: str, message: str | None = None) -> None:
        if problem not in PROBLEMS:
            raise ValueError(f"unknown printer problem {problem!r}")
        self.problem = problem
        self.message = message or PROBLEMS[problem]
        super().__init__(f"{problem}: {self.message}")


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer reports.

    :param ok: ready to print
    :param problem: None when ok, else one of :data:`PROBLEMS`
    :param message: Chinese text for the kiosk screen and the server
    """

    ok: bool
    problem: str | None
    message: str

    @classmethod
    def ready(cls) -> PrinterStatus:
        """The status of a printer that can print."""
        return cls(True, None, "打印机正常")

    @classmethod
    def failing(cls, problem: str) -> PrinterStatus:
        """The status for a known problem."""
        return cls(False, problem, PROBLEMS[problem])

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (for the agent's reports to the server)."""
        return {"ok": self.ok, "problem": self.problem, "message": self.message}


class TicketPrinter(ABC):
    """A ticket printer.

    :param width_mm: paper width, 58 or 80
    :param encoding: the printer's Chinese encoding
    :param native_qr: print QR codes with the printer's own ``GS ( k`` command
    :param cutter: the printer has a cutter
    """

    def __init__(self, width_mm: int = 80, *, encoding: str = "gbk", native_qr: bool = True,
                 cutter: bool = True) -> None:
        if width_mm not in PAPER_DOTS:
            raise ValueError(f"paper width must be one of {sorted(PAPER_DOTS)} mm, not {width_mm}")
        self.width_mm = width_mm
        self.encoding = encoding
        self.native_qr = native_qr
        self.cutter = cutter

    def render(self, doc: PrintDocument) -> bytes:
        """The ESC/POS bytes for ``doc`` on this printer, without sending them."""
        buffer = Dummy()
        # python-escpos prints a warning for images unless the profile knows the paper width
        profile = dict(buffer.profile.profile_data)
        profile["media"] = {"dpi": 203, "width": {"mm": self.width_mm, "pixels": PAPER_DOTS[self.width_mm]}}
        buffer.profile.profile_data = profile
        render_document(buffer, doc, width_mm=self.width_mm, encoding=self.encoding,
                        native_qr=self.native_qr, cutter=self.cutter)
        return buffer.output

    def print_document(self, doc: PrintDocument) -> bytes:
        """Print ``doc``.

        :returns: the bytes sent
        :raises PrinterError: the printer reports a problem or the connection fails
        """
        status = self.status()
        if not status.ok:
            raise PrinterError(status.problem or "error", status.message)
        data = self.render(doc)
        self._send(data)
        return data

    def print_ticket(self, t: TicketPrint) -> bytes:
        """Print a queue ticket (the :func:`ticket_document` layout for this paper width)."""
        return self.print_document(ticket_document(t, self.width_mm))

    def status(self) -> PrinterStatus:
        """Read the printer's state where the connection allows (never raises)."""
        try:
            return self._read_status()
        except PrinterError as exc:
            return PrinterStatus(False, exc.problem, exc.message)
        except OSError:
            return PrinterStatus.failing("offline")

    @abstractmethod
    def _send(self, data: bytes) -> None:
        """Deliver one job's bytes to the printer; raise :class:`PrinterError` on failure."""

    @abstractmethod
    def _read_status(self) -> PrinterStatus:
        """Ask the printer for its state; return ready when the connection cannot tell."""

    def close(self) -> None:
        """Release the connection (nothing to do by default)."""
