"""The delivery worker: sends what the outbox holds, keeps what fails for later, parks what keeps failing.

One task on the event loop with one ``aiohttp.ClientSession`` (keep-alive connections, as many as the attempts that
can run at once), started and stopped with the app. The messages the batch hook stores reach it with the
``outbound.queued`` event, already built; it reads the outbox (on the read connection) only when it may hold due
messages the worker does not know (at start, a retry come due, an admin's retry, a direct ``enqueue``, an ordered
channel's next message, every ``poll_seconds``), several at a time. It starts attempts:

- an unordered channel (webhook, SMS, province): up to ``[outbound] concurrency`` attempts at once, soonest due
  first;
- an ordered channel (the city's records): one attempt at a time, strictly by ``seq``: the next message is tried
  only once the one before it has left ``pending`` (delivered, or parked as dead by its ``max_attempts``). A channel
  with ``deliver_batch`` (:class:`~queue_server.outbound.channel.BatchChannel`) gets up to its ``batch_size``
  consecutive pending messages in one attempt, as soon as the first is due (the first one's due time is the
  channel's); the outcome is each one's, and their results are recorded in one writer operation. A batch the
  receiver refuses (``Outcome.reject``) is not parked: its messages go again one an attempt, so only the refused
  one is parked, as it would have been without batches.

The results are recorded through the writer in groups: one writer operation for all the attempts that ended while
the previous group was being written (under load a round of attempts costs one operation, not one per message;
alone, a result is written at once). Until its result is recorded a message is neither picked again nor, on an
ordered channel, followed by the next. A failure is tried again after an exponential backoff with
jitter (:func:`backoff`: ``first_delay`` doubling up to ``max_delay``, at least what ``Retry-After`` asked for); a
refusal (``Outcome.reject``) or the ``max_attempts``-th failure parks the message as ``dead`` and publishes
``outbound.dead`` for the admin page.

The worker sleeps until the next message is due, at most ``poll_seconds``, and wakes at once when new messages
commit (the outbox's ``outbound.queued`` event on the bus, or a wake-up after a direct ``enqueue``'s commit), when a
group of results is recorded, or when a slot runs out of ready messages. Pending messages are in SQLite, so after a restart it simply picks them up again. Delivery is at
least once: an attempt cut off by a crash before its result was recorded is made again, with the same id.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from aiohttp import web
from sqlite_utils import Database

from queue_server.core.clock import Clock, from_iso, to_iso
from queue_server.core.events import Event, EventBus
from queue_server.core.writer import Writer
from queue_server.outbound import store
from queue_server.outbound.channel import ChannelSettings, Message, Outcome, batch_size
from queue_server.outbound.outbox import QUEUED_EVENT, Outbox
from queue_server.outbound.registry import ConfiguredChannel, OutboundSettings

log = logging.getLogger(__name__)

#: an unordered channel reads up to this many due messages at once beyond its free slots (fewer reads under load)
READ_AHEAD = 32
#: at most this many messages wait in memory per channel; beyond it they are read from the outbox when slots free
MAX_READY = 1000
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


@dataclass(frozen=True)
class _Ended:
    """An attempt's result, waiting to be recorded."""

    message: Message
    settings: ChannelSettings
    outcome: Outcome


class DeliveryWorker:
    """Delivers the outbox's messages for the configured channels.

    :param outbox: the app's outbox (its channels, its wake-up seam).
    :param writer: records the attempts' results.
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
        names = list(outbox.channels)
        #: messages on the wire, by channel
        self._inflight: dict[str, set[str]] = {name: set() for name in names}
        #: an unordered channel's ``concurrency`` slots: each takes the next ready message, tries it, takes the next
        self._slots: list[asyncio.Task] = []
        #: set when an unordered channel's ready messages may wait for an idle slot
        self._has_ready: dict[str, asyncio.Event] = {name: asyncio.Event() for name in names}
        #: an ordered channel's one attempt
        self._ordered: dict[str, asyncio.Task] = {}
        #: an ordered channel whose batch was refused: up to this seq its messages go one an attempt
        self._single_until: dict[str, int] = {}
        #: messages whose attempt ended and whose result is not recorded yet, by channel
        self._recording: dict[str, set[str]] = {name: set() for name in names}
        #: due messages known and not started yet (unordered channels), by channel, oldest first
        self._ready: dict[str, dict[str, Message]] = {name: {} for name in names}
        #: channels whose pending rows may hold due messages not read yet
        self._look: set[str] = set(names)
        #: per channel, when (UTC ISO text) the earliest pending message known not to be due yet will be
        self._due_at: dict[str, str] = {}
        #: ended attempts waiting for the recorder, and the recorder
        self._ended: list[_Ended] = []
        self._recorder: asyncio.Task | None = None
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
        # one kept-alive connection per attempt that can run at once, so an attempt never waits for a connection
        # and none is opened per message
        slots = sum(1 if c.channel.ordered else self.settings.concurrency for c in self.outbox.channels.values())
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=max(1, slots)),
                                          timeout=aiohttp.ClientTimeout(total=None),
                                          cookie_jar=aiohttp.DummyCookieJar())
        self._unsubscribe = self.bus.subscribe(self._on_event)
        self.outbox.wake_after_commit = lambda: loop.call_soon_threadsafe(self._wake_after_commit)
        self._task = asyncio.create_task(self._run(), name="govhall-outbound")
        # long-lived slots rather than a task per message: an idle slot waits, a busy one goes straight on to the
        # next ready message without a round through the loop below
        self._slots = [asyncio.create_task(self._slot(name, configured), name=f"govhall-outbound-{name}")
                       for name, configured in self.outbox.channels.items() if not configured.channel.ordered
                       for _ in range(self.settings.concurrency)]

    async def stop(self) -> None:
        """Stop picking; attempts still running are cut off (their messages stay pending and go out later)."""
        self.outbox.wake_after_commit = None
        # a second guard beside the cancellation (see _run): the loop ends by itself too
        self._stopping = True
        if self._unsubscribe is not None:
            self._unsubscribe()
        tasks = [t for t in (self._task, self._barrier, self._recorder) if t is not None]
        tasks += [*self._slots, *self._ordered.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.close()

    def wake(self) -> None:
        """Read every channel's due messages now (after new messages, or a test moving the clock)."""
        self._look.update(self.outbox.channels)
        self._wake.set()

    def _on_event(self, event: Event) -> None:
        if event.name != QUEUED_EVENT:
            return
        messages = event.data.get("messages")
        if messages is None:  # an admin's retry
            self.wake()
            return
        # the batch hook's messages, committed: an unordered channel starts them without reading them back
        for message in messages:
            name = message.channel
            ready = self._ready.get(name)
            if ready is None:
                continue
            if self.outbox.channels[name].channel.ordered or len(ready) >= MAX_READY:
                self._look.add(name)
            elif message.id not in self._inflight[name] and message.id not in self._recording[name]:
                ready[message.id] = message
                self._has_ready[name].set()
        self._wake.set()

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
                timeout = min(timeout, max(0.0, (from_iso(due) - self.clock.now()).total_seconds()))
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that arrives as the
            # wake-up fires (an attempt ending while stop() cancels everything), and stop() then waits for ever
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                self._look.update(self.outbox.channels)  # a retry came due, or the periodic look

    def _dispatch(self) -> str | None:
        """Read due messages where the outbox may hold some the worker does not know, hand them to the channel's
        slots, start an ordered channel's next attempt; when (UTC ISO) the next known message is due."""
        now_iso = to_iso(self.clock.now())
        for name, due in list(self._due_at.items()):
            if due <= now_iso:
                del self._due_at[name]
                self._look.add(name)
        for name, configured in self.outbox.channels.items():
            if configured.channel.ordered:
                self._dispatch_ordered(name, configured, now_iso)
            else:
                self._dispatch_unordered(name, now_iso)
        return min(self._due_at.values(), default=None)

    def _dispatch_ordered(self, name: str, configured: ConfiguredChannel, now_iso: str) -> None:
        # strictly by seq: nothing while a message is on the wire or its result unrecorded
        if self._inflight[name] or self._recording[name] or name not in self._look:
            return
        rows = store.next_in_order(self.db, name, batch_size(configured.channel))
        self._look.discard(name)
        if not rows:
            return
        if rows[0]["next_attempt_at"] > now_iso:
            self._due_at[name] = rows[0]["next_attempt_at"]
            return
        if rows[0]["seq"] <= self._single_until.get(name, 0):
            rows = rows[:1]
        messages = [store.message(row) for row in rows]
        self._inflight[name].update(m.id for m in messages)  # now: the task starts later, nothing may start meanwhile
        self._ordered[name] = asyncio.create_task(self._attempt(configured, messages))

    def _dispatch_unordered(self, name: str, now_iso: str) -> None:
        ready = self._ready[name]
        free = self.settings.concurrency - len(self._inflight[name])
        if name in self._look and len(ready) < free:
            self._read_due(name, now_iso, free - len(ready) + READ_AHEAD)
        if ready:
            self._has_ready[name].set()

    def _read_due(self, name: str, now_iso: str, want: int) -> None:
        """Add up to ``want`` due messages of an unordered channel, soonest due first, to its ready queue."""
        ready = self._ready[name]
        # pending rows only the worker changes, so what it holds (ready, on the wire, being recorded) is current
        known = self._inflight[name] | self._recording[name] | ready.keys()
        limit = want + len(known)
        rows = store.pending(self.db, name, limit)
        self._look.discard(name)
        for row in rows:
            if row["next_attempt_at"] > now_iso:
                self._note_due(name, row["next_attempt_at"])
                return
            if row["id"] not in known:
                ready[row["id"]] = store.message(row)
        if len(rows) == limit:
            self._look.add(name)  # more may be due

    async def _slot(self, name: str, configured: ConfiguredChannel) -> None:
        ready, has_ready = self._ready[name], self._has_ready[name]
        while True:
            if not ready:
                has_ready.clear()
                self._wake.set()  # the loop reads more, if the outbox may hold more
                await has_ready.wait()
                continue
            message = ready.pop(next(iter(ready)))
            self._inflight[name].add(message.id)
            try:
                await self._attempt(configured, [message])
            except Exception:  # a slot must outlive any bug in the bookkeeping: its message stays pending
                log.exception("outbound slot of %s failed on message %s", name, message.id)
                self._inflight[name].discard(message.id)
                self._look.add(name)

    async def _attempt(self, configured: ConfiguredChannel, messages: list[Message]) -> None:
        """One attempt: one message, or an ordered channel's batch (one outcome for all of them)."""
        settings, channel, first = configured.settings, configured.channel, messages[0]
        try:
            try:
                async with asyncio.timeout(settings.timeout):
                    if len(messages) == 1:
                        outcome = await channel.deliver(first, self.http)
                    else:
                        outcome = await channel.deliver_batch(messages, self.http)
            except TimeoutError:
                outcome = Outcome.retry(f"超时：{settings.timeout:g} 秒内没有答复")
            except Exception as exc:  # a channel's bug counts as a failed attempt, never stops the worker
                log.exception("channel %s failed on message %s (%d at once)", first.channel, first.id, len(messages))
                outcome = Outcome.retry(f"渠道出错：{type(exc).__name__}: {exc}"[:500])
        finally:
            self._inflight[first.channel].difference_update(m.id for m in messages)
        if outcome.permanent and len(messages) > 1:
            # one bad message must not park the good ones with it: they go again one by one, now (nothing is
            # recorded, so none of them has used up an attempt)
            log.warning("outbound %s refused a batch of %d (%s): sending them one by one", first.channel,
                        len(messages), outcome.error)
            self._single_until[first.channel] = messages[-1].seq
            self._look.add(first.channel)
            self._wake.set()
            return
        self._recording[first.channel].update(m.id for m in messages)
        self._ended.extend(_Ended(m, settings, outcome) for m in messages)
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_ended())

    # -- recording the results ----------------------------------------------------------------------------------

    async def _record_ended(self) -> None:
        # what ends while one group is being written forms the next group
        while self._ended:
            group, self._ended = self._ended, []
            await self._record(group)

    async def _record(self, group: list[_Ended]) -> None:
        now = self.clock.now()
        results: list[store.Result] = []
        for ended in group:
            message, outcome = ended.message, ended.outcome
            next_at = None
            if outcome.delivered:
                state = "delivered"
            elif outcome.permanent or message.attempt >= ended.settings.max_attempts:
                state = "dead"
                log.warning("outbound %s message %s parked after %d attempts: %s", message.channel, message.id,
                            message.attempt, outcome.error)
            else:
                state = "pending"
                next_at = to_iso(now + timedelta(seconds=backoff(ended.settings, message.attempt,
                                                                 outcome.retry_after, self.rand)))
            error = None if outcome.delivered else (outcome.error or "失败")
            results.append(store.Result(message.seq, message.id, message.attempt, state, next_at, error))
        recorded = False
        try:
            await self.writer.run(lambda db: store.record_results(db, results, now), events=lambda events: events)
            recorded = True
        except Exception:
            # not stored: the messages stay pending and are tried again; a pause keeps a broken disk from turning
            # this into a busy loop
            log.exception("outbound worker could not record %d attempts", len(results))
            await asyncio.sleep(1.0)
        finally:
            for ended in group:
                channel = ended.message.channel
                self._recording[channel].discard(ended.message.id)
                if not recorded or self.outbox.channels[channel].channel.ordered:
                    self._look.add(channel)  # the next in order, or the same messages again
            self._wake.set()
        if not recorded:
            return
        for ended, result in zip(group, results):
            self.counts["retried" if result.state == "pending" else result.state] += 1
            if result.next_attempt_at is not None:
                self._note_due(ended.message.channel, result.next_attempt_at)

    def _note_due(self, channel: str, at: str) -> None:
        due = self._due_at.get(channel)
        self._due_at[channel] = min(due, at) if due else at

