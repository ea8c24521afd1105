"""Shared plumbing of the reviews area's views: per-app state, date ranges, admin writes, publishing events."""
from __future__ import annotations

import asyncio
import inspect
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from aiohttp import web
from sqlite_utils import Database

from queue_server.core.db import database_file
from queue_server.core.errors import invalid
from queue_server.core.hall_time import business_day
from queue_server.keys import BUS, CLOCK, CONFIG, DB, WRITER
from queue_server.reviews.ratelimit import RateLimiter
from queue_server.reviews.settings import ReviewSettings, load_review_settings
from queue_server.web.auth import require


@dataclass
class ReviewsState:
    """The validated ``[reviews]`` section and the submission rate limiter of one app."""

    settings: ReviewSettings
    limiter: RateLimiter
    address_limiter: RateLimiter
    extra: dict[str, Any] = field(default_factory=dict)


T = TypeVar("T")
REVIEWS_STATE = web.AppKey("reviews_state", ReviewsState)


def install_state(app: web.Application) -> None:
    """Validate ``[reviews]`` and create the limiter once, at set-up (a bad section stops start-up)."""
    if REVIEWS_STATE in app:
        return
    settings = load_review_settings(app[CONFIG])
    app[REVIEWS_STATE] = ReviewsState(
        settings, RateLimiter(app[CLOCK], settings.rate_limit_count, settings.rate_limit_seconds),
        RateLimiter(app[CLOCK], settings.rate_limit_address_count, settings.rate_limit_seconds))


def client_address(request: web.Request, trusted_proxies: frozenset[str]) -> str:
    """The phone's address: the peer, or behind a trusted reverse proxy the nearest untrusted X-Forwarded-For hop."""
    address = request.remote or "?"
    if address in trusted_proxies:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        for hop in reversed(hops):
            if hop not in trusted_proxies:
                return hop
    return address


def state(request: web.Request) -> ReviewsState:
    """This app's reviews state."""
    return request.app[REVIEWS_STATE]


def now(request: web.Request) -> datetime:
    """The injected clock's now (aware UTC)."""
    return request.app[CLOCK].now()


def today(request: web.Request) -> date:
    """Today's business day in the hall."""
    return business_day(now(request), request.app[CONFIG].hall)


def day_range(request: web.Request, default_days: int = 0) -> tuple[str, str]:
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD``; defaults: the last ``default_days`` days up to today."""
    end = today(request)
    values = {}
    for name, default in (("from", end - timedelta(days=default_days)), ("to", end)):
        text = request.query.get(name)
        if not text:
            values[name] = default
            continue
        try:
            values[name] = date.fromisoformat(text)
        except ValueError:
            raise invalid(name, "日期应为 YYYY-MM-DD") from None
    if values["from"] > values["to"]:
        raise invalid("from", "起始日期不能晚于结束日期")
    return values["from"].isoformat(), values["to"].isoformat()


def query_days(request: web.Request, day_from: str | None, day_to: str | None,
               default_days: int = 0) -> tuple[str, str]:
    """A declared ``?from=&to=`` (already valid days, see ``DaysQuery``) with :func:`day_range`'s defaults: the
    last ``default_days`` days up to today; ``from`` after ``to`` is named."""
    end = today(request)
    start = day_from or (end - timedelta(days=default_days)).isoformat()
    stop = day_to or end.isoformat()
    if start > stop:
        raise invalid("from", "起始日期不能晚于结束日期")
    return start, stop


def actor_name(principal: Any) -> str:
    """How the logs name the person acting: the account's name, else its role."""
    return getattr(principal, "name", None) or getattr(principal, "role", "") or "?"


async def admin_write(request: web.Request, body: dict[str, Any],
                      write: Callable[[Database, dict[str, Any], str], T]) -> T:
    """An admin's POST to the ledgers: the role checked, then ``write(db, body, actor)`` as one operation of the
    writer with the validated body (its model dumped to a dict); its result is returned (once on disk) for the
    caller to answer with."""
    principal = require(request, "admin")
    actor = actor_name(principal)
    return await request.app[WRITER].run(lambda db: write(db, body, actor))


def _db_file(db: Database) -> str | None:
    """The main database file of a connection, or ``None`` for an in-memory database."""
    for _, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or None
    return None


async def run_read(request: web.Request, work: Callable[[Database], T]) -> T:
    """Run a long read (a quarter's KPIs, a month's export) on its own read-only connection in a worker thread,
    so the hall's calls and tickets are not held up while it runs (WAL lets readers and the writer overlap)."""
    path = database_file(request.app[DB])
    if path is None:
        return work(request.app[DB])

    def _in_thread() -> T:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        try:
            return work(Database(conn))
        finally:
            conn.close()

    return await asyncio.get_running_loop().run_in_executor(None, _in_thread)


async def publish(app: web.Application, event: Any) -> None:
    """Publish on the bus after the commit, whether the bus's ``publish`` is plain or a coroutine."""
    result = app[BUS].publish(event)
    if inspect.isawaitable(result):
        await result
