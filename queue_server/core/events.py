"""In-process events: what happened in the hall, published after the write that caused it commits."""
from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

PUBLIC_TOPIC = "hall"


@dataclass(frozen=True)
class Event:
    """One hall event, named ``noun.past_verb`` as in API.md.

    :param name: e.g. ``ticket.called``.
    :param data: JSON-ready payload; public topics carry no personal data.
    :param topics: who may see it: ``hall`` (everyone), ``window:N``, ``admin``.
    :param private: extra fields only for clients authorised for one of the event's non-public topics (e.g. the
        finished ticket's token for that window's review tablet).
    """

    name: str
    data: dict[str, Any]
    topics: frozenset[str] = field(default_factory=lambda: frozenset({PUBLIC_TOPIC}))
    private: dict[str, Any] | None = None


Subscriber = Callable[[Event], Awaitable[None] | None]


class EventBus:
    """``subscribe(callback)`` / ``publish(event)``; a failing subscriber is logged and never stops the others."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Register ``callback`` for every event; returns a function that unsubscribes it."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def publish(self, event: Event) -> None:
        """Deliver ``event``: synchronous subscribers now, coroutine subscribers as tasks."""
        for callback in list(self._subscribers):
            try:
                result = callback(event)
                if result is not None and inspect.isawaitable(result):  # most subscribers return None
                    task = asyncio.ensure_future(result)
                    task.add_done_callback(_log_failure)
            except Exception:
                log.exception("event subscriber failed on %s", event.name)

    def publish_all(self, events: list[Event]) -> None:
        for event in events:
            self.publish(event)


def _log_failure(task: asyncio.Future) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("event subscriber failed", exc_info=task.exception())
