"""The WebSocket hub of API.md: a snapshot, then ordered events with ``seq``, fanned out without letting a slow
client hold up the rest.

Each client has its own bounded queue and writer task. A client whose queue overflows is dropped (it reconnects
and takes a new snapshot), so the hall display never waits for a sleepy tablet.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import WSCloseCode, web

from queue_server.core.errors import ApiError, forbidden
from queue_server.core.events import PUBLIC_TOPIC, Event
from queue_server.web.auth import principal

log = logging.getLogger(__name__)

#: events a client may have pending before it counts as too slow
QUEUE_LIMIT = 256
ADMIN_TOPIC = "admin"
#: roles that receive an event's private fields (the ticket's review token) on the window topics they may follow
PRIVATE_ROLES = frozenset({"tablet", "admin"})


@dataclass(eq=False)
class _Client:
    ws: web.WebSocketResponse
    topics: frozenset[str]
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    seq: int = 0
    dropped: bool = False

    def wants(self, event: Event) -> bool:
        return bool(self.topics & event.topics)

    role: str | None = None

    def may_see_private(self, event: Event) -> bool:
        # The private part is the citizen's review token: the counter's tablet needs it, the staff at that counter
        # must not have it (with it they could rate their own service on the public review route).
        return self.role in PRIVATE_ROLES and bool(self.topics & (event.topics - {PUBLIC_TOPIC}))


class WebSocketHub:
    """Subscribed to the event bus; owns the connected clients.

    :param snapshot: the hall snapshot a new client starts from (``GET /api/hall``'s answer); called with
        ``staff_numbers`` True for a client with a token, as ``GET /api/hall`` answers.
    """

    def __init__(self, snapshot: Callable[[bool], dict]) -> None:
        self._snapshot = snapshot
        self._clients: set[_Client] = set()

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def on_event(self, event: Event) -> None:
        """Queue ``event`` for every client subscribed to one of its topics (called synchronously by the bus)."""
        # The event is serialised once (twice with private fields), not once per client: only ``seq`` differs.
        public = private = None
        for client in list(self._clients):
            if client.dropped or not client.wants(event):
                continue
            if event.private and client.may_see_private(event):
                private = private or _frame_head(event.name, {**event.data, **event.private})
                head = private
            else:
                public = public or _frame_head(event.name, event.data)
                head = public
            client.seq += 1
            try:
                client.queue.put_nowait(f'{head}{client.seq}}}')
            except asyncio.QueueFull:
                self._drop(client)

    def _drop(self, client: _Client) -> None:
        client.dropped = True
        self._clients.discard(client)
        client.queue = asyncio.Queue()  # release what was pending
        client.queue.put_nowait(None)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """``GET /api/ws?topics=hall,window:3``."""
        topics = frozenset(t.strip() for t in request.query.get("topics", PUBLIC_TOPIC).split(",") if t.strip())
        _authorise(request, topics)
        ws = web.WebSocketResponse(heartbeat=20, max_msg_size=64 * 1024)
        await ws.prepare(request)
        who = principal(request)
        client = _Client(ws, topics, role=who.role if who is not None else None)
        # Snapshot and registration happen with no await between them, so no event is missed or seen twice.
        client.queue.put_nowait(f"{_frame_head('snapshot', self._snapshot(who is not None))}0}}")
        self._clients.add(client)
        writer = asyncio.create_task(self._write(client))
        try:
            async for _ in ws:  # clients only listen; reading keeps pings and close frames flowing
                pass
        finally:
            self._clients.discard(client)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
        return ws

    async def _write(self, client: _Client) -> None:
        while True:
            message = await client.queue.get()
            if message is None:
                await client.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow, reconnect")
                return
            try:
                await client.ws.send_str(message)
            except (ConnectionError, RuntimeError):
                self._clients.discard(client)
                return

    async def close_all(self) -> None:
        """On shutdown: close every socket with 1001 (going away) so clients reconnect to the next server."""
        clients, self._clients = list(self._clients), set()
        await asyncio.gather(*(c.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown") for c in clients),
                             return_exceptions=True)


def _frame_head(name: str, data: dict) -> str:
    """A WebSocket message ``{"event", "data", "seq"}`` as JSON up to the value of ``seq``."""
    return f'{{"event": {json.dumps(name)}, "data": {json.dumps(data, ensure_ascii=False)}, "seq": '


def _authorise(request: web.Request, topics: frozenset[str]) -> None:
    """``hall`` is public; ``window:N`` needs a token of that window (or admin, agent, display); ``admin`` needs admin."""
    private = topics - {PUBLIC_TOPIC}
    if not private:
        return
    who = principal(request)
    if who is None:
        raise ApiError(401, "unauthorized", "订阅非公开主题需要令牌")
    for topic in private:
        if topic == ADMIN_TOPIC:
            if who.role != "admin":
                raise forbidden("admin 主题仅限管理员")
        elif topic.startswith("window:") and topic[7:].isascii() and topic[7:].isdigit():  # not "²"
            number = int(topic[7:])
            if who.role in ("staff", "tablet") and who.window != number:
                raise forbidden(f"该令牌不能订阅 {topic}")
            if who.role == "kiosk":
                raise forbidden(f"该令牌不能订阅 {topic}")
        else:
            raise ApiError(422, "invalid", f"未知的订阅主题 {topic!r}", field="topics")


#: the application's hub (set by :func:`queue_server.app.create_app`)
HUB: web.AppKey[WebSocketHub] = web.AppKey("hub", WebSocketHub)
