"""The booking area's migrations. The ``appointments`` table itself is the queue core's (m001: the kiosk's check-in
reads and updates it); booking adds what booking ahead needs to it."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.booking")


@migrations(name="m001_booking_ahead")
def m001_booking_ahead(db: Database) -> None:
    """Who booked (the citizen online or an admin on their behalf), and when a booking was cancelled, became a
    no-show, was reminded and had its name and phone reduced to their masked forms."""
    table = db["appointments"]
    for column in ("source", "actor", "cancelled_at", "no_show_at", "reminded_at", "purged_at"):
        table.add_column(column, str)
    # a slot's seats are counted on every booking and every slot list; a phone's no-shows on every online booking
    table.create_index(["date", "service", "slot", "status"], index_name="idx_appointments_slot")
    table.create_index(["phone", "status"], index_name="idx_appointments_phone")
    table.create_index(["status", "date"], index_name="idx_appointments_status_date")


@migrations(name="m002_cancel_on_behalf")
def m002_cancel_on_behalf(db: Database) -> None:
    """Who cancelled a booking (``online``: the citizen with code and phone; else the admin's actor, for a citizen
    who phoned the hall) and the reason the admin gave."""
    for column in ("cancelled_by", "cancel_reason"):
        db["appointments"].add_column(column, str)
