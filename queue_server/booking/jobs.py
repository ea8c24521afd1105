"""The booking area's periodic work, one writer operation per run (:func:`run_due`): bookings not checked in by
the end of their slot plus the late allowance become no-shows (爽约), tomorrow's bookings get their reminder SMS
once, and names and phones past the retention keep only their masked forms.

Everything reads the instant from the caller (the injected clock), so a test moves the clock and calls the same
function the server's timer calls.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from queue_server.booking import slots
from queue_server.booking.store import Desk, booking_event
from queue_server.core.clock import to_iso
from queue_server.core.events import Event
from queue_server.core.privacy import mask_name, mask_phone


def mark_no_shows(db: Database, desk: Desk) -> list[Event]:
    """Every booking still ``booked`` once its slot's end plus ``late_allowance_minutes`` has passed becomes
    ``no_show``, dated at that instant (not at the run's, so a server that was down counts the same)."""
    events = []
    rows = db.query("select * from appointments where status = 'booked' and date <= ?", [desk.today.isoformat()])
    for row in list(rows):
        due = slots.no_show_due(row["date"], row["slot"], desk.config.hall, desk.settings)
        if desk.now >= due:
            row.update(status="no_show", no_show_at=to_iso(due))
            db["appointments"].update(row["code"], {"status": "no_show", "no_show_at": row["no_show_at"]})
            events.append(booking_event("appointment.no_show", row))
    return events


def send_reminders(db: Database, desk: Desk) -> int:
    """From ``reminder_time`` on the day before, one reminder SMS per booking of tomorrow (bookings made that same
    day already have their code by SMS). Marked in the same transaction as the message: never twice. Returns how
    many were queued (none while SMS is off; they stay unmarked)."""
    local_now = desk.now.astimezone(desk.config.hall.tz)
    if desk.sms is None or local_now.time() < desk.settings.reminder_time:
        return 0
    today_start = datetime.combine(local_now.date(), datetime.min.time(), local_now.tzinfo)
    tomorrow = (local_now.date() + timedelta(days=1)).isoformat()
    sent = 0
    rows = db.query("select * from appointments where status = 'booked' and date = ? and reminded_at is null "
                    "and created_at < ?", [tomorrow, to_iso(today_start)])
    for row in list(rows):
        if desk.send(db, "sms.appointment_reminder", row) is not None:
            db["appointments"].update(row["code"], {"reminded_at": to_iso(desk.now)})
            sent += 1
    return sent


def purge_personal_data(db: Database, desk: Desk) -> int:
    """Names and phones of bookings more than ``phone_retention_days`` past their date keep only their masked forms
    (the ledger still reads 张*三 / 138****1234). Returns how many were reduced."""
    before = (desk.today - timedelta(days=desk.settings.phone_retention_days)).isoformat()
    rows = list(db.query("select code, name, phone from appointments where date < ? and purged_at is null", [before]))
    for row in rows:
        db["appointments"].update(row["code"], {"name": mask_name(row["name"] or ""),
                                                "phone": mask_phone(row["phone"] or ""), "purged_at": to_iso(desk.now)})
    return len(rows)


def run_due(db: Database, desk: Desk) -> tuple[dict[str, Any], list[Event]]:
    """All three, as one writer operation: ``({"no_shows", "reminders", "purged"}, events)``."""
    events = mark_no_shows(db, desk)
    counts = {"no_shows": len(events), "reminders": send_reminders(db, desk), "purged": purge_personal_data(db, desk)}
    return counts, events
