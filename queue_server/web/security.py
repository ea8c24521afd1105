"""The ``[security]`` settings and the in-memory guards on the routes people can guess at: staff login (per 工号 and
per address), appointment check-in (per kiosk token and per address) and the questionnaire page's ticket lookup (per
address; its answers have their own per-address limit, ``survey_answers_per_address``).

A guard counts *failures* only: a counter that logs in on the first try, or a kiosk checking in real codes, is never
slowed down. The counts live in memory on the injected clock's monotonic seconds. A restart forgets them, which is
acceptable: they bound guessing speed, and writing a row per wrong guess would let the guessing fill the database
(and the disk's write budget) instead.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from queue_server.core.config import ConfigError, HallConfig
from queue_server.core.errors import ApiError

SECTION = "security"

#: the ``[security]`` options and their defaults (docs/configuration.md documents each; a test checks)
SECURITY_DEFAULTS: dict[str, float] = {
    "staff_session_hours": 12,
    "login_failures_per_staff": 5,
    "login_failures_per_address": 20,
    "login_window_minutes": 15,
    "checkin_failures_per_device": 10,
    "checkin_window_minutes": 10,
    "survey_lookup_failures_per_address": 20,
    "survey_answers_per_address": 30,
    "survey_window_minutes": 1,
}
SECURITY_OPTIONS = frozenset(SECURITY_DEFAULTS)


@dataclass(frozen=True)
class SecuritySettings:
    """Validated ``[security]``: how long a staff login lasts and how many failures each guard allows."""

    staff_session_hours: float = 12
    login_failures_per_staff: int = 5
    login_failures_per_address: int = 20
    login_window_minutes: float = 15
    checkin_failures_per_device: int = 10
    checkin_window_minutes: float = 10
    survey_lookup_failures_per_address: int = 20
    survey_answers_per_address: int = 30
    survey_window_minutes: float = 1


def security_settings(config: HallConfig) -> SecuritySettings:
    """Validate ``[security]`` (optional; every option has a default).

    :raises ConfigError: an unknown option or a value that is not a positive number (all but the ``_hours`` and
        ``_minutes`` ones are counts: whole numbers).
    """
    section: dict[str, Any] = config.sections.get(SECTION) or {}
    unknown = set(section) - SECURITY_OPTIONS
    if unknown:
        raise ConfigError(config.path, f"{SECTION}.{sorted(unknown)[0]}", "未知的配置项")
    values: dict[str, Any] = {}
    for name, default in SECURITY_DEFAULTS.items():
        value = section.get(name, default)
        counted = not name.endswith(("_hours", "_minutes"))
        if isinstance(value, bool) or not isinstance(value, int if counted else (int, float)) or value <= 0:
            raise ConfigError(config.path, f"{SECTION}.{name}", "应为正整数" if counted else "应为正数")
        values[name] = value
    return SecuritySettings(**values)


class FailureGuard:
    """At most ``limit`` failures per key within ``seconds``; then the key waits until its oldest failure ages out.

    :param clock: the injected clock (only ``monotonic()`` is read).
    """

    def __init__(self, clock: Any, limit: int, seconds: float) -> None:
        self.clock = clock
        self.limit = limit
        self.seconds = seconds
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        now = self.clock.monotonic()
        while failures and now - failures[0] >= self.seconds:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def retry_after(self, key: str) -> float | None:
        """Seconds ``key`` must wait before it may try again, or ``None`` when it may try now."""
        failures = self._recent(key)
        if len(failures) < self.limit:
            return None
        return max(failures[0] + self.seconds - self.clock.monotonic(), 1.0)

    def fail(self, key: str) -> None:
        """Count one failure of ``key``."""
        if len(self._failures) > 50_000:  # a flood of fresh keys: forget the stale ones first
            for stale in list(self._failures):
                self._recent(stale)
        self._failures.setdefault(key, deque()).append(self.clock.monotonic())

    def clear(self, key: str) -> None:
        """Forget ``key``'s failures (a staff member who finally typed the right password)."""
        self._failures.pop(key, None)


def too_many(seconds: float, what: str) -> ApiError:
    """429 ``rate_limited`` with the wait in whole seconds (the body's ``retry_after`` and a Retry-After header)."""
    wait = math.ceil(seconds)
    when = f"{math.ceil(wait / 60)} 分钟" if wait >= 60 else f"{wait} 秒"
    return ApiError(429, "rate_limited", f"{what}失败次数过多，请 {when}后再试", retry_after=wait)


class Guards:
    """The hall's guards, built from ``[security]`` once per application."""

    def __init__(self, settings: SecuritySettings, clock: Any) -> None:
        self.settings = settings
        login_s = settings.login_window_minutes * 60
        self.login_staff = FailureGuard(clock, settings.login_failures_per_staff, login_s)
        self.login_address = FailureGuard(clock, settings.login_failures_per_address, login_s)
        checkin_s = settings.checkin_window_minutes * 60
        self.checkin = FailureGuard(clock, settings.checkin_failures_per_device, checkin_s)
        survey_s = settings.survey_window_minutes * 60
        self.survey_lookup = FailureGuard(clock, settings.survey_lookup_failures_per_address, survey_s)

    @staticmethod
    def check(what: str, *pairs: tuple[FailureGuard, str]) -> None:
        """Raise 429 when any (guard, key) pair is over its limit."""
        waits = [wait for guard, key in pairs if (wait := guard.retry_after(key)) is not None]
        if waits:
            raise too_many(max(waits), what)


def install(app: web.Application, config: HallConfig, clock: Any) -> None:
    """Validate ``[security]`` and put the guards in ``app[GUARDS]``."""
    app[GUARDS] = Guards(security_settings(config), clock)


GUARDS: web.AppKey[Guards] = web.AppKey("guards", Guards)
