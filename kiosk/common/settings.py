"""The ``[kiosk]`` section of the hall config: where a kiosk finds the server, its token, printer and timings.

Every setting is declared once in :data:`SETTINGS` (name, default, help); ``docs/configuration.md`` documents each
one and a test checks that it does. Command-line options (``govhall kiosk --server/--token/--window``) override
the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from queue_server.core.config import ConfigError, Setting

ROLES = ("ticket", "review", "staff", "display")
PRINTER_KINDS = ("devices", "sim", "none")


SETTINGS: tuple[Setting, ...] = (
    Setting("server", "http://127.0.0.1:8080", "queue server base URL the kiosk talks to"),
    Setting("token", "", "the device's bearer token (kiosk, tablet or display role); empty = none"),
    Setting("window", 0, "the counter window a review tablet or staff panel serves (0 = ask / none)"),
    Setting("printer", "devices", "ticket printer: 'devices' (the [devices] printer), 'sim' (simulated, files "
            "under [devices] sim_dir), 'none' (numbers on screen only)"),
    Setting("idle_seconds", 60, "seconds without a touch before a kiosk returns to its home screen"),
    Setting("elder_mode", False, "start in 适老模式 (even larger type)"),
    Setting("review_timeout_seconds", 30, "seconds a review stays open before the ticket is left unrated"),
    Setting("fullscreen", False, "run the app full screen (hall machines)"),
    Setting("general_service", "general_intake", "code of the hall's 综合受理 service: the ticket kiosk's department "
            "grid adds a tile 不知道选哪个？请选… for it; empty, or a code the hall does not have = no such tile"),
)

_URL = re.compile(r"^https?://[^\s/]+(/.*)?$")


@dataclass(frozen=True)
class KioskSettings:
    """Validated ``[kiosk]`` settings (see :data:`SETTINGS` for each field's meaning)."""

    server: str = "http://127.0.0.1:8080"
    token: str = ""
    window: int = 0
    printer: str = "devices"
    idle_seconds: int = 60
    elder_mode: bool = False
    review_timeout_seconds: int = 30
    fullscreen: bool = False
    general_service: str = "general_intake"

    def with_overrides(self, **values: Any) -> "KioskSettings":
        """A copy with the given non-None values replaced (command-line overrides)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def parse_kiosk_section(raw: dict[str, Any] | None, path: Path | str = "<config>") -> KioskSettings:
    """Validate the raw ``[kiosk]`` table; raise ``ConfigError(path, "kiosk.<field>", ...)`` on a problem."""
    raw = dict(raw or {})
    known = {s.name for s in SETTINGS}
    for key in raw:
        if key not in known:
            raise ConfigError(path, f"kiosk.{key}", f"unknown setting (known: {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name not in raw:
            continue
        value, field = raw[setting.name], f"kiosk.{setting.name}"
        if isinstance(setting.default, bool):
            if not isinstance(value, bool):
                raise ConfigError(path, field, "must be true or false")
        elif isinstance(setting.default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(path, field, "must be a whole number")
        elif not isinstance(value, str):
            raise ConfigError(path, field, "must be a string")
        values[setting.name] = value
    settings = KioskSettings(**values)
    if not _URL.match(settings.server):
        raise ConfigError(path, "kiosk.server", f"must be an http(s) URL, not {settings.server!r}")
    if settings.printer not in PRINTER_KINDS:
        raise ConfigError(path, "kiosk.printer", f"must be one of {', '.join(PRINTER_KINDS)}")
    if not 10 <= settings.idle_seconds <= 3600:
        raise ConfigError(path, "kiosk.idle_seconds", "must be between 10 and 3600")
    if not 5 <= settings.review_timeout_seconds <= 600:
        raise ConfigError(path, "kiosk.review_timeout_seconds", "must be between 5 and 600")
    if not 0 <= settings.window <= 9999:
        raise ConfigError(path, "kiosk.window", "must be between 0 and 9999")
    return settings


def kiosk_settings(config: Any) -> KioskSettings:
    """The validated ``[kiosk]`` settings of a loaded ``HallConfig``."""
    return parse_kiosk_section(config.sections.get("kiosk"), config.path)
