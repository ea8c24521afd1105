"""A simulated ticket printer: the real ESC/POS rendering into python-escpos' ``Dummy``.

Each job's bytes are kept in :attr:`SimTicketPrinter.jobs`; with an ``output_dir`` every job is also saved as
``ticket-0001.bin`` plus a ``ticket-0001.png`` preview drawn by the ESC/POS reader, so a person can look at
what the hall would have printed. :meth:`SimTicketPrinter.inject_fault` makes it report paper out, cover
open, offline or error, as a real printer would.
"""
from __future__ import annotations

from pathlib import Path

from escpos.printer import Dummy

from devices.printer.base import PROBLEMS, PrinterError, PrinterStatus, TicketPrinter
from devices.printer.render import PAPER_DOTS


class SimTicketPrinter(TicketPrinter):
    """Prints into memory (and optionally files).

    :param output_dir: where to save ``.bin`` and ``.png`` of each job (None: keep in memory only)
    :param width_mm: paper width, 58 or 80
    """

    def __init__(self, output_dir: Path | str | None = None, width_mm: int = 80, **options: object) -> None:
        super().__init__(width_mm, **options)  # type: ignore[arg-type]
        self.output_dir = Path(output_dir) if output_dir is not None else None
        if self.output_dir is not None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
        self.device = Dummy()
        self.jobs: list[bytes] = []
        self.saved: list[Path] = []
        self._fault: str | None = None

    def inject_fault(self, problem: str) -> None:
        """Make the printer report ``problem`` (paper_out, cover_open, offline, error) until cleared."""
        if problem not in PROBLEMS:
            raise ValueError(f"unknown printer problem {problem!r}")
        self._fault = problem

    def clear_fault(self) -> None:
        """The fault is fixed (paper loaded, cover closed, cable back)."""
        self._fault = None

    def _read_status(self) -> PrinterStatus:
        return PrinterStatus.failing(self._fault) if self._fault else PrinterStatus.ready()

    def _send(self, data: bytes) -> None:
        if self._fault:
            raise PrinterError(self._fault)
        self.device._raw(data)
        self.jobs.append(data)
        if self.output_dir is not None:
            stem = self.output_dir / f"ticket-{len(self.jobs):04d}"
            stem.with_suffix(".bin").write_bytes(data)
            from devices.escpos_reader import read_escpos  # the reader is only needed for previews

            read_escpos(data).preview(PAPER_DOTS[self.width_mm]).save(stem.with_suffix(".png"))
            self.saved.append(stem.with_suffix(".png"))
