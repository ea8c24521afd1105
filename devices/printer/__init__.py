"""Ticket printers: the print document model, the ESC/POS renderer, a real and a simulated printer."""
from __future__ import annotations

import logging

from devices.cache import kept_escpos_capabilities

# python-escpos 3.1 calls logging.basicConfig() when escpos.capabilities is imported, which installs a root
# handler at WARNING and turns the application's own later basicConfig() into a no-op (govhall's INFO logs
# vanished). Import it here first and take back any handler it added.
_root = logging.getLogger()
_handlers = list(_root.handlers)
with kept_escpos_capabilities():  # parsed once, not at every start (see devices/cache.py)
    import escpos.capabilities  # noqa: E402,F401
for _handler in [h for h in _root.handlers if h not in _handlers]:
    _root.removeHandler(_handler)
del _root, _handlers

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
