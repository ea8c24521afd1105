"""Follow the server's WebSocket (API.md): a snapshot, then numbered events; resnapshot on any gap.

:class:`HallFeed` runs on the :class:`~kiosk.common.api.ApiClient`'s loop. It calls back (on the UI thread)
``on_snapshot(data)`` for each snapshot, ``on_event(name, data)`` for each event in order, and
``on_connection(connected)`` when the link comes or goes, so a screen can say 连接中断 instead of showing stale
numbers. A gap in ``seq`` or a lost connection makes it reconnect, and the server's first message is a fresh
snapshot.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

import aiohttp

from kiosk.common.api import ApiClient

log = logging.getLogger(__name__)


class HallFeed:
    """A self-healing subscription to ``/api/ws``.

    :param client: the kiosk's API client (its loop, base URL and token)
    :param topics: topics to follow, e.g. ``["hall"]`` or ``["hall", "window:3"]``
    :param on_snapshot: called with the snapshot (the body of ``GET /api/hall``)
    :param on_event: called with an event's name and data
    :param on_connection: called with True once a snapshot arrived, False when the link is lost
    :param retry_seconds: pause between reconnection attempts
    """

    def __init__(self, client: ApiClient, topics: list[str], *,
                 on_snapshot: Callable[[dict[str, Any]], None],
                 on_event: Callable[[str, dict[str, Any]], None],
                 on_connection: Callable[[bool], None] | None = None,
                 retry_seconds: float = 1.0, heartbeat: float = 5.0) -> None:
        self.client = client
        self.topics = topics
        self.on_snapshot = on_snapshot
        self.on_event = on_event
        self.on_connection = on_connection or (lambda _c: None)
        self.retry_seconds = retry_seconds
        self.heartbeat = heartbeat
        self.connected = False
        self.snapshots = 0
        self.gaps = 0
        self._task: asyncio.Future | None = None
        self._stopping = False

    def start(self) -> None:
        """Begin following (returns at once)."""
        self._stopping = False
        self._task = self.client.submit(self._run())

    def stop(self) -> None:
        """Stop following and close the socket."""
        self._stopping = True
        if self._task is not None and self.client.loop.is_running():
            self.client.loop.call_soon_threadsafe(self._task.cancel)

    def _set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self.client.deliver(lambda: self.on_connection(connected))

    def url(self) -> str:
        """The WebSocket URL for our topics and token."""
        base = self.client.base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        query = "topics=" + ",".join(self.topics)
        if self.client.token:
            query += "&token=" + self.client.token
        return f"{base}/api/ws?{query}"

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._follow_once()
            except asyncio.CancelledError:
                raise
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                log.info("hall feed: %s", exc)
            except Exception:  # noqa: BLE001 - a bad message must not kill the display
                log.exception("hall feed failed")
            self._set_connected(False)
            if not self._stopping:
                await asyncio.sleep(self.retry_seconds)

    async def _follow_once(self) -> None:
        session = await self.client.session()
        async with session.ws_connect(self.url(), heartbeat=self.heartbeat,
                                      timeout=aiohttp.ClientWSTimeout(ws_close=2)) as ws:
            last_seq: int | None = None
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                message = msg.json()
                event, data, seq = message.get("event"), message.get("data") or {}, message.get("seq")
                if event == "snapshot":
                    last_seq = seq
                    self.snapshots += 1
                    self.client.deliver(lambda d=data: self.on_snapshot(d))
                    self._set_connected(True)
                    continue
                if last_seq is None or seq is None or seq != last_seq + 1:
                    # A missed event means our picture may be wrong: reconnect for a fresh snapshot.
                    self.gaps += 1
                    log.info("hall feed: gap after seq %s (got %s), resnapshot", last_seq, seq)
                    return
                last_seq = seq
                self.client.deliver(lambda e=event, d=data: self.on_event(e, d))
