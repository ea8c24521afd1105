"""The reminders' part of ``[outbound.sms]``: when the "前面还有 N 位" SMS goes, how long after 办结 the review
link goes, and how long a consented phone is kept. The gateway's own options are the channel's
(:mod:`queue_server.outbound.sms`), which validates the whole table."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from queue_server.core.config import ConfigError, HallConfig, Setting

SETTINGS: tuple[Setting, ...] = (
    Setting("remind_ahead", 3, "前面还剩几位时发“前面还有 N 位”短信（每张号一次；0 = 不发）"),
    Setting("review_link_delay_min", 10, "办结后多少分钟仍未评价，才发评价链接短信（先给评价器留时间）"),
    Setting("phone_retention_days", 30, "群众留的手机号保存天数；到期删除，已发短信里的号码同时打码"),
)
_LIMITS = {"remind_ahead": (0, 50), "review_link_delay_min": (0, 24 * 60), "phone_retention_days": (1, 365)}


@dataclass(frozen=True)
class ReminderSettings:
    """Validated reminder options; ``offered`` is whether the hall configures the SMS channel at all."""

    offered: bool = False
    remind_ahead: int = 3
    review_link_delay_min: int = 10
    phone_retention_days: int = 30


def parse_reminders(raw: dict[str, Any] | None, path: Path | str) -> ReminderSettings:
    """The reminder options of an ``[outbound.sms]`` table (None: SMS is off, the defaults still purge).

    :raises ConfigError: naming ``outbound.sms.<option>`` when a value is not a whole number in its range.
    """
    if raw is None:
        return ReminderSettings()
    values: dict[str, int] = {}
    for setting in SETTINGS:
        value = raw.get(setting.name, setting.default)
        lo, hi = _LIMITS[setting.name]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ConfigError(path, f"outbound.sms.{setting.name}", f"应为 {lo}–{hi} 的整数，实为 {value!r}")
        values[setting.name] = value
    return ReminderSettings(offered=True, **values)


def sms_section(config: HallConfig) -> dict[str, Any] | None:
    """The hall file's ``[outbound.sms]`` table, or None."""
    section = (config.sections.get("outbound") or {}).get("sms")
    return section if isinstance(section, dict) else None


def reminder_settings(config: HallConfig) -> ReminderSettings:
    """The validated reminder options of a loaded hall file."""
    return parse_reminders(sms_section(config), config.path)
