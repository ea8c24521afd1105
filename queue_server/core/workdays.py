"""Working days on the Chinese calendar, for every deadline in this package.

Statutory holidays and make-up working days (调休) come from the maintained ``chinese_calendar`` package; a hall
can override single dates in its config (``[reviews] extra_workdays`` / ``extra_holidays``), e.g. for a year the
package does not know yet. Outside the package's years, Monday–Friday are working days.

A deadline of N working days means: by the end of the N-th working day after the day the case was opened (the
opening day itself never counts, whether or not it is a working day). So a bad review on a Friday with a
one-working-day call-back is due at the end of Monday, and one on 30 September 2025 at the end of 9 October.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar

from queue_server.core.config import HallInfo

END_OF_DAY = time(23, 59, 59)


class WorkCalendar:
    """Which dates are working days in the hall.

    :param extra_workdays: dates that are working days whatever the package says.
    :param extra_holidays: dates that are days off whatever the package says.
    """

    def __init__(self, extra_workdays: Iterable[date] = (), extra_holidays: Iterable[date] = ()) -> None:
        self.extra_workdays = frozenset(extra_workdays)
        self.extra_holidays = frozenset(extra_holidays)
        clash = self.extra_workdays & self.extra_holidays
        if clash:
            raise ValueError(f"dates both working day and holiday: {sorted(clash)}")

    def is_workday(self, day: date) -> bool:
        """True when ``day`` is a working day (调休 Saturdays included, statutory holidays excluded)."""
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            # The package only knows the years the State Council has published; past them, use the week.
            return day.weekday() < 5

    def add_workdays(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself never counts).

        With ``days == 0`` the answer is ``start`` when it is a working day, else the next working day.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        if days == 0:
            while not self.is_workday(day):
                day += timedelta(days=1)
            return day
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    def deadline(self, opened_at: datetime, days: int, tz: ZoneInfo) -> datetime:
        """End of the ``days``-th working day after ``opened_at``'s local date, as an aware UTC datetime."""
        local_day = opened_at.astimezone(tz).date()
        due_day = self.add_workdays(local_day, days)
        return datetime.combine(due_day, END_OF_DAY, tzinfo=tz).astimezone(timezone.utc)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days a case took from ``start`` to ``end``."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count


#: how far ahead the hall is warned that the holiday data ends: the State Council publishes the coming year's
#: holidays in the autumn, so from November a county hall's engineer has time to enter them
HOLIDAY_NOTICE_DAYS = 60


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def holiday_data_warnings(today: date, hall: HallInfo, calendar: WorkCalendar | None) -> list[str]:
    """What the hall must be told while ``chinese_calendar`` lacks a year it is about to work in: one line per year,
    from ``today`` to :data:`HOLIDAY_NOTICE_DAYS` ahead, that the package does not know and for which the config
    names no date of its own. Past the package's years the hall's open days and the deadlines' working days fall
    back to Monday–Friday, so New Year's Day and the Spring Festival would take numbers and bookings, and count
    towards a rectification's deadline.

    :param today: the hall's date.
    :param hall: the ``[hall]`` section (its open days, unless it opens every day).
    :param calendar: the deadlines' calendar (``[reviews]``), or None when the caller does not use it.
    """
    years = sorted({today.year, (today + timedelta(days=HOLIDAY_NOTICE_DAYS)).year})
    last_known = max(chinese_calendar.holidays).year
    lines = []
    for year in (y for y in years if not _package_knows(y)):
        opening = hall.open_days == "workdays" and not any(
            d.year == year for d in hall.extra_open_dates | hall.extra_closed_dates)
        deadlines = calendar is not None and not any(
            d.year == year for d in calendar.extra_workdays | calendar.extra_holidays)
        affected = [what for what, flag in (("大厅开放日（取号、预约）", opening),
                                            ("差评回访、整改及诉求办理的时限", deadlines)) if flag]
        settings = [keys for keys, flag in (("[hall] extra_closed_dates / extra_open_dates", opening),
                                            ("[reviews] extra_holidays / extra_workdays", deadlines)) if flag]
        if affected:
            lines.append(f"{year} 年的法定节假日和调休安排尚未载入（节假日数据只到 {last_known} 年）："
                         f"{'和'.join(affected)}将按周一至周五计算。请按国务院公布的安排，在配置文件的 "
                         f"{' 与 '.join(settings)} 中写入这一年的日期，或升级 chinese_calendar。")
    return lines
