"""The booking rules as pure functions: a day's slots, the days one may book, whether a requested day and slot are
bookable, when a booking becomes a no-show, until when it may be cancelled, and the no-show ban.

No database, no clock: callers pass the hall's settings, today's date and the instants involved. A refusal is an
``invalid`` error naming the request's field, in Chinese, as the citizen's page shows it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

from queue_server.booking.settings import BookingSettings, ServiceBooking
from queue_server.core.config import HallInfo
from queue_server.core.errors import invalid
from queue_server.core.hall_time import slot_start

#: what counts against a slot's capacity: everything not cancelled (a no-show held its seat)
HOLDING = ("booked", "checked_in", "no_show")
#: the booking hours of an all-hours drill (``serve --open-all-hours``): slots all day, the last one ending by 23:59
ALL_HOURS = ((time(0, 0), time(23, 59)),)


def day_slots(hours: Iterable[tuple[time, time]], minutes: int) -> list[str]:
    """The slots of one day as ``HH:MM-HH:MM``: each stretch of business hours cut into ``minutes`` from its start;
    a remainder too short for a whole slot is left out (a slot never runs into the lunch break or past closing)."""
    slots = []
    step = timedelta(minutes=minutes)
    for start, end in hours:
        at = datetime.combine(date.min, start)
        stop = datetime.combine(date.min, end)
        while at + step <= stop:
            slots.append(f"{at:%H:%M}-{at + step:%H:%M}")
            at += step
    return slots


def bookable_days(today: date, days_ahead: int, is_open_day: Callable[[date], bool]) -> list[date]:
    """The days a booking may name: from tomorrow to ``days_ahead`` days after ``today``, the hall open on each."""
    days = (today + timedelta(days=n) for n in range(1, days_ahead + 1))
    return [day for day in days if is_open_day(day)]


def service_rules(settings: BookingSettings, service: str) -> ServiceBooking:
    """The rules of a service that may be booked (else 422 naming ``service``)."""
    rules = settings.services.get(service)
    if rules is None:
        raise invalid("service", f"业务代码：没有这项业务（{service}）")
    if not rules.bookable:
        raise invalid("service", "业务代码：该业务不开放预约，请直接到大厅取号")
    return rules


def check_day(settings: BookingSettings, service: str, day_text: str, today: date,
              is_open_day: Callable[[date], bool], *, same_day: bool = False) -> ServiceBooking:
    """The service's rules when ``service`` may be booked on ``day_text``.

    :param same_day: today may be booked too (an admin booking on a citizen's behalf; citizens book from tomorrow).
    :raises ApiError: 422 ``invalid`` naming ``service`` or ``date``: an unknown or unbookable service, a past day,
        today (unless ``same_day``), a day beyond ``days_ahead``, a day the hall is closed (holidays, weekends
        that are not make-up working days, the hall's own closed dates).
    """
    rules = service_rules(settings, service)
    day = date.fromisoformat(day_text)
    first = today if same_day else today + timedelta(days=1)
    last = today + timedelta(days=settings.days_ahead)
    if not first <= day <= last:
        since = "今天" if same_day else "明天"
        raise invalid("date", f"预约日期：只能预约{since}到 {last:%m月%d日} 之间的日期")
    if not is_open_day(day):
        raise invalid("date", f"预约日期：{day:%m月%d日}是节假日或休息日，大厅不办公，请另选日期")
    return rules


def check_request(settings: BookingSettings, service: str, day_text: str, slot: str, today: date, now: datetime,
                  hall: HallInfo, hours: Iterable[tuple[time, time]], is_open_day: Callable[[date], bool], *,
                  same_day: bool = False) -> ServiceBooking:
    """As :func:`check_day`, and ``slot`` must be one of that day's ``hours`` cut into slots, not ended at ``now``
    (else 422 naming ``slot``)."""
    rules = check_day(settings, service, day_text, today, is_open_day, same_day=same_day)
    day_list = day_slots(hours, rules.slot_minutes)
    if slot not in day_list:
        raise invalid("slot", f"预约时段：应为当天的办公时段之一（如 {day_list[0]}）" if day_list
                      else "预约时段：当天没有可预约的时段")
    if slot_end(day_text, slot, hall) <= now:
        raise invalid("slot", "预约时段：该时段已结束，请选择稍后的时段")
    return rules


def first_slot_not_ended(hours: Iterable[tuple[time, time]], minutes: int, day_text: str, now: datetime,
                         hall: HallInfo) -> str | None:
    """The earliest slot of business day ``day_text`` that has not ended at ``now``: the one running, else the next
    (in an all-hours drill after the last evening slot, the coming night's first); ``None`` when all have ended."""
    open_slots = [s for s in day_slots(hours, minutes) if slot_end(day_text, s, hall) > now]
    return min(open_slots, key=lambda s: slot_start(day_text, s, hall), default=None)


def slot_end(day_text: str, slot: str, hall: HallInfo) -> datetime:
    """When the slot ends (aware, the hall's time zone)."""
    start = slot_start(day_text, slot, hall)
    return datetime.combine(start.date(), time.fromisoformat(slot[6:]), hall.tz)


def no_show_due(day_text: str, slot: str, hall: HallInfo, settings: BookingSettings) -> datetime:
    """From this instant a booking not checked in is a no-show: the slot's end plus the late allowance."""
    return slot_end(day_text, slot, hall) + timedelta(minutes=settings.late_allowance_minutes)


def cancel_deadline(day_text: str, slot: str, hall: HallInfo, settings: BookingSettings) -> datetime:
    """The last instant the citizen may cancel or change online."""
    return slot_start(day_text, slot, hall) - timedelta(minutes=settings.cancel_before_minutes)


def banned_until(no_shows: Iterable[datetime], settings: BookingSettings) -> datetime | None:
    """Until when a phone may not book online, given when its no-shows happened: ``no_show_limit`` of them within
    ``no_show_window_days`` stop it for ``no_show_ban_days`` from the last of those; ``None`` when never."""
    times = sorted(no_shows)
    window = timedelta(days=settings.no_show_window_days)
    limit = settings.no_show_limit
    until = None
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= window:
            until = times[i] + timedelta(days=settings.no_show_ban_days)
    return until
