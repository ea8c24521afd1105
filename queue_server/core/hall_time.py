"""The hall's calendar: business days (numbers restart at the day boundary), opening hours, and quarters (the
assessment's period).

Working days follow the Chinese statutory calendar (chinese_calendar: holidays and make-up workdays 调休),
with the hall's own extra open or closed dates on top.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated

import chinese_calendar
from pydantic import StringConstraints

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


def business_day_span(day: dt.date, hall: HallInfo) -> tuple[dt.datetime, dt.datetime]:
    """The instants business day ``day`` runs between: ``day_starts_at`` on that date up to the next one's."""
    return (dt.datetime.combine(day, hall.day_starts_at, tzinfo=hall.tz),
            dt.datetime.combine(day + dt.timedelta(days=1), hall.day_starts_at, tzinfo=hall.tz))


def business_day_bound(now: dt.datetime, within: dt.timedelta = dt.timedelta(days=1)) -> str:
    """A business day (``YYYY-MM-DD``) no later than that of any instant in the ``within`` before ``now``, whatever
    the hall's time zone and day start (a day's slack covers both): a ``business_day >= ?`` bound that lets SQLite
    seek the last days' rows on an index instead of reading all the hall ever had."""
    return (now - within - dt.timedelta(days=1)).date().isoformat()


def slot_start(day_text: str, slot: str, hall: HallInfo) -> dt.datetime:
    """When booking slot ``slot`` (``HH:MM-HH:MM``) of business day ``day_text`` begins (aware, the hall's time
    zone). A slot earlier than the hall's ``day_starts_at`` (only in an all-hours drill) is the night after that
    day, as the business day is."""
    start = dt.time.fromisoformat(slot[:5])
    day = dt.date.fromisoformat(day_text) + dt.timedelta(days=1 if start < hall.day_starts_at else 0)
    return dt.datetime.combine(day, start, hall.tz)


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


_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
#: a quarter as a request names it (``2026Q4``), years 2000 to 2099: the declared type of ``quarter`` inputs
QuarterText = Annotated[str, StringConstraints(pattern=r"^20[0-9]{2}Q[1-4]$")]


@dataclass(frozen=True)
class Quarter:
    """One calendar quarter, e.g. ``2026Q4``."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026Q4`` → the quarter; a ``ValueError`` naming the expected form otherwise."""
        match = _QUARTER.match(text.strip().upper())
        if not match:
            raise ValueError(f"季度应写作 YYYYQn（如 2026Q4），收到 {text!r}")
        if not 2000 <= int(match.group(1)) <= 2099:  # year 0 has no dates: it was a 500 (issue 13)
            raise ValueError(f"季度的年份应在 2000 到 2099 之间，收到 {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        if self.number == 4:
            return date(self.year, 12, 31)
        return date.fromordinal(date(self.year, 3 * self.number + 1, 1).toordinal() - 1)

    @property
    def span(self) -> str:
        """``2026年10月1日至12月31日``."""
        first, last = self.first_day, self.last_day
        return f"{first.year}年{first.month}月{first.day}日至{last.month}月{last.day}日"

    @property
    def title(self) -> str:
        """``2026年第四季度``."""
        return f"{self.year}年第{_QUARTER_NAMES[self.number]}季度"

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter ``day`` falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)
