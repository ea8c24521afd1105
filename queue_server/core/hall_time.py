"""The hall's calendar: business days (numbers restart at the day boundary) and opening hours.

Working days follow the Chinese statutory calendar (chinese_calendar: holidays and make-up workdays 调休),
with the hall's own extra open or closed dates on top.
"""
from __future__ import annotations

import datetime as dt

import chinese_calendar

from queue_server.core.config import HallInfo


def local(instant: dt.datetime, hall: HallInfo) -> dt.datetime:
    return instant.astimezone(hall.tz)


def business_day(instant: dt.datetime, hall: HallInfo) -> dt.date:
    """The business day an instant belongs to: before ``day_starts_at`` it is still the previous day."""
    here = local(instant, hall)
    day = here.date()
    if here.time() < hall.day_starts_at:
        day -= dt.timedelta(days=1)
    return day


def is_workday(day: dt.date) -> bool:
    """Statutory working day; outside the calendar package's years, Monday to Friday."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_open_day(day: dt.date, hall: HallInfo) -> bool:
    if day in hall.extra_closed_dates:
        return False
    if day in hall.extra_open_dates or hall.open_days == "every_day":
        return True
    return is_workday(day)


def is_open(instant: dt.datetime, hall: HallInfo) -> bool:
    """Whether the hall takes numbers at ``instant``."""
    here = local(instant, hall)
    if not is_open_day(here.date(), hall):
        return False
    now = here.time()
    return any(start <= now < end for start, end in hall.business_hours)
