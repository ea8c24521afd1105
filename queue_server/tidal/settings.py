"""The ``[tidal]`` section of the hall config: validated into :class:`TidalSettings` and a simulation profile.

Layout (every key optional; defaults from DOMAIN.md)::

    [tidal]
    enabled = true
    move_calm_windows = true  # an overloaded service may take a tidal window whose own service is calm again
    cross_window_support = true  # no free standby window: the calmest trained regular window takes the service up
    day_plan = false          # every trained regular window takes up the busiest trained service all day (每日兼办)
    open_wait_min = 20        # upper threshold: estimated wait over this opens a tidal window
    open_waiting = 10         # ... or more than this many waiting
    close_wait_min = 10       # lower threshold on the wait
    close_waiting = 5         # lower threshold on the waiting count
    hold_min = 10             # stay under the lower threshold this long before closing
    ack_timeout_min = 3       # standby staff acknowledge within this, else the hall manager is alerted
    max_windows_per_service = 1
    check_interval_s = 30

    [tidal.services.bdc_transfer]   # per-service overrides of the five thresholds
    open_waiting = 8

    [tidal.simulation]        # demand profile for ``govhall simulate`` (see SimulationProfile)
    tickets_per_day = 900
    [tidal.simulation.mix]
    bdc_transfer = 6
"""
from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from queue_server.core.config import ConfigError, HallConfig
from queue_server.policy.tidal_state import Thresholds, TidalSettings
from queue_server.simulation.model import DEFAULT_HOURLY, SimulationProfile

THRESHOLD_KEYS = {
    "open_wait_min": (float, 1, 480), "open_waiting": (int, 0, 10_000), "close_wait_min": (float, 0, 480),
    "close_waiting": (int, 0, 10_000), "hold_min": (float, 0, 480),
}
BOOL_KEYS = {"enabled": True, "move_calm_windows": True, "cross_window_support": True, "day_plan": False}
GLOBAL_KEYS = {
    "ack_timeout_min": (float, 0.1, 120), "max_windows_per_service": (int, 1, 50), "check_interval_s": (float, 1, 3600),
}
PROFILE_KEYS = {
    "tickets_per_day": (float, 1, 100_000), "monday_factor": (float, 0.1, 10), "month_start_factor": (float, 0.1, 10),
    "month_start_days": (int, 0, 23), "day_sigma": (float, 0, 2), "hour_sigma": (float, 0, 2),
    "service_cv": (float, 0.01, 3), "no_show_rate": (float, 0, 0.9), "no_show_wait_min": (float, 0, 60),
    "appointment_share": (float, 0, 1), "priority_share": (float, 0, 1), "break_min": (float, 0, 120),
    "ack_delay_min": (float, 0, 60), "busy_days": (int, 1, 365),
}


class _Check:
    def __init__(self, config: HallConfig) -> None:
        self.path = config.path

    def fail(self, field: str, problem: str) -> ConfigError:
        return ConfigError(self.path, field, problem)

    def number(self, table: dict, key: str, where: str, spec: tuple) -> float | int:
        kind, lo, hi = spec
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
            raise self.fail(f"{where}{key}", f"应为{'整数' if kind is int else '数字'} (must be a number), got {value!r}")
        if not lo <= value <= hi:
            raise self.fail(f"{where}{key}", f"应在 {lo} 到 {hi} 之间 (out of range), got {value!r}")
        return kind(value)

    def unknown(self, table: dict, known: set[str], where: str) -> None:
        extra = sorted(set(table) - known)
        if extra:
            raise self.fail(f"{where}{extra[0]}", "未知配置项 (unknown option)")

    def table(self, table: dict, key: str, where: str) -> dict:
        value = table.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"{where}{key}", "应为表 (must be a table)")
        return value


def _thresholds(c: _Check, table: dict, where: str, base: Thresholds) -> Thresholds:
    values = {f.name: getattr(base, f.name) for f in fields(Thresholds)}
    for key, spec in THRESHOLD_KEYS.items():
        if key in table:
            values[key] = c.number(table, key, where, spec)
    th = Thresholds(**values)
    if th.close_wait_min >= th.open_wait_min:
        raise c.fail(f"{where}close_wait_min", f"下限应低于上限 open_wait_min={th.open_wait_min:g} (lower must be below upper)")
    if th.close_waiting >= th.open_waiting:
        raise c.fail(f"{where}close_waiting", f"下限应低于上限 open_waiting={th.open_waiting} (lower must be below upper)")
    return th


def tidal_settings(config: HallConfig) -> TidalSettings:
    """The hall's validated tidal rules.

    :param config: the hall configuration.
    :raises ConfigError: naming ``tidal.<field>`` and the problem.
    """
    c = _Check(config)
    raw: dict[str, Any] = config.sections.get("tidal") or {}
    c.unknown(raw, {"services", "simulation"} | set(BOOL_KEYS) | set(THRESHOLD_KEYS) | set(GLOBAL_KEYS), "tidal.")
    flags = {}
    for key, default in BOOL_KEYS.items():
        flags[key] = raw.get(key, default)
        if not isinstance(flags[key], bool):
            raise c.fail(f"tidal.{key}", "应为 true 或 false (must be a boolean)")
    defaults = _thresholds(c, raw, "tidal.", Thresholds())
    overrides: dict[str, Thresholds] = {}
    for code, table in c.table(raw, "services", "tidal.").items():
        where = f"tidal.services.{code}."
        if code not in config.services:
            raise c.fail(f"tidal.services.{code}", f"未定义的业务 (unknown service) {code!r}")
        if not isinstance(table, dict):
            raise c.fail(f"tidal.services.{code}", "应为表 (must be a table)")
        c.unknown(table, set(THRESHOLD_KEYS), where)
        overrides[code] = _thresholds(c, table, where, defaults)
    extra = {key: c.number(raw, key, "tidal.", spec) for key, spec in GLOBAL_KEYS.items() if key in raw}
    return TidalSettings(defaults=defaults, overrides=overrides, **flags, **extra)


def simulation_profile(config: HallConfig) -> SimulationProfile:
    """The hall's demand profile for the simulator (``[tidal.simulation]``).

    :param config: the hall configuration.
    :raises ConfigError: naming ``tidal.simulation.<field>`` and the problem.
    """
    c = _Check(config)
    raw = c.table(config.sections.get("tidal") or {}, "simulation", "tidal.")
    where = "tidal.simulation."
    c.unknown(raw, set(PROFILE_KEYS) | {"mix", "hourly", "month_start_services", "break_spans"}, where)
    values: dict[str, Any] = {key: c.number(raw, key, where, spec) for key, spec in PROFILE_KEYS.items() if key in raw}
    mix = c.table(raw, "mix", where)
    for code in mix:
        if code not in config.services:
            raise c.fail(f"{where}mix.{code}", f"未定义的业务 (unknown service) {code!r}")
        c.number(mix, code, f"{where}mix.", (float, 0, 1e6))
    values["mix"] = {code: float(v) for code, v in mix.items()}
    hourly_raw = c.table(raw, "hourly", where)
    hourly = dict(DEFAULT_HOURLY)
    for key in hourly_raw:
        if not key.isdigit() or not 0 <= int(key) <= 23:
            raise c.fail(f"{where}hourly.{key}", "键应为 0–23 的小时 (keys are hours 0-23)")
        hourly[int(key)] = float(c.number(hourly_raw, key, f"{where}hourly.", (float, 0, 100)))
    values["hourly"] = hourly
    surge = raw.get("month_start_services", [])
    if not isinstance(surge, list) or not all(isinstance(s, str) for s in surge):
        raise c.fail(f"{where}month_start_services", "应为业务代码列表 (must be a list of service codes)")
    for i, code in enumerate(surge):
        if code not in config.services:
            raise c.fail(f"{where}month_start_services[{i}]", f"未定义的业务 (unknown service) {code!r}")
    values["month_start_services"] = tuple(surge)
    values["break_spans"] = _break_spans(c, raw.get("break_spans", []), f"{where}break_spans")
    return SimulationProfile(**values)


def _break_spans(c: _Check, raw: Any, field: str) -> tuple[tuple[float, float], ...]:
    """``["11:00-12:00", ...]`` as minute spans, each a valid ``HH:MM-HH:MM`` with its start before its end."""
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise c.fail(field, '应为 "HH:MM-HH:MM" 列表 (must be a list of "HH:MM-HH:MM" spans)')
    spans = []
    for i, text in enumerate(raw):
        try:
            a, b = (datetime.strptime(part.strip(), "%H:%M") for part in text.split("-"))
        except ValueError:
            raise c.fail(f"{field}[{i}]", f'应为 "HH:MM-HH:MM" (must be a time span), got {text!r}') from None
        start, end = a.hour * 60 + a.minute, b.hour * 60 + b.minute
        if end <= start:
            raise c.fail(f"{field}[{i}]", f"结束应晚于开始 (end must be after start), got {text!r}")
        spans.append((float(start), float(end)))
    return tuple(spans)
