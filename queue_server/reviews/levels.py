"""The five review levels, the review channels, and their codes at the export edge.

Levels stay names inside the system (``very_satisfied`` …); numeric codes differ between platforms (GB/T 39046
numbers 1 = 非常满意 … 5 = 非常不满意, some provincial interfaces number them the other way round), so codes are only
applied when a record leaves the system.
"""
from __future__ import annotations

LEVELS: dict[str, str] = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "very_dissatisfied": "非常不满意",
}
"""Level name → Chinese name, best first."""

BAD_LEVELS: frozenset[str] = frozenset({"dissatisfied", "very_dissatisfied"})
"""差评: these levels need a reason and open a rectification case."""

GOOD_LEVELS: frozenset[str] = frozenset({"very_satisfied", "satisfied", "basically_satisfied"})
"""好评 as the national 好差评 system counts it (非常满意, 满意, 基本满意)."""

CHANNELS: dict[str, str] = {
    "pc": "PC端",
    "mobile": "移动端",
    "qr": "二维码",
    "tablet": "政务服务大厅平板电脑",
    "terminal": "政务服务大厅其他终端",
    "phone": "电话",
    "sms": "短信",
}
"""Channel name → Chinese name, in the order of GB/T 39046 Table 9."""

CHANNEL_CODES: dict[str, int] = {name: i for i, name in enumerate(CHANNELS, start=1)}
"""Channel name → code in the GB/T 39046 export (1 PC … 7 SMS)."""

NATIONAL_LEVEL_CODES: dict[str, int] = {name: i for i, name in enumerate(LEVELS, start=1)}
"""GB/T 39046 numbering: 1 = 非常满意 … 5 = 非常不满意."""

REVERSED_LEVEL_CODES: dict[str, int] = {name: 6 - code for name, code in NATIONAL_LEVEL_CODES.items()}
"""The reversed (provincial) numbering: 5 = 非常满意 … 1 = 非常不满意."""

LEVEL_CODE_SCHEMES: dict[str, dict[str, int]] = {
    "national": NATIONAL_LEVEL_CODES,
    "reversed": REVERSED_LEVEL_CODES,
}

DEFAULT_BAD_REASONS: tuple[str, ...] = (
    "等候时间过长",
    "服务态度不好",
    "一次性告知不到位",
    "材料要求不合理",
    "办理时间过长",
    "办事流程繁琐",
    "窗口人员业务不熟",
    "其他",
)
"""Reasons offered for a bad review when the hall's config names none."""


def level_name(level: str) -> str:
    """Chinese name of a level (the level itself when unknown)."""
    return LEVELS.get(level, level)


def channel_name(channel: str) -> str:
    """Chinese name of a channel (the channel itself when unknown)."""
    return CHANNELS.get(channel, channel)
