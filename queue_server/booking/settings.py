"""The ``[booking]`` section: how long a slot is, how many citizens it takes, how far ahead and how late one may book
or cancel, when a booking is a no-show (爽约) and what repeated no-shows cost, with per-service overrides
(``[booking.services.<code>]``). Every option has a default; a problem names its field."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any

from queue_server.core.config import HallConfig, Setting
from queue_server.core.config_reader import Reader

SECTION = "booking"

SETTINGS: tuple[Setting, ...] = (
    Setting("enabled", True, "开放网上预约（false：只能由工作人员代约，/book 页面提示暂停）"),
    Setting("slot_minutes", 30, "预约时段长度（分钟）；时段从每段办公时间的开始起排，不跨午休"),
    Setting("capacity_per_window", 1, "每个时段每个办理该业务的窗口可接待的预约人数（时段容量的默认值 = 此数 × 办理窗口数）"),
    Setting("days_ahead", 7, "可预约的天数：从明天起到今天之后第几天（含非工作日）"),
    Setting("cancel_before_minutes", 60, "最晚在时段开始前多少分钟可取消或改约"),
    Setting("late_allowance_minutes", 15, "时段结束后再过多少分钟仍未签到记为爽约"),
    Setting("no_show_limit", 3, "在 no_show_window_days 天内爽约达到此次数，暂停该手机号网上预约"),
    Setting("no_show_window_days", 30, "统计爽约次数的天数"),
    Setting("no_show_ban_days", 30, "暂停网上预约的天数（自最近一次爽约起）"),
    Setting("phone_retention_days", 90, "预约日期过后保留姓名和电话的天数，之后只留脱敏形式（不少于统计与暂停天数之和）"),
    Setting("reminder_time", "16:00", "前一天发送预约提醒短信的时间（HH:MM，需配置短信通道）"),
    Setting("rate_limit_phone_count", 5, "同一手机号在 rate_limit_minutes 内最多提交的网上预约数"),
    Setting("rate_limit_address_count", 30, "同一网络地址在 rate_limit_minutes 内最多的网上预约、取消和改约请求数"),
    Setting("rate_limit_minutes", 60, "网上预约限流的统计窗口（分钟）"),
    Setting("services", {}, "逐项业务的覆盖：[booking.services.<业务代码>] 可设 bookable（false 不开放预约）、"
                            "slot_minutes、capacity（每个时段的总容量）"),
)
SERVICE_OPTIONS = frozenset({"bookable", "slot_minutes", "capacity"})


@dataclass(frozen=True)
class ServiceBooking:
    """One service's booking rules after the overrides: bookable or not, slot length, seats per slot."""

    bookable: bool
    slot_minutes: int
    capacity: int


@dataclass(frozen=True)
class BookingSettings:
    """The validated ``[booking]`` section, with each service's rules resolved."""

    enabled: bool = True
    days_ahead: int = 7
    cancel_before_minutes: int = 60
    late_allowance_minutes: int = 15
    no_show_limit: int = 3
    no_show_window_days: int = 30
    no_show_ban_days: int = 30
    phone_retention_days: int = 90
    reminder_time: time = time(16, 0)
    rate_limit_phone_count: int = 5
    rate_limit_address_count: int = 30
    rate_limit_minutes: int = 60
    services: dict[str, ServiceBooking] = field(default_factory=dict)


def booking_settings(config: HallConfig) -> BookingSettings:
    """Validate ``[booking]`` of a loaded hall file (missing → every default).

    :raises ConfigError: naming the field, e.g. ``booking.services.passport.capacity``.
    """
    raw: dict[str, Any] = config.sections.get(SECTION) or {}
    r = Reader(config.path)
    where = f"{SECTION}."
    r.unknown(raw, {s.name for s in SETTINGS}, where)
    defaults = {s.name: s.default for s in SETTINGS}

    def whole(name: str, lo: int, hi: int) -> int:
        return r.int(raw, name, where, default=defaults[name], lo=lo, hi=hi)

    slot_minutes = whole("slot_minutes", 5, 240)
    per_window = whole("capacity_per_window", 1, 100)
    values = {
        "enabled": r.bool(raw, "enabled", where, True),
        "days_ahead": whole("days_ahead", 1, 90),
        "cancel_before_minutes": whole("cancel_before_minutes", 0, 7 * 24 * 60),
        "late_allowance_minutes": whole("late_allowance_minutes", 0, 240),
        "no_show_limit": whole("no_show_limit", 1, 100),
        "no_show_window_days": whole("no_show_window_days", 1, 365),
        "no_show_ban_days": whole("no_show_ban_days", 0, 365),
        "phone_retention_days": whole("phone_retention_days", 1, 3650),
        "reminder_time": r.clock_time(r.str(raw, "reminder_time", where, default="16:00"), f"{where}reminder_time"),
        "rate_limit_phone_count": whole("rate_limit_phone_count", 1, 1000),
        "rate_limit_address_count": whole("rate_limit_address_count", 1, 100_000),
        "rate_limit_minutes": whole("rate_limit_minutes", 1, 24 * 60),
    }
    # the no-show count needs the phone numbers of the whole window and ban: purging them sooner would lift bans
    if values["phone_retention_days"] < values["no_show_window_days"] + values["no_show_ban_days"]:
        raise r.fail(f"{where}phone_retention_days", "不能少于 no_show_window_days 与 no_show_ban_days 之和")
    overrides = r.table(raw, "services", where, required=False)
    unknown = sorted(set(overrides) - set(config.services))
    if unknown:
        raise r.fail(f"{where}services.{unknown[0]}", "大厅配置中没有这项业务")
    services = {}
    for code in config.services:
        item = r.table(overrides, code, f"{where}services.", required=False)
        at = f"{where}services.{code}."
        r.unknown(item, SERVICE_OPTIONS, at)
        windows = sum(1 for w in config.windows.values() if code in w.services and not w.standby)
        services[code] = ServiceBooking(
            bookable=r.bool(item, "bookable", at, True),
            slot_minutes=r.int(item, "slot_minutes", at, default=slot_minutes, lo=5, hi=240),
            capacity=r.int(item, "capacity", at, default=max(1, windows) * per_window, lo=1, hi=10_000),
        )
    return BookingSettings(**values, services=services)

