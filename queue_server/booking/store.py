"""The booking records: booking (online or on behalf), cancelling (by the citizen, or by an admin for one who
phoned) and changing, and the slot counts they check;
the periodic work (no-shows, the day-before reminder, the retention purge); what the admin pages read.

Every function that writes runs inside one operation of the hall's writer (``app[WRITER].run``), which runs
operations one at a time: the count of a slot's seats and the insert that takes one are never interleaved with
another booking, so a slot's capacity holds under any number of concurrent requests. The periodic work reads the
instant from the :class:`Desk` (the injected clock), so a test moves the clock and calls what the timer calls.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Callable

from sqlite_utils import Database

from queue_server.booking import slots
from queue_server.booking.settings import BookingSettings
from queue_server.core.clock import from_iso, to_iso
from queue_server.core.config import HallConfig
from queue_server.core.errors import conflict, forbidden, invalid, not_found
from queue_server.core.events import Event
from queue_server.core.hall_time import business_day, is_open_day
from queue_server.core.privacy import mask_name, mask_phone
from queue_server.queue import admin_log

_HOLDING = ",".join(f"'{s}'" for s in slots.HOLDING)
#: one answer for a wrong code and a wrong phone: trying pairs tells nobody which codes exist
NO_MATCH = "预约码或手机号不正确，或该预约已取消"
#: ``enqueue(db, kind, payload)``: the outbox's SMS, bound by the route (``None`` when the hall has no outbox)
Sms = Callable[[Database, str, dict[str, Any]], Any] | None


@dataclass(frozen=True)
class Booking:
    """What a citizen (or the admin on their behalf) asks for, already of the declared shapes."""

    service: str
    date: str
    slot: str
    name: str
    phone: str


@dataclass(frozen=True)
class Desk:
    """Everything a booking operation reads besides the database: the hall, its ``[booking]`` rules, the instant."""

    config: HallConfig
    settings: BookingSettings
    now: datetime
    sms: Sms = None
    #: ``serve --open-all-hours`` (drills, the demo, tests against a real clock): every day open, slots all day
    all_hours: bool = False

    @property
    def today(self) -> date:
        """The hall's business day now (the kiosk checks a booking in on the business day it names)."""
        return business_day(self.now, self.config.hall)

    @property
    def hours(self) -> tuple[tuple[time, time], ...]:
        return slots.ALL_HOURS if self.all_hours else self.config.hall.business_hours

    def is_open_day(self, day: date) -> bool:
        return self.all_hours or is_open_day(day, self.config.hall)

    def check_day(self, service: str, day: str) -> slots.ServiceBooking:
        """The service's rules when ``day`` may be booked online (else 422 naming the field)."""
        return slots.check_day(self.settings, service, day, self.today, self.is_open_day)

    def check(self, booking: Booking, *, same_day: bool = False) -> slots.ServiceBooking:
        """The service's rules when the day and slot may be booked (else 422 naming the field)."""
        return slots.check_request(self.settings, booking.service, booking.date, booking.slot, self.today,
                                   self.now, self.config.hall, self.hours, self.is_open_day, same_day=same_day)

    def send(self, db: Database, kind: str, row: dict[str, Any]) -> Any:
        """Queue one SMS about ``row`` in the operation's own transaction (nothing when SMS is off)."""
        if self.sms is None or not row.get("phone"):
            return None
        params = {"code": row["code"], "service": self.config.services[row["service"]].name, "date": row["date"],
                  "slot": row["slot"], "hall": self.config.hall.name}
        return self.sms(db, kind, {"phone": row["phone"], "params": params})


def booked_per_slot(db: Database, service: str, day: str) -> dict[str, int]:
    """Seats taken in each slot of ``service`` on ``day``."""
    rows = db.execute(f"select slot, count(*) from appointments where date = ? and service = ? and status in "
                      f"({_HOLDING}) group by slot", [day, service]).fetchall()
    return dict(rows)


def slot_table(db: Database, desk: Desk, service: str, day: str) -> list[dict[str, Any]]:
    """Each slot of the day with its capacity, seats booked and seats remaining (API.md's public slot list)."""
    rules = desk.settings.services[service]
    taken = booked_per_slot(db, service, day)
    return [{"slot": s, "capacity": rules.capacity, "booked": taken.get(s, 0),
             "remaining": max(rules.capacity - taken.get(s, 0), 0)}
            for s in slots.day_slots(desk.hours, rules.slot_minutes)]


def ban_of(db: Database, desk: Desk, phone: str) -> datetime | None:
    """Until when ``phone`` may not book online (its no-shows, see :func:`slots.banned_until`), or ``None``."""
    rows = db.execute("select no_show_at from appointments where phone = ? and status = 'no_show'", [phone]).fetchall()
    until = slots.banned_until([from_iso(at) for (at,) in rows if at], desk.settings)
    return until if until is not None and until > desk.now else None


def public_view(row: dict[str, Any], config: HallConfig) -> dict[str, Any]:
    """A booking as its holder's page shows it: the name and phone masked (also to the holder: a page on a shared
    phone must not show them whole)."""
    service = config.services.get(row["service"])
    return {"code": row["code"], "service": row["service"], "service_name": service.name if service else "",
            "date": row["date"], "slot": row["slot"], "status": row["status"],
            "name": mask_name(row["name"] or ""), "phone": mask_phone(row["phone"] or "")}


def _event(name: str, row: dict[str, Any]) -> Event:
    # the hall's other systems and the admin pages learn what changed; never the code (it checks the booking in)
    return Event(name, {"service": row["service"], "date": row["date"], "slot": row["slot"], "status": row["status"],
                        "source": row.get("source"), "name": mask_name(row["name"] or ""),
                        "phone": mask_phone(row["phone"] or "")}, topics=frozenset({"admin"}))


def book(db: Database, desk: Desk, booking: Booking, *, online: bool, actor: str) -> tuple[dict, list[Event]]:
    """Book a seat and return the booking (with its 6-digit code) and its event.

    :param online: the citizen's own booking: from tomorrow, and refused while the phone is banned for no-shows;
        an admin booking on behalf may book today's slots not yet ended, and decides about no-shows themselves.
    :raises ApiError: 422 naming the field; 403 for a banned phone; 409 ``conflict`` when the slot is full or
        the phone already holds a booking of that service that day.
    """
    rules = desk.check(booking, same_day=not online)
    if online:
        until = ban_of(db, desk, booking.phone)
        if until is not None:
            local = until.astimezone(desk.config.hall.tz)
            raise forbidden(f"该手机号近{desk.settings.no_show_window_days}天内预约后未到{desk.settings.no_show_limit}次，"
                            f"{local:%Y年%m月%d日}前暂停网上预约；如需办理，请直接到大厅取号或致电 {desk.config.hall.phone}")
    same = db.execute("select slot from appointments where phone = ? and service = ? and date = ? and status in "
                      "('booked', 'checked_in')", [booking.phone, booking.service, booking.date]).fetchone()
    if same:
        raise conflict(f"该手机号已预约 {booking.date} {same[0]} 的这项业务，如需改时间请先取消或改约")
    _check_seat(db, booking, rules.capacity)
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        if not db.execute("select 1 from appointments where code = ?", [code]).fetchone():
            break
    row = {"code": code, "service": booking.service, "date": booking.date, "slot": booking.slot,
           "name": booking.name, "phone": booking.phone, "status": "booked", "created_at": to_iso(desk.now),
           "source": "online" if online else "admin", "actor": actor}
    db["appointments"].insert(row)
    desk.send(db, "sms.appointment_code", row)
    return row, [_event("appointment.booked", row)]


def _check_seat(db: Database, booking: Booking, capacity: int) -> None:
    if booked_per_slot(db, booking.service, booking.date).get(booking.slot, 0) >= capacity:
        raise conflict("该时段已约满，请选择其他时段")


def _holder(db: Database, code: str, phone: str) -> dict[str, Any]:
    row = next(db.query("select * from appointments where code = ?", [code]), None)
    if row is None or row["phone"] != phone or row["status"] != "booked":
        raise not_found(NO_MATCH)
    return row


def _before_deadline(desk: Desk, row: dict[str, Any], what: str) -> None:
    deadline = slots.cancel_deadline(row["date"], row["slot"], desk.config.hall, desk.settings)
    if desk.now > deadline:
        raise conflict(f"已过{what}时间（需在时段开始前 {desk.settings.cancel_before_minutes} 分钟），"
                       f"如不能前来，请致电 {desk.config.hall.phone}")


def cancel(db: Database, desk: Desk, code: str, phone: str) -> tuple[dict, list[Event]]:
    """Cancel with the code and the phone that booked it, up to ``cancel_before_minutes`` before the slot."""
    row = _holder(db, code, phone)
    _before_deadline(desk, row, "取消")
    return _cancelled(db, desk, row, "online", None)


def cancel_on_behalf(db: Database, desk: Desk, code: str, reason: str, actor: str) -> tuple[dict, list[Event]]:
    """An admin cancels for a citizen who phoned the hall, with the reason they gave: any time while the booking
    still waits (after the citizen's own deadline too: the seat is freed instead of becoming a no-show). The
    citizen gets the same cancellation SMS as for their own cancel; the operation log (操作日志) gets who, why and
    which booking, in the same operation.

    :raises ApiError: 404 when ``code`` names no booking still waiting (unknown, cancelled, checked in, no-show).
    """
    row = next(db.query("select * from appointments where code = ?", [code]), None)
    if row is None or row["status"] != "booked":
        raise not_found("没有待到的这个预约（预约码不对，或已取消、已签到、已爽约）")
    service = desk.config.services[row["service"]].name if row["service"] in desk.config.services else row["service"]
    admin_log.record(db, desk.now, actor, "cancel_on_behalf", reason,
                     detail=f"预约码{code}（{service} {row['date']} {row['slot']}）")
    return _cancelled(db, desk, row, actor, reason)


def _cancelled(db: Database, desk: Desk, row: dict[str, Any], by: str, reason: str | None) -> tuple[dict, list[Event]]:
    row.update(status="cancelled", cancelled_at=to_iso(desk.now), cancelled_by=by, cancel_reason=reason)
    db["appointments"].update(row["code"], {k: row[k] for k in ("status", "cancelled_at", "cancelled_by",
                                                                 "cancel_reason")})
    desk.send(db, "sms.appointment_cancelled", row)
    return row, [_event("appointment.cancelled", row)]


def change(db: Database, desk: Desk, code: str, phone: str, day: str, slot: str) -> tuple[dict, list[Event]]:
    """Move a booking to another day or slot of the same service, keeping its code: one operation, so the old seat
    is given back only when the new one is taken."""
    row = _holder(db, code, phone)
    _before_deadline(desk, row, "改约")
    booking = Booking(row["service"], day, slot, row["name"], row["phone"])
    rules = desk.check(booking)
    if (day, slot) == (row["date"], row["slot"]):
        raise invalid("slot", "预约时段：与原预约相同")
    # its own seat is free for the count (a refusal rolls the operation back whole: the writer's savepoint)
    db["appointments"].update(code, {"status": "cancelled"})
    _check_seat(db, booking, rules.capacity)
    row.update(date=day, slot=slot, status="booked", reminded_at=None)
    db["appointments"].update(code, {"date": day, "slot": slot, "status": "booked", "reminded_at": None})
    desk.send(db, "sms.appointment_code", row)
    return row, [_event("appointment.changed", row)]


# -- periodic work: one writer operation per run (run_due) ---------------------------------------------


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
            events.append(_event("appointment.no_show", row))
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


# -- what the admin pages read ---------------------------------------------------------------------------

STATUS_NAMES = {"booked": "已预约", "checked_in": "已签到", "no_show": "爽约", "cancelled": "已取消"}
SOURCE_NAMES = {"online": "网上预约", "admin": "工作人员代约"}


def day_bookings(db: Database, config: HallConfig, settings: BookingSettings, day: str,
                 service: str | None = None) -> list[dict[str, Any]]:
    """The day's services that have bookings (or the one asked for), each slot with its seats and its bookings."""
    where, args = "a.date = ?", [day]
    if service:
        where, args = where + " and a.service = ?", args + [service]
    rows = list(db.query(f"select a.*, t.number as ticket from appointments a left join tickets t on t.id = "
                         f"a.ticket_id where {where} order by a.slot, a.created_at", args))
    codes = [service] if service else sorted({r["service"] for r in rows}, key=list(config.services).index)
    result = []
    for code in codes:
        rules = settings.services[code]
        mine = [r for r in rows if r["service"] == code]
        table = []
        for slot in sorted(set(slots.day_slots(config.hall.business_hours, rules.slot_minutes)) |
                           {r["slot"] for r in mine}):
            here = [r for r in mine if r["slot"] == slot]
            booked = sum(1 for r in here if r["status"] in slots.HOLDING)
            table.append({"slot": slot, "capacity": rules.capacity, "booked": booked,
                          "remaining": max(rules.capacity - booked, 0), "appointments": [{
                              "code": r["code"], "name": mask_name(r["name"] or ""),
                              "phone": mask_phone(r["phone"] or ""), "status": r["status"],
                              "status_name": STATUS_NAMES.get(r["status"], r["status"]),
                              "source": r["source"] or "admin",
                              "source_name": SOURCE_NAMES.get(r["source"] or "admin"), "ticket": r["ticket"],
                              "checked_in_at": r["checked_in_at"], "cancelled_by": r["cancelled_by"],
                              "cancel_reason": r["cancel_reason"]} for r in here]})
        result.append({"service": code, "service_name": config.services[code].name, "bookable": rules.bookable,
                       "slots": table})
    return result


def kpis(db: Database, day_from: str, day_to: str) -> dict[str, Any]:
    """The 预约 figures of the days ``day_from``..``day_to`` (by appointment date; rates as fractions, ``None``
    where there is nothing to count)."""
    counts = dict(db.execute("select status, count(*) from appointments where date between ? and ? group by status",
                             [day_from, day_to]).fetchall())
    sources = dict(db.execute("select coalesce(source, 'admin'), count(*) from appointments where date between ? "
                              "and ? and status != 'cancelled' group by 1", [day_from, day_to]).fetchall())
    waits = {kind: (round(mean, 1) if mean is not None else None, n) for kind, mean, n in db.execute(
        "select kind, avg((julianday(called_at) - julianday(issued_at)) * 1440), count(*) from tickets "
        "where business_day between ? and ? and called_at is not null and kind in ('appointment', 'walk_in') "
        "group by kind", [day_from, day_to]).fetchall()}
    done = counts.get("checked_in", 0) + counts.get("no_show", 0)
    return {
        "from": day_from, "to": day_to,
        "booked": sum(counts.get(s, 0) for s in slots.HOLDING), "checked_in": counts.get("checked_in", 0),
        "no_show": counts.get("no_show", 0), "pending": counts.get("booked", 0),
        "cancelled": counts.get("cancelled", 0),
        "no_show_rate": counts.get("no_show", 0) / done if done else None,
        "online": sources.get("online", 0), "on_behalf": sources.get("admin", 0),
        "appointment_wait_min": waits.get("appointment", (None, 0))[0],
        "walk_in_wait_min": waits.get("walk_in", (None, 0))[0],
        "appointment_tickets": waits.get("appointment", (None, 0))[1],
        "walk_in_tickets": waits.get("walk_in", (None, 0))[1],
    }
