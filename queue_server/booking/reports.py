"""What the admin pages read about bookings: one day's bookings per service and slot, and the 预约 KPIs (booked,
checked in, no-show rate, the wait of appointment tickets against walk-ins). Names and phones masked."""
from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from queue_server.booking import slots
from queue_server.booking.settings import BookingSettings
from queue_server.core.config import HallConfig
from queue_server.core.privacy import mask_name, mask_phone

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
                              "checked_in_at": r["checked_in_at"]} for r in here]})
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
