"""Retention: delivered messages (and those an admin discarded) are deleted ``[outbound] keep_delivered_days`` after
they were finished, so the outbox does not grow for ever. Pending and dead messages are never purged: a dead one
stays, and stays on the admin page's alerts, until an admin retries or discards it.

:func:`purge` is one pass (tests call it after moving the injected clock); :func:`purge_periodically` runs it when
the server starts and then every :data:`PURGE_EVERY_S` seconds. A pass deletes in chunks of :data:`PURGE_CHUNK`
rows, one writer operation each, so a first purge of a large backlog never holds the writer (and the hall's
tickets) for long.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from queue_server.core.clock import Clock
from queue_server.core.writer import Writer
from queue_server.outbound import store

log = logging.getLogger(__name__)

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


async def purge_periodically(writer: Writer, clock: Clock, keep_days: int) -> None:
    """:func:`purge` now and every :data:`PURGE_EVERY_S` seconds, until cancelled; a failing pass is logged and
    tried again at the next."""
    while True:
        try:
            deleted = await purge(writer, clock, keep_days)
            if deleted:
                log.info("outbox: %d delivered or discarded messages older than %d days deleted", deleted, keep_days)
        except Exception:
            log.exception("outbox purge failed")
        await asyncio.sleep(PURGE_EVERY_S)
