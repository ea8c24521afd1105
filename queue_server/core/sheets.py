"""Values made safe for the spreadsheets the hall exports (ledgers, the guide catalogue).

Two things go wrong with text people typed: a control character makes openpyxl refuse the whole workbook (the
XML of an ``.xlsx`` cannot hold it), and text starting with ``=`` (or ``+ - @``, which Excel and WPS also read as
the start of a formula) runs as a formula on the manager's machine: ``=HYPERLINK("http://…", "点此")`` in a
complaint would become a live link (OWASP "CSV injection"). Records stored before the server refused such
characters still reach the exports, so the exports clean what they write, whatever the database holds.
"""
from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: what an illegal control character is shown as: visibly something was there
REPLACEMENT = "\ufffd"


def clean_text(value: Any) -> Any:
    """``value`` with the characters an ``.xlsx`` cannot hold replaced (other values unchanged)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value)
    return value


def looks_like_formula(value: Any) -> bool:
    """Whether a spreadsheet program would take this text for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def quoted_cell(value: Any) -> Any:
    """A value for a one-way export (CSV and the ledgers' ``.xlsx``): cleaned, and formula-like text quoted with a
    leading ``'`` (Excel's own way of saying "this is text")."""
    value = clean_text(value)
    if looks_like_formula(value):
        return "'" + value
    return "" if value is None else value
