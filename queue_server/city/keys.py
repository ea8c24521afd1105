"""Typed state of the city server's application (``app[KEY]``) and its settings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import asyncpg
from aiohttp import web

from queue_server.core.clock import Clock


@dataclass(frozen=True)
class CitySettings:
    """How the city server runs (``govhall city serve`` options)."""

    dsn: str
    #: the city's name as the bulletin titles it (e.g. 某某市)
    name: str = "全市"
    #: a hall silent this long is shown as 失联 on the board (three missed heartbeats at the hall's default)
    stale_after: timedelta = timedelta(minutes=3)
    #: the time zone of the halls' business days
    tz: str = "Asia/Shanghai"


POOL: web.AppKey[asyncpg.Pool] = web.AppKey("city_pool", asyncpg.Pool)
SETTINGS: web.AppKey[CitySettings] = web.AppKey("city_settings", CitySettings)
CLOCK: web.AppKey[Clock] = web.AppKey("city_clock", Clock)
