"""Typed application state shared by the views (``app[KEY]``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from sqlite_utils import Database

if TYPE_CHECKING:
    from .clock import Clock
    from .config import HallConfig
    from .events import EventBus
    from .hall import Hall
    from .ws import WebSocketHub

CONFIG: web.AppKey["HallConfig"] = web.AppKey("config")
DB: web.AppKey[Database] = web.AppKey("db")
CLOCK: web.AppKey["Clock"] = web.AppKey("clock")
BUS: web.AppKey["EventBus"] = web.AppKey("bus")
HALL: web.AppKey["Hall"] = web.AppKey("hall")
HUB: web.AppKey["WebSocketHub"] = web.AppKey("hub")
OPEN_ALL_HOURS: web.AppKey[bool] = web.AppKey("open_all_hours")
