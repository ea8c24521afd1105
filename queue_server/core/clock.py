"""The one seam through which queue, tidal and deadline logic reads the time.

Production code receives a :class:`SystemClock`; tests hand in a :class:`FakeClock` and move it. Nothing in the
business logic calls ``datetime.now()`` or ``time.time()`` directly.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    """A source of wall time (aware, UTC) and of monotonic seconds."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when a test moves it.

    :param start: the initial instant; naive datetimes are rejected so a test never mixes time zones by accident.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by ``seconds``."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` (forward only), moving the monotonic clock by the same amount."""
        instant = instant.astimezone(timezone.utc)
        self.advance((instant - self._now).total_seconds())


def to_iso(instant: datetime | None) -> str | None:
    """UTC ISO 8601 text as stored in the database."""
    return None if instant is None else instant.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    """Parse a stored timestamp back into an aware datetime."""
    return None if text is None else datetime.fromisoformat(text)
