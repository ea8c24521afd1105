"""Recently presented tokens, remembered for a quarter of a second so a busy hall does not ask SQLite on every
request who is calling.

Why it pays: under load every SQLite call on the event loop hands the GIL to the writer thread and waits to get it
back. Looking the token up on every request cost the loop more than the query itself (``bench.tickets``, same
rounds: ~70 µs of server CPU per ticket and about a seventh of the rate); a lookup that still asked SQLite one
cheap question per request (``PRAGMA data_version``) bought nothing. So a remembered token costs no SQLite call.

What stays exact:

- expiry: a remembered token keeps its ``expires_at`` and is checked against the hall's clock on every request;
- revocations made in this process (logout, ``revoke_token``, a new password) call :func:`forget_everywhere`
  after their commit, before anyone is told they are done; a lookup that read the row while such a revocation
  committed is not kept (the cache's generation moved);
- a revocation by another process (``govhall token revoke`` while the server runs) takes effect when the entry is
  next checked, at most :data:`FRESH_FOR` seconds later.

Unknown and revoked tokens are never remembered: they are asked again every time, as before.
"""
from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: how long a looked-up token is trusted without asking the database again: the delay of a revocation made by
#: another process (a human at a terminal), and one query per live token per interval under load
FRESH_FOR = 0.25
#: a hall has a few dozen live tokens; a flood of different ones just starts the memory over
MAX_ENTRIES = 4096


@dataclass(slots=True)
class Remembered:
    """A token's principal as last read, with what is checked on every use."""

    principal: Any
    expires_at: datetime | None
    #: when the token's use was last noted (``last_used_at``), so a note is made at most every few minutes
    last_used_at: datetime | None
    #: ``time.monotonic()`` of the read: freshness of this process's copy, not a fact of the hall
    read_at: float


class TokenCache:
    """One app's remembered tokens (see the module's text for what is exact)."""

    def __init__(self) -> None:
        self._entries: dict[str, Remembered] = {}
        #: moves at every :meth:`forget`: a lookup begun before it is not kept
        self.generation = 0
        _CACHES.add(self)

    def fresh(self, token: str) -> Remembered | None:
        """The remembered entry for ``token`` if read less than :data:`FRESH_FOR` seconds ago."""
        entry = self._entries.get(token)
        if entry is not None and time.monotonic() - entry.read_at < FRESH_FOR:
            return entry
        return None

    def keep(self, token: str, entry: Remembered, generation: int) -> None:
        """Remember ``entry`` unless a revocation was committed since ``generation`` was taken (before the read)."""
        if generation != self.generation:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[token] = entry

    def forget(self) -> None:
        """Drop every entry; lookups in flight are not kept either."""
        self.generation += 1
        self._entries.clear()


_CACHES: weakref.WeakSet[TokenCache] = weakref.WeakSet()


def forget_everywhere() -> None:
    """Every app's cache in this process forgets its tokens: call it once a revocation is committed. Revocations
    are rare, so which hall's tokens changed is not worth working out (a test process runs several apps)."""
    for cache in list(_CACHES):
        cache.forget()
