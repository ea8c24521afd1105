"""Ticket printers: the print document model, the ESC/POS renderer, a real and a simulated printer."""
from __future__ import annotations

from devices.printer.base import PrinterError, PrinterStatus, TicketPrinter
from devices.printer.document import QR, Feed, Line, PrintDocument, Rule, TicketPrint, ticket_document

__all__ = [
    "QR",
    "Feed",
    "Line",
    "PrintDocument",
    "PrinterError",
    "PrinterStatus",
    "Rule",
    "TicketPrint",
    "TicketPrinter",
    "ticket_document",
]
