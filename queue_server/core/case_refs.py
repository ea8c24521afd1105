"""How a ticket is named outside the hall: its 办件编号 (case number) and 事项编码 (item code).

The provincial 好差评 platform and the GB/T 39046 export file each review under a case number and an item code. A
ticket that became a promised-time case (承诺件, ``promised_cases``) is filed under that case; any other ticket under
a number derived from the hall's region, the business day and the ticket number. The item code is the case's guide
item, else the first guide item of the ticket's service in the catalogue's order. Reads only (the tickets, cases and
guides tables); the reviews area stores the result with each review so a later change cannot alter what was rated.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database


@dataclass(frozen=True)
class CaseRefs:
    """:param case_no: 办件编号. :param item_code: 事项编码 (None when the catalogue has no item for the service).
    :param item_name: the item's name ('' when unknown)."""

    case_no: str
    item_code: str | None
    item_name: str


def ticket_case_no(region_code: str, business_day: str, number: str) -> str:
    """The case number of a ticket that is no promised-time case: region, day, number (``41168120261123A001``)."""
    return f"{region_code}{business_day.replace('-', '')}{number}"


def promised_case_no(region_code: str, business_day: str, case_id: int) -> str:
    """The case number of a promised-time case: region, day, ``C`` and the case's id on six digits."""
    return f"{region_code}{business_day.replace('-', '')}C{case_id:06d}"


def case_refs(db: Database, ticket: dict[str, Any], region_code: str) -> CaseRefs:
    """The case number and item of ``ticket`` (a row with ``id``, ``number``, ``business_day``, ``service``) now."""
    case = db.execute("SELECT id, guide_code, guide_name FROM promised_cases WHERE ticket_id = ? ORDER BY id LIMIT 1",
                      [ticket["id"]]).fetchone()
    if case is not None:
        return CaseRefs(promised_case_no(region_code, ticket["business_day"], case[0]), case[1], case[2] or "")
    # a service covers several items (a transfer covers resale and inheritance): the catalogue's first stands for it
    guide = db.execute("SELECT code, name FROM guides WHERE service = ? ORDER BY position, code LIMIT 1",
                       [ticket["service"]]).fetchone()
    return CaseRefs(ticket_case_no(region_code, ticket["business_day"], ticket["number"]),
                    guide[0] if guide else None, guide[1] if guide else "")
