"""Per-device limit on review submissions: a burst from one device is refused (429) and flagged for supervision.

Counted on the injected clock's monotonic seconds, in memory: a restart forgets the counts, the flags it wrote
stay in ``review_flags``. Refusals are counted here too, and a burst of them earns one flag (:meth:`RateLimiter.refuse`),
not one row per refused request: a prober must not be able to fill the flag list and push real flags out of it.
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
        #: refusals in each device's current burst (memory only; the burst's flag row records its start)
        self.refusals: dict[str, int] = {}

    def _window(self, device: str) -> deque[float]:
        hits = self._hits.setdefault(device, deque())
        now = self.clock.monotonic()
        while hits and now - hits[0] >= self.seconds:
            hits.popleft()
        return hits

    def allow(self, device: str) -> bool:
        """True when ``device`` may submit now (when not, the caller reports it with :meth:`refuse`)."""
        if len(self._hits) > 10_000:
            self.prune()
        return len(self._window(device)) < self.count

    def refuse(self, device: str) -> bool:
        """Count one refusal of ``device``; True when it opens a burst (the first refusal after ``seconds`` without
        one), which is when the caller writes a flag. Remembered for :meth:`recently_refused`."""
        now = self.clock.monotonic()
        last = self._refused.get(device)
        self._refused[device] = now
        opens = last is None or now - last >= self.seconds
        self.refusals[device] = 1 if opens else self.refusals.get(device, 0) + 1
        return opens

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
        now = self.clock.monotonic()
        for device in [d for d, at in self._refused.items() if now - at >= 3600.0]:
            del self._refused[device]
            self.refusals.pop(device, None)
