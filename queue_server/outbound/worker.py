"""The delivery worker: sends what the outbox holds, keeps what fails for later, parks what keeps failing.

One task on the event loop with one ``aiohttp.ClientSession``, started and stopped with the app. Each round it
reads the due messages of every configured channel (on the read connection) and starts attempts:

- an unordered channel (webhook, SMS, province): up to ``[outbound] concurrency`` attempts at once, soonest due
  first;
- an ordered channel (the city's records): one at a time, strictly by ``seq``: the next message is tried only once
  the one before it has left ``pending`` (delivered, or parked as dead by its ``max_attempts``).

Each attempt's result is recorded through the writer. A failure is tried again after an exponential backoff with
jitter (:func:`backoff`: ``first_delay`` doubling up to ``max_delay``, at least what ``Retry-After`` asked for); a
refusal (``Outcome.reject``) or the ``max_attempts``-th failure parks the message as ``dead`` and publishes
``outbound.dead`` for the admin page.

The worker sleeps until the next message is due, at most ``poll_seconds``, and wakes at once when new messages
commit (the outbox's ``outbound.queued`` event on the bus, or a wake-up after a direct ``enqueue``'s commit) or an
attempt ends. Pending messages are in SQLite, so after a restart it simply picks them up again. Delivery is at
least once: an attempt cut off by a crash before its result was recorded is made again, with the same id.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from sqlite_utils import Database

from queue_server.core.clock import Clock, from_iso
from queue_server.core.events import Event, EventBus
from queue_server.core.writer import Writer
from queue_server.outbound import store
from queue_server.outbound.channel import ChannelSettings, Message, Outcome
from queue_server.outbound.outbox import QUEUED_EVENT, Outbox
from queue_server.outbound.registry import ConfiguredChannel, OutboundSettings

log = logging.getLogger(__name__)

#: a Retry-After longer than this is taken as this (a receiver's mistake must not park a message for months)
MAX_RETRY_AFTER = 86_400.0


def backoff(settings: ChannelSettings, attempt: int, retry_after: float | None, rand: Callable[[], float]) -> float:
    """Seconds to wait after the ``attempt``-th failure: ``first_delay`` doubled per earlier failure, capped at
    ``max_delay``, times a jitter in [0.75, 1.25) (so receivers that failed together are not hit together again),
    still within ``max_delay``; never less than the receiver's ``Retry-After``."""
    base = min(settings.max_delay, settings.first_delay * 2 ** min(attempt - 1, 60))
    delay = min(settings.max_delay, base * (0.75 + rand() / 2))
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


class DeliveryWorker:
    """Delivers the outbox's messages for the configured channels.

    :param outbox: the app's outbox (its channels, its wake-up seam).
    :param writer: records each attempt's result.
    :param db: the loop's read connection (the pick).
    :param clock: the hall's clock: due times and backoff are measured on it, so a test moves time.
    :param bus: where ``outbound.queued`` arrives after a commit.
    :param settings: ``[outbound]``: concurrency and the longest sleep.
    :param rand: the jitter's source (a test may fix it).
    """

    def __init__(self, outbox: Outbox, writer: Writer, db: Database, clock: Clock, bus: EventBus,
                 settings: OutboundSettings, rand: Callable[[], float] = random.random) -> None:
        self.outbox = outbox
        self.writer = writer
        self.db = db
        self.clock = clock
        self.bus = bus
        self.settings = settings
        self.rand = rand
        self.http: aiohttp.ClientSession | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        #: attempts running, by channel and message id
        self._inflight: dict[str, dict[str, asyncio.Task]] = {}
        self._barrier: asyncio.Task | None = None
        self._barrier_again = False
        self._unsubscribe: Callable[[], None] | None = None
        self._stopping = False
        #: attempts made since start, by result (benches and logs)
        self.counts = {"delivered": 0, "retried": 0, "dead": 0}

    # -- life cycle ---------------------------------------------------------------------------------------------

    async def context(self, app: web.Application) -> AsyncIterator[None]:
        """For ``app.cleanup_ctx``: run while the app runs (after the writer starts, stopped before it stops)."""
        await self.start()
        yield
        await self.stop()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._stopping = False
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        self._unsubscribe = self.bus.subscribe(self._on_event)
        self.outbox.wake_after_commit = lambda: loop.call_soon_threadsafe(self._wake_after_commit)
        self._task = asyncio.create_task(self._run(), name="govhall-outbound")

    async def stop(self) -> None:
        """Stop picking; attempts still running are cut off (their messages stay pending and go out later)."""
        self.outbox.wake_after_commit = None
        # the loop checks this too: Python 3.11's wait_for swallows a cancellation that arrives as its wait ends
        # (a cancelled attempt's wake() does just that), and the loop would then wait on, and stop() with it
        self._stopping = True
        if self._unsubscribe is not None:
            self._unsubscribe()
        tasks = [t for t in (self._task, self._barrier) if t is not None]
        tasks += [t for running in self._inflight.values() for t in running.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.close()

    def wake(self) -> None:
        """Look for due messages now (after new messages, an ended attempt, or a test moving the clock)."""
        self._wake.set()

    def _on_event(self, event: Event) -> None:
        if event.name == QUEUED_EVENT:
            self.wake()

    def _wake_after_commit(self) -> None:
        # an enqueue outside the batch hook: its transaction has not committed yet. A no-op operation queued now
        # runs in a later batch, so once it returns, the enqueue's batch is on disk (or was rolled back).
        if self._barrier is not None and not self._barrier.done():
            self._barrier_again = True  # that barrier may have been queued before this enqueue's batch began
            return
        self._barrier = asyncio.create_task(self._after_next_commit())

    async def _after_next_commit(self) -> None:
        while True:
            self._barrier_again = False
            with contextlib.suppress(Exception):
                await self.writer.run(lambda db: None)
            self.wake()
            if not self._barrier_again:
                return

    # -- the loop -----------------------------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                due = self._dispatch()
            except Exception:  # a read failing (disk trouble) must not end delivery for good
                log.exception("outbound worker could not read the outbox")
                due = None
            timeout = self.settings.poll_seconds
            if due is not None:
                timeout = min(timeout, max(0.0, (due - self.clock.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def _dispatch(self) -> datetime | None:
        """Start every attempt that is due and has a free slot; when the next not-yet-due message is due."""
        now = self.clock.now()
        now_iso = now.isoformat(timespec="microseconds")
        soonest: str | None = None
        for name, configured in self.outbox.channels.items():
            running = self._inflight.setdefault(name, {})
            if configured.channel.ordered:
                if running:
                    continue
                row = store.next_in_order(self.db, name)
                candidates, free = ([row] if row else []), 1
            else:
                free = self.settings.concurrency - len(running)
                candidates = store.pending(self.db, name, len(running) + free + 1)
            for row in candidates:
                if row["id"] in running:
                    continue
                if row["next_attempt_at"] > now_iso:
                    soonest = min(soonest or row["next_attempt_at"], row["next_attempt_at"])
                    break
                if free <= 0:
                    break  # an attempt that ends wakes the worker
                free -= 1
                running[row["id"]] = asyncio.create_task(self._attempt(configured, row))
        return from_iso(soonest) if soonest else None

    async def _attempt(self, configured: ConfiguredChannel, row: dict[str, Any]) -> None:
        settings = configured.settings
        attempt = row["attempts"] + 1
        message = Message(row["id"], row["channel"], row["kind"], json.loads(row["payload"]),
                          from_iso(row["created_at"]), attempt, row["seq"])
        try:
            try:
                async with asyncio.timeout(settings.timeout):
                    outcome = await configured.channel.deliver(message, self.http)
            except TimeoutError:
                outcome = Outcome.retry(f"超时：{settings.timeout:g} 秒内没有答复")
            except Exception as exc:  # a channel's bug counts as a failed attempt, never stops the worker
                log.exception("channel %s failed on message %s", row["channel"], row["id"])
                outcome = Outcome.retry(f"渠道出错：{type(exc).__name__}: {exc}"[:500])
            await self._record(message, settings, outcome)
        finally:
            self._inflight[row["channel"]].pop(row["id"], None)
            self.wake()

    async def _record(self, message: Message, settings: ChannelSettings, outcome: Outcome) -> None:
        now = self.clock.now()
        next_at: datetime | None = None
        if outcome.delivered:
            result = "delivered"
        elif outcome.permanent or message.attempt >= settings.max_attempts:
            result = "dead"
            log.warning("outbound %s message %s parked after %d attempts: %s", message.channel, message.id,
                        message.attempt, outcome.error)
        else:
            result = "retried"
            next_at = now + timedelta(seconds=backoff(settings, message.attempt, outcome.retry_after, self.rand))
        try:
            await self.writer.run(
                lambda db: store.record(db, message.id, message.attempt, now, delivered=outcome.delivered,
                                        next_attempt_at=next_at, error=outcome.error or "失败"),
                events=lambda events: events)
        except Exception:
            # the result is not stored: the message stays pending and is tried again; a pause keeps a broken disk
            # from turning this into a busy loop
            log.exception("outbound worker could not record an attempt of %s", message.id)
            await asyncio.sleep(1.0)
            return
        self.counts[result] += 1
