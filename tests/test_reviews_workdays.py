"""Deadlines in working days across weekends, statutory holidays and make-up workdays (调休)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_server.core.config import ConfigError
from queue_server.core.workdays import WorkCalendar, holiday_data_warnings
from queue_server.reviews.settings import parse_review_settings

SH = ZoneInfo("Asia/Shanghai")


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def test_plain_week_friday_rolls_over_the_weekend() -> None:
    cal = WorkCalendar()
    # Fri 2025-11-21: the next working day is Monday 24th.
    assert cal.add_workdays(date(2025, 11, 21), 1) == date(2025, 11, 24)
    assert cal.add_workdays(date(2025, 11, 19), 1) == date(2025, 11, 20)
    # Opened on a Saturday: the Saturday never counts.
    assert cal.add_workdays(date(2025, 11, 22), 1) == date(2025, 11, 24)
    assert cal.add_workdays(date(2025, 11, 22), 0) == date(2025, 11, 24)


def test_national_day_2025_holiday_and_makeup_saturday() -> None:
    cal = WorkCalendar()
    # 2025-09-28 (Sun) and 2025-10-11 (Sat) are make-up workdays; 1–8 October are days off.
    assert cal.is_workday(date(2025, 9, 28)) and cal.is_workday(date(2025, 10, 11))
    assert not any(cal.is_workday(date(2025, 10, d)) for d in range(1, 9))
    # Call-back of a bad review given on Tue 30 September: due at the end of Thu 9 October.
    due = cal.deadline(local(2025, 9, 30, 16, 30), 1, SH)
    assert due == datetime(2025, 10, 9, 23, 59, 59, tzinfo=SH)
    assert due.tzinfo == timezone.utc
    # Rectification within 15 working days, counted by hand: 9, 10, 11 (Sat, 调休), 13–17, 20–24, 27, 28 October.
    hand = [9, 10, 11, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24, 27, 28]
    assert len(hand) == 15
    assert cal.deadline(local(2025, 9, 30), 15, SH) == datetime(2025, 10, 28, 23, 59, 59, tzinfo=SH)
    # A review given on the Sunday make-up day counts from that day, so the next working day is 29 September.
    assert cal.add_workdays(date(2025, 9, 28), 1) == date(2025, 9, 29)


def test_spring_festival_2026() -> None:
    cal = WorkCalendar()
    # Fri 13 Feb 2026 → Sat 14 Feb is a make-up workday; 15–23 Feb off; Sat 28 Feb works again.
    assert cal.add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_workdays(date(2026, 2, 14), 1) == date(2026, 2, 24)
    hand = [date(2026, 2, 14), *[date(2026, 2, d) for d in (24, 25, 26, 27, 28)], date(2026, 3, 2)]
    assert [cal.add_workdays(date(2026, 2, 13), n) for n in range(1, 8)] == hand
    assert cal.workdays_between(date(2026, 2, 13), date(2026, 3, 2)) == 7


def test_local_midnight_decides_the_day() -> None:
    cal = WorkCalendar()
    # 2025-10-08 17:30 UTC is already Thu 9 October 01:30 in Shanghai (a working day): due end of Fri 10th.
    opened = datetime(2025, 10, 8, 17, 30, tzinfo=timezone.utc)
    assert cal.deadline(opened, 1, SH) == datetime(2025, 10, 10, 23, 59, 59, tzinfo=SH)


def test_config_overrides_win_over_the_package() -> None:
    s = parse_review_settings(Path("hall.toml"), {"extra_holidays": ["2025-11-24"], "extra_workdays": ["2025-11-22"]})
    assert s.calendar.add_workdays(date(2025, 11, 21), 1) == date(2025, 11, 22)
    assert s.calendar.add_workdays(date(2025, 11, 22), 1) == date(2025, 11, 25)


def test_year_the_package_does_not_know_falls_back_to_the_week() -> None:
    cal = WorkCalendar(extra_holidays=[date(2099, 1, 1)])
    assert not cal.is_workday(date(2099, 1, 1))  # Thursday, declared off
    assert cal.is_workday(date(2099, 1, 2)) and not cal.is_workday(date(2099, 1, 3))
    assert cal.add_workdays(date(2098, 12, 31), 1) == date(2099, 1, 2)


def test_settings_defaults_and_errors() -> None:
    s = parse_review_settings(Path("hall.toml"), None)
    assert (s.callback_days, s.rectify_days) == (1, 15)
    assert s.level_codes["very_satisfied"] == 1 and s.level_codes["very_dissatisfied"] == 5
    rev = parse_review_settings(Path("hall.toml"), {"level_code_scheme": "reversed"})
    assert rev.level_codes["very_satisfied"] == 5 and rev.level_codes["very_dissatisfied"] == 1
    custom = parse_review_settings(Path("h.toml"), {"level_codes": {"very_satisfied": 9}})
    assert custom.level_codes["very_satisfied"] == 9 and custom.level_codes["satisfied"] == 2
    cases = [
        ({"callback_days": "1"}, "reviews.callback_days"),
        ({"rectify_days": 0}, "reviews.rectify_days"),
        ({"level_code_scheme": "upside"}, "reviews.level_code_scheme"),
        ({"level_codes": {"very_satisfied": 2}}, "reviews.level_codes"),
        ({"level_codes": {"great": 1}}, "reviews.level_codes.great"),
        ({"bad_reasons": []}, "reviews.bad_reasons"),
        ({"extra_workdays": ["2025-13-01"]}, "reviews.extra_workdays"),
        ({"rate_limit_seconds": 0}, "reviews.rate_limit_seconds"),
        ({"typo": 1}, "reviews.typo"),
    ]
    for raw, field in cases:
        with pytest.raises(ConfigError) as err:
            parse_review_settings(Path("hall.toml"), raw)
        assert err.value.field == field, raw


def test_negative_days_rejected() -> None:
    with pytest.raises(ValueError):
        WorkCalendar().add_workdays(date(2025, 1, 2), -1)
    assert WorkCalendar().add_workdays(date(2025, 1, 2), 0) == date(2025, 1, 2)


def test_rate_limit_and_proxy_settings() -> None:
    s = parse_review_settings(Path("hall.toml"), {"trusted_proxies": ["127.0.0.1", "::1"],
                                                  "rate_limit_address_count": 50})
    assert s.trusted_proxies == frozenset({"127.0.0.1", "::1"}) and s.rate_limit_address_count == 50
    for raw, field in (({"trusted_proxies": ["nginx"]}, "reviews.trusted_proxies"),
                       ({"trusted_proxies": "127.0.0.1"}, "reviews.trusted_proxies"),
                       ({"rate_limit_address_count": 0}, "reviews.rate_limit_address_count")):
        with pytest.raises(ConfigError) as err:
            parse_review_settings(Path("hall.toml"), raw)
        assert err.value.field == field


def test_the_hall_is_told_before_it_works_in_a_year_without_holiday_data() -> None:
    """GIVEN the installed chinese_calendar's last year WHEN the hall's date comes within 60 days of the next year
    THEN one line names that year and both settings to fill in; dates of that year in either setting silence its
    part, and a hall open every day needs no open-day dates."""
    from dataclasses import replace

    import chinese_calendar

    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    hall = load_config(DEMO_CONFIG_PATH).hall
    last = max(chinese_calendar.holidays).year
    assert holiday_data_warnings(date(last, 10, 1), hall, WorkCalendar()) == []  # 1 October + 60 days: still known
    [line] = holiday_data_warnings(date(last, 12, 6), hall, WorkCalendar())
    assert line.startswith(f"{last + 1} 年的法定节假日和调休安排尚未载入（节假日数据只到 {last} 年）")
    assert "[hall] extra_closed_dates" in line and "[reviews] extra_holidays" in line and "周一至周五" in line

    new_year = date(last + 1, 1, 1)
    [line] = holiday_data_warnings(date(last, 12, 6), replace(hall, extra_closed_dates=frozenset({new_year})),
                                   WorkCalendar())
    assert "[hall]" not in line and "[reviews] extra_holidays" in line and "办理的时限" in line
    [line] = holiday_data_warnings(date(last, 12, 6), hall, WorkCalendar(extra_holidays=[new_year]))
    assert "[reviews]" not in line and "[hall] extra_closed_dates" in line and "开放日" in line
    assert holiday_data_warnings(date(last, 12, 6), replace(hall, open_days="every_day"), None) == []
    # far past the package: this year and the next, one line each
    assert [w[:4] for w in holiday_data_warnings(date(2090, 12, 6), hall, WorkCalendar())] == ["2090", "2091"]
