"""Per-device limit on review submissions: a burst from one device is refused (429) and flagged for supervision.

Counted on the injected clock's monotonic seconds, in memory: a restart forgets the counts, the flags it wrote
stay in ``review_flags``.
"""
from __future__ import annotations

from collections import deque
from typing import Any


class RateLimiter:
    """At most ``count`` accepted submissions per ``seconds`` per device.

    :param clock: the injected clock (only ``monotonic()`` is used).
    """

    def __init__(self, clock: Any, count: int, seconds: float) -> None:
        self.clock = clock
        self.count = count
        self.seconds = seconds
        self._hits: dict[str, deque[float]] = {}
        self._refused: dict[str, float] = {}

    def _window(self, device: str) -> deque[float]:
        hits = self._hits.setdefault(device, deque())
        now = self.clock.monotonic()
        while hits and now - hits[0] >= self.seconds:
            hits.popleft()
        return hits

    def allow(self, device: str) -> bool:
        """True when ``device`` may submit now; a refusal is remembered for :meth:`recently_refused`."""
        if len(self._hits) > 10_000:
            self.prune()
        hits = self._window(device)
        if len(hits) >= self.count:
            self._refused[device] = self.clock.monotonic()
            return False
        return True

    def record(self, device: str) -> None:
        """Count one accepted submission of ``device``."""
        self._window(device).append(self.clock.monotonic())

    def recently_refused(self, device: str, within: float = 3600.0) -> bool:
        """Whether ``device`` was refused within the last ``within`` seconds (its next reviews get flagged)."""
        at = self._refused.get(device)
        return at is not None and self.clock.monotonic() - at < within

    def prune(self) -> None:
        """Forget devices with no recent activity (keeps memory flat on a busy public route)."""
        for device in [d for d, hits in self._hits.items() if not self._window(d)]:
            del self._hits[device]
