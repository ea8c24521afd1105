"""The contract between the outbox and its channels (webhook, SMS gateway, provincial 好差评 platform, the city).

A channel does two things:

- inside the writer's transaction, :meth:`Channel.messages_for` turns the batch's committed-to-be events into
  messages (``(kind, payload)``); the outbox stores them in that same transaction, so a record and the message that
  reports it reach the disk together or not at all;
- later, on the event loop, the delivery worker hands each stored message to :meth:`Channel.deliver`, with an
  ``aiohttp.ClientSession``, and keeps or parks it by the :class:`Outcome`.

An ordered channel may also deliver several messages in one request (:class:`BatchChannel`: the city's records, so a
backlog after an outage or the first join catches up fast); other channels see nothing of it.

Code that wants a message sent for a reason no event carries (an appointment code by SMS) calls the outbox's
``enqueue(db, channel, kind, payload)`` inside its own write operation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import aiohttp
from sqlite_utils import Database

from queue_server.core.events import Event


@dataclass(frozen=True)
class Message:
    """One stored message, as a channel sees it on each attempt.

    :param id: the stable delivery id, the same on every attempt (receivers drop duplicates by it).
    :param channel: the channel's name (``webhook``, ``sms``, ``province``, ``city``).
    :param kind: what the message is: an event name (``ticket.called``) or a channel's own kind (``sms.called``).
    :param payload: JSON-ready content, fixed when the message was stored.
    :param created_at: when it was stored (aware, the hall's clock).
    :param attempt: 1 on the first attempt.
    :param seq: the outbox's own increasing number (an ordered channel's sequence).
    """

    id: str
    channel: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    attempt: int = 1
    seq: int = 0


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt came to."""

    delivered: bool
    #: retrying cannot help (the receiver answered 4xx, the payload is refused): the message is parked at once
    permanent: bool = False
    #: why it failed (kept as the message's last error and shown on the admin page)
    error: str = ""
    #: the receiver asked to wait this many seconds (Retry-After) before the next attempt
    retry_after: float | None = None

    @classmethod
    def ok(cls) -> Outcome:
        return cls(True)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> Outcome:
        return cls(False, False, error, retry_after)

    @classmethod
    def reject(cls, error: str) -> Outcome:
        return cls(False, True, error)


class Channel(Protocol):
    """One way out of the hall. Every channel is off unless the hall file configures it."""

    #: the channel's name, stored with each message
    name: str
    #: deliver strictly in ``seq`` order, the next only after the previous was delivered (the city's records);
    #: unordered channels deliver each message on its own
    ordered: bool

    def messages_for(self, db: Database, events: list[Event]) -> list[tuple[str, dict[str, Any]]]:
        """The messages these events make, as ``(kind, payload)``; runs on the writer thread, inside the batch's
        transaction, reading through ``db``. Must not do I/O beyond the database."""
        ...

    async def deliver(self, message: Message, http: aiohttp.ClientSession) -> Outcome:
        """Send one message once; never raises for a receiver's failure (it returns :meth:`Outcome.retry`)."""
        ...


class BatchChannel(Channel, Protocol):
    """An ordered channel that can also send consecutive messages together (the worker checks for
    ``deliver_batch``; :func:`batch_size` says how many it takes)."""

    #: at most this many consecutive pending messages, in ``seq`` order, go in one :meth:`deliver_batch`
    batch_size: int

    async def deliver_batch(self, messages: list[Message], http: aiohttp.ClientSession) -> Outcome:
        """Send these messages (consecutive, in ``seq`` order) at once; the outcome is every one's: they are
        delivered, retried or refused together. The receiver must be idempotent on the messages' ids or seqs, since
        a batch retried after a lost answer repeats what it already received."""
        ...


def batch_size(channel: Channel) -> int:
    """How many messages the worker hands ``channel`` at once: its ``batch_size`` if it is an ordered
    :class:`BatchChannel`, else 1."""
    if not channel.ordered or not hasattr(channel, "deliver_batch"):
        return 1
    return max(1, int(getattr(channel, "batch_size", 1)))


@dataclass
class ChannelSettings:
    """What every channel's section may also say (``[outbound.<channel>]``)."""

    #: attempts before a message is parked as a dead letter
    max_attempts: int = 12
    #: the first retry's delay in seconds; each later one doubles, up to ``max_delay``
    first_delay: float = 5.0
    max_delay: float = 3600.0
    #: seconds one attempt may take
    timeout: float = 10.0
    extra: dict[str, Any] = field(default_factory=dict)
