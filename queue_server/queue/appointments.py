"""Appointments (预约) at the kiosk: checking a booked code in, ahead of walk-ins. Booking, cancelling and no-shows
are the booking area's (:mod:`queue_server.booking`).

:class:`AppointmentDesk` is a part of :class:`queue_server.queue.hall.Hall`: it issues the ticket through the hall's
own ``issue_ticket`` and logs through its ticket log, in the same transactions.
"""
from __future__ import annotations

from datetime import timedelta

from queue_server.core.clock import to_iso
from queue_server.core.db import write_transaction
from queue_server.core.errors import ApiError, conflict, not_found
from queue_server.core.events import Event
from queue_server.core.hall_time import local, slot_start

#: one answer for every code that cannot be checked in today, whether it exists or not
UNKNOWN_CODE = "预约码不存在或不是今天的预约"


class AppointmentDesk:
    """Check-in, mixed into the hall."""

    def check_in(self, code: str, actor: str) -> tuple[dict, list[Event]]:
        """Check in an appointment at the kiosk: a ticket ahead of walk-ins when on time, a walk-in when late.

        An unknown code, a code for another day and a cancelled one get the same answer (:data:`UNKNOWN_CODE`), so
        trying codes tells nobody which exist. A code already checked in answers 409 with its ticket number only:
        its ticket token went to whoever checked in first, and a second copy would let a guesser take it over.
        """
        row = self.db.execute("select service, date, slot, status, ticket_id from appointments where code = ?", [code]).fetchone()
        today = self.today()
        if row is None or row[1] != today or row[3] not in ("booked", "checked_in"):
            raise not_found(UNKNOWN_CODE)
        service, day, slot, status, ticket_id = row
        if status == "checked_in":
            number = self.db.execute("select number from tickets where id = ?", [ticket_id]).fetchone()[0]
            raise ApiError(409, "conflict", f"该预约已签到，号码为 {number}，请留意叫号", number=number)
        now_local = local(self.clock.now(), self.config.hall)
        # the slot on its business day: in an all-hours drill a slot before the day's start is the coming night's
        start = slot_start(day, slot, self.config.hall)
        rules = self.config.queue
        if now_local < start - timedelta(minutes=rules.appointment_early_min):
            earliest = (start - timedelta(minutes=rules.appointment_early_min)).strftime("%H:%M")
            raise conflict(f"预约时段为 {slot}，请于 {earliest} 后签到")
        late = now_local > start + timedelta(minutes=rules.appointment_late_min)
        ticket, _, events = self.issue_ticket(
            service, f"appointment:{code}", None, actor, kind="walk_in" if late else "appointment", appointment_code=code,
        )
        with write_transaction(self.db):
            self.db.execute("update appointments set status = 'checked_in', ticket_id = ?, checked_in_at = ? where code = ?",
                            [ticket["id"], to_iso(self.clock.now()), code])
            if late:
                self._log(ticket["id"], "late_check_in", None, actor, f"迟于预约时段 {slot}，按普通号排队", to_iso(self.clock.now()))
        return ticket, events
