"""The outbox (``app[OUTBOX]``): messages stored in the same transaction as the records they report on.

Two ways in, both on the writer thread inside a transaction:

- the batch hook (:meth:`Outbox.after_batch`, registered after the tidal policy's, so the windows it opens go out
  too): each configured channel turns the batch's events into messages, stored before the batch commits;
- :meth:`Outbox.enqueue`, for a message no event carries (an appointment code by SMS), inside the caller's own
  write operation: rolled back with it if the operation fails.

Either way a record and the message reporting it reach the disk together or not at all. The delivery worker
(:mod:`queue_server.outbound.worker`) is told after the commit: the hook returns an internal event the writer
publishes once the batch is on disk; an ``enqueue`` asks for a wake-up after the next commit.

**A channel that fails to make its messages** (a bug in ``messages_for``) must not lose them while the records
commit. The hook runs each channel under its own savepoint; on failure it rolls that channel's partial writes back
and stores, in the same transaction, one ``dead`` message of kind :data:`EVENTS_KIND` holding the batch's events
and the error, and alerts the admin page (``outbound.dead``). Nothing is lost and nothing blocks the hall (failing
the whole batch instead would stop every ticket while the bug lasts); a retry from the admin page runs the
channel's ``messages_for`` on the kept events again, once the channel is fixed.

**Retention.** Delivered messages (and those an admin gave up, 放弃) are deleted ``[outbound] keep_delivered_days``
after they were finished (:func:`purge`, run at start and hourly by the outbound area's timer); pending and dead
ones never are: a dead one stays, and stays on the admin page's alerts, until an admin retries or discards it. A
pass deletes in chunks of :data:`PURGE_CHUNK` rows, one writer operation each, so a first purge of a large backlog
never holds the writer (and the hall's tickets) for long.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from sqlite_utils import Database

from queue_server.core.clock import Clock
from queue_server.core.errors import conflict, not_found
from queue_server.core.events import Event
from queue_server.core.writer import Writer
from queue_server.outbound import store
from queue_server.outbound.channel import Message
from queue_server.outbound.registry import ConfiguredChannel

log = logging.getLogger(__name__)

#: internal event (no topic: no client sees it) the hook returns when it stored messages; published after the
#: batch commits, it wakes the delivery worker (``data["messages"]``: the messages stored, when it has them)
QUEUED_EVENT = "outbound.queued"
#: the kind of a parked batch of events a channel could not turn into messages
EVENTS_KIND = "outbox.events"


class Outbox:
    """The configured channels and the ways messages enter the outbox.

    :param channels: the channels the hall file turns on (:func:`queue_server.outbound.registry.build_channels`).
    :param clock: the hall's clock (``created_at``, ``next_attempt_at``).
    """

    def __init__(self, channels: dict[str, ConfiguredChannel], clock: Clock) -> None:
        self.channels = channels
        self.clock = clock
        #: set by the delivery worker: called (from any thread) to wake it after the next commit
        self.wake_after_commit: Callable[[], None] | None = None

    def configured(self, channel: str) -> bool:
        """Whether the hall file turns ``channel`` on."""
        return channel in self.channels

    def enqueue(self, db: Database, channel: str, kind: str, payload: dict[str, Any]) -> str | None:
        """Store a message in the caller's transaction (call it inside a writer operation).

        :param channel: ``sms``, ``webhook``, ``province``…
        :param kind: what the message is, e.g. ``sms.appointment_code``.
        :param payload: JSON-ready content, as the channel's ``deliver`` expects it.
        :returns: the message's stable delivery id, or ``None`` (and nothing stored) when the channel is off.
        """
        if channel not in self.channels:
            return None
        message_id = store.insert(db, channel, kind, payload, self.clock.now())
        if self.wake_after_commit is not None:
            self.wake_after_commit()
        return message_id

    def after_batch(self, db: Database, events: list[Event]) -> list[Event]:
        """The writer's batch hook: every configured channel's messages for ``events``, stored in the batch.

        The :data:`QUEUED_EVENT` it returns carries the stored messages (``data["messages"]``), so the worker
        starts them without reading them back.
        """
        now = self.clock.now()
        stored: list[Message] = []
        trailing: list[Event] = []
        for name, configured in self.channels.items():
            db.conn.execute("SAVEPOINT outbox_channel")
            try:
                made = [store.insert_message(db, name, kind, payload, now)
                        for kind, payload in configured.channel.messages_for(db, events)]
            except Exception as exc:
                if not db.conn.in_transaction:
                    raise  # SQLite dropped the transaction: the writer fails the whole batch
                log.exception("channel %s could not make its messages; its events are parked", name)
                db.conn.execute("ROLLBACK TO outbox_channel")
                db.conn.execute("RELEASE outbox_channel")
                trailing.append(self._park_events(db, name, events, exc))
            else:
                db.conn.execute("RELEASE outbox_channel")
                stored += made
        if stored:
            trailing.append(Event(QUEUED_EVENT, {"stored": len(stored), "messages": stored}, frozenset()))
        return trailing

    def _park_events(self, db: Database, channel: str, events: list[Event], exc: Exception) -> Event:
        kept = [{**asdict(e), "topics": sorted(e.topics)} for e in events]
        error = f"生成消息失败：{type(exc).__name__}: {exc}"[:500]
        message_id = store.insert(db, channel, EVENTS_KIND, {"events": kept}, self.clock.now(), state="dead",
                                  error=error)
        return store.dead_event(store.get(db, message_id))

    def retry(self, db: Database, message_id: str, actor: str) -> tuple[dict[str, Any], list[Event]]:
        """A writer operation: put a dead message back to pending (a parked batch of events is turned into its
        messages now). Returns the message row and the events to publish.

        :raises ApiError: 404 unknown id, 409 not dead or its channel is off.
        """
        row = store.get(db, message_id)
        if row is None:
            raise not_found("没有这条外发消息")
        if row["state"] != "dead":
            raise conflict("只有投递失败（死信）的消息可以重试")
        configured = self.channels.get(row["channel"])
        if configured is None:
            raise conflict(f"渠道 {row['channel']} 未配置，无法重试")
        now = self.clock.now()
        if row["kind"] != EVENTS_KIND:
            store.back_to_pending(db, message_id, now, actor)
            return store.get(db, message_id), [Event(QUEUED_EVENT, {"stored": 1}, frozenset())]
        events = [Event(e["name"], e["data"], frozenset(e["topics"]), e.get("private"))
                  for e in json.loads(row["payload"])["events"]]
        try:
            messages = configured.channel.messages_for(db, events)
        except Exception as exc:  # still failing: the admin hears why, and the parked events stay as they are
            log.exception("channel %s still cannot make its messages", row["channel"])
            raise conflict(f"仍无法生成消息：{type(exc).__name__}: {exc}"[:300]) from None
        for kind, payload in messages:
            store.insert(db, row["channel"], kind, payload, now)
        store.mark_replayed(db, message_id, now, actor, f"已重新生成 {len(messages)} 条消息")
        return store.get(db, message_id), [Event(QUEUED_EVENT, {"stored": len(messages)}, frozenset())]

    def discard(self, db: Database, message_id: str, actor: str, reason: str) -> dict[str, Any]:
        """A writer operation: an admin gives a dead message up (it is never sent), with the reason; who, when and
        why are kept with it. Works whether or not its channel is still configured. Returns the message row.

        :raises ApiError: 404 unknown id, 409 not dead.
        """
        row = store.get(db, message_id)
        if row is None:
            raise not_found("没有这条外发消息")
        if row["state"] != "dead":
            raise conflict("只有投递失败（死信）的消息可以放弃")
        store.discard(db, message_id, self.clock.now(), actor, reason)
        return store.get(db, message_id)


#: rows deleted per writer operation
PURGE_CHUNK = 2000
#: seconds between two purges (real time; what is old enough is measured on the hall's clock)
PURGE_EVERY_S = 3600.0


async def purge(writer: Writer, clock: Clock, keep_days: int) -> int:
    """Delete the delivered and discarded messages finished more than ``keep_days`` days ago; how many."""
    before = clock.now() - timedelta(days=keep_days)
    total = 0
    while True:
        deleted = await writer.run(lambda db: store.purge_finished(db, before, PURGE_CHUNK))
        total += deleted
        if deleted < PURGE_CHUNK:
            return total


