"""The ``[reviews]`` config section: deadlines, level codes, rate limits, the list of bad-review reasons.

Every field has the default DOMAIN.md gives; ``load_review_settings(config)`` validates the raw TOML dict once at
start-up and raises ``ConfigError(path, "reviews.<field>", "<what is wrong>")`` naming the field.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from queue_server.core.config import ConfigError, Setting
from queue_server.core.workdays import WorkCalendar
from queue_server.reviews.levels import DEFAULT_BAD_REASONS, LEVEL_CODE_SCHEMES, LEVELS
from queue_server.reviews.ranking import DEFAULT_WEIGHTS, INDICATORS

SECTION = "reviews"


SETTINGS: tuple[Setting, ...] = (
    Setting("callback_days", 1, "差评回访核实时限（工作日）"),
    Setting("rectify_days", 15, "差评整改时限（工作日）"),
    Setting("complaint_days", 5, "有诉即办/办不成事办结时限（工作日）"),
    Setting("level_code_scheme", "national", "导出时的评价等级编码：national（1=非常满意）或 reversed（5=非常满意）"),
    Setting("level_codes", None, "逐级指定导出编码的表，覆盖 level_code_scheme"),
    Setting("bad_reasons", list(DEFAULT_BAD_REASONS), "差评原因选项"),
    Setting("rate_limit_count", 5, "同一设备在 rate_limit_seconds 内最多提交的评价数"),
    Setting("rate_limit_seconds", 60, "限流统计窗口（秒）"),
    Setting("rate_limit_address_count", 30, "同一网络地址（如大厅WiFi）上所有手机在窗口内最多提交的评价数"),
    Setting("trusted_proxies", [], "可信反向代理地址；经其转发的请求按 X-Forwarded-For 识别手机地址"),
    Setting("tablet_review_minutes", 10, "评价器只能评价本窗口刚办结（此分钟数内）的号"),
    Setting("public_review_days", 7, "凭号票二维码可评价的天数（自办结起）"),
    Setting("extra_workdays", [], "额外工作日 YYYY-MM-DD（覆盖 chinese_calendar）"),
    Setting("extra_holidays", [], "额外休息日 YYYY-MM-DD（覆盖 chinese_calendar）"),
    Setting("ranking_weights", dict(DEFAULT_WEIGHTS), "单位考核排名的指标及权重（指标 = 权重）"),
)


@dataclass(frozen=True)
class ReviewSettings:
    """The validated ``[reviews]`` section."""

    callback_days: int = 1
    rectify_days: int = 15
    complaint_days: int = 5
    level_codes: dict[str, int] = field(default_factory=lambda: dict(LEVEL_CODE_SCHEMES["national"]))
    bad_reasons: tuple[str, ...] = DEFAULT_BAD_REASONS
    rate_limit_count: int = 5
    rate_limit_seconds: float = 60.0
    rate_limit_address_count: int = 30
    trusted_proxies: frozenset[str] = frozenset()
    tablet_review_minutes: int = 10
    public_review_days: int = 7
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    ranking_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))


def _int(path: Path, raw: dict[str, Any], name: str, default: int, minimum: int, maximum: int) -> int:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(path, f"{SECTION}.{name}", "必须是整数")
    if not minimum <= value <= maximum:
        raise ConfigError(path, f"{SECTION}.{name}", f"必须在 {minimum} 到 {maximum} 之间")
    return value


def _dates(path: Path, raw: dict[str, Any], name: str) -> list[date]:
    value = raw.get(name, [])
    if not isinstance(value, list):
        raise ConfigError(path, f"{SECTION}.{name}", "必须是日期列表")
    days = []
    for item in value:
        if isinstance(item, date):
            days.append(item)
            continue
        try:
            days.append(date.fromisoformat(str(item)))
        except ValueError:
            raise ConfigError(path, f"{SECTION}.{name}", f"无效日期 {item!r}，应为 YYYY-MM-DD") from None
    return days


def _level_codes(path: Path, raw: dict[str, Any]) -> dict[str, int]:
    scheme = raw.get("level_code_scheme", "national")
    if scheme not in LEVEL_CODE_SCHEMES:
        raise ConfigError(path, f"{SECTION}.level_code_scheme", f"只能是 {' 或 '.join(LEVEL_CODE_SCHEMES)}")
    codes = dict(LEVEL_CODE_SCHEMES[scheme])
    table = raw.get("level_codes")
    if table is None:
        return codes
    if not isinstance(table, dict):
        raise ConfigError(path, f"{SECTION}.level_codes", "必须是 等级 = 编码 的表")
    for level, code in table.items():
        if level not in LEVELS:
            raise ConfigError(path, f"{SECTION}.level_codes.{level}", f"未知等级，可用：{', '.join(LEVELS)}")
        if isinstance(code, bool) or not isinstance(code, int):
            raise ConfigError(path, f"{SECTION}.level_codes.{level}", "编码必须是整数")
        codes[level] = code
    if len(set(codes.values())) != len(codes):
        raise ConfigError(path, f"{SECTION}.level_codes", "各等级的编码不能重复")
    return codes


def _ranking_weights(path: Path, raw: dict[str, Any]) -> dict[str, float]:
    table = raw.get("ranking_weights", DEFAULT_WEIGHTS)
    if not isinstance(table, dict) or not table:
        raise ConfigError(path, f"{SECTION}.ranking_weights", "必须是非空的 指标 = 权重 表")
    weights = {}
    for name, weight in table.items():
        if name not in INDICATORS:
            raise ConfigError(path, f"{SECTION}.ranking_weights.{name}", f"未知指标，可用：{', '.join(INDICATORS)}")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 100:
            raise ConfigError(path, f"{SECTION}.ranking_weights.{name}", "权重必须是大于 0、不超过 100 的数")
        weights[name] = float(weight)
    return weights


def parse_review_settings(path: Path, raw: dict[str, Any] | None) -> ReviewSettings:
    """Validate the raw ``[reviews]`` TOML table (``None`` or missing → all defaults)."""
    raw = dict(raw or {})
    known = {s.name for s in SETTINGS}
    for name in raw:
        if name not in known:
            raise ConfigError(path, f"{SECTION}.{name}", "未知设置项")
    reasons = raw.get("bad_reasons", list(DEFAULT_BAD_REASONS))
    if (not isinstance(reasons, list) or not reasons
            or not all(isinstance(r, str) and r.strip() for r in reasons)):
        raise ConfigError(path, f"{SECTION}.bad_reasons", "必须是非空的文字列表")
    seconds = raw.get("rate_limit_seconds", 60)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 1 <= seconds <= 86400:
        raise ConfigError(path, f"{SECTION}.rate_limit_seconds", "必须是 1 到 86400 之间的秒数")
    proxies = raw.get("trusted_proxies", [])
    if not isinstance(proxies, list) or not all(isinstance(p, str) for p in proxies):
        raise ConfigError(path, f"{SECTION}.trusted_proxies", "必须是地址文字列表")
    for proxy in proxies:
        try:
            ipaddress.ip_address(proxy)
        except ValueError:
            raise ConfigError(path, f"{SECTION}.trusted_proxies", f"无效地址 {proxy!r}") from None
    workdays, holidays = _dates(path, raw, "extra_workdays"), _dates(path, raw, "extra_holidays")
    if set(workdays) & set(holidays):
        raise ConfigError(path, f"{SECTION}.extra_workdays", "同一日期不能既是工作日又是休息日")
    return ReviewSettings(
        callback_days=_int(path, raw, "callback_days", 1, 0, 30),
        rectify_days=_int(path, raw, "rectify_days", 15, 1, 120),
        complaint_days=_int(path, raw, "complaint_days", 5, 0, 60),
        level_codes=_level_codes(path, raw),
        bad_reasons=tuple(r.strip() for r in reasons),
        rate_limit_count=_int(path, raw, "rate_limit_count", 5, 1, 1000),
        rate_limit_seconds=float(seconds),
        rate_limit_address_count=_int(path, raw, "rate_limit_address_count", 30, 1, 100000),
        trusted_proxies=frozenset(proxies),
        tablet_review_minutes=_int(path, raw, "tablet_review_minutes", 10, 1, 24 * 60),
        public_review_days=_int(path, raw, "public_review_days", 7, 1, 365),
        calendar=WorkCalendar(workdays, holidays),
        ranking_weights=_ranking_weights(path, raw),
    )


def load_review_settings(config: Any) -> ReviewSettings:
    """The validated section of a loaded ``HallConfig``."""
    return parse_review_settings(Path(config.path), config.sections.get(SECTION))
