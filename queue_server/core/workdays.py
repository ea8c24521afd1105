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
