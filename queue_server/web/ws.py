"""The WebSocket hub of API.md: a snapshot, then ordered events with ``seq``, fanned out without letting a slow
client hold up the rest.

An event goes to a client by one of two paths, in ``seq`` order either way:

- directly: while the client keeps up (nothing waiting in its queue, its socket's write buffer nearly empty), the
  hub's one sender task writes the frame, for every such client in a row. Writing a small frame to a socket that
  keeps up never waits, so a call reaches 500 screens without waking 500 tasks;
- through the client's own bounded queue and writer task, once its socket backs up. A client whose queue overflows
  is dropped (it reconnects and takes a new snapshot), so the hall display never waits for a sleepy tablet.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import WSCloseCode, web

from queue_server.core.errors import ApiError, forbidden
from queue_server.core.events import PUBLIC_TOPIC, Event
from queue_server.web.auth import principal
from queue_server.web.json_io import dumps

log = logging.getLogger(__name__)

#: events a client may have pending before it counts as too slow
QUEUE_LIMIT = 256
#: bytes a client's socket may hold unsent and still be written directly; far below asyncio's 64 KiB high-water
#: mark, so a direct write never finds the transport paused and never waits
DIRECT_LIMIT = 16 * 1024
ADMIN_TOPIC = "admin"
#: roles that receive an event's private fields (the ticket's review token) on the window topics they may follow
PRIVATE_ROLES = frozenset({"tablet", "admin"})


@dataclass(eq=False)
class _Client:
    ws: web.WebSocketResponse
    topics: frozenset[str]
    transport: asyncio.Transport | None = None
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    seq: int = 0
    dropped: bool = False
    #: messages handed to the hub's sender and not yet written (later ones must follow the same path)
    direct: int = 0
    #: its writer task holds a message it took from the queue and has not finished writing
    writing: bool = False

    def keeps_up(self) -> bool:
        """Whether its next message may be written directly: behind direct ones still pending, or with its queue
        empty and its socket nearly drained."""
        return bool(self.direct) or not self.backed_up()

    def backed_up(self) -> bool:
        """Whether its writer task or queue holds messages, or its socket is closing or holds too much unsent:
        then a message must go through its queue, behind the others."""
        transport = self.transport
        return (self.writing or not self.queue.empty() or transport is None or transport.is_closing()
                or transport.get_write_buffer_size() >= DIRECT_LIMIT)

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
        #: per event, the (client, message) pairs for the sender to write, in publishing order
        self._outgoing: deque[list[tuple[_Client, str]]] = deque()
        self._sender: asyncio.Task | None = None

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def on_event(self, event: Event) -> None:
        """Queue ``event`` for every client subscribed to one of its topics (called synchronously by the bus)."""
        # The event is serialised once (twice with private fields), not once per client: only ``seq`` differs.
        public = private = None
        direct: list[tuple[_Client, str]] = []
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
            message = f'{head}{client.seq}}}'
            if client.keeps_up():
                client.direct += 1
                direct.append((client, message))
            else:
                self._enqueue(client, message)
        if direct:
            self._outgoing.append(direct)
            if self._sender is None:
                self._sender = asyncio.get_running_loop().create_task(self._send_outgoing())

    def _enqueue(self, client: _Client, message: str) -> None:
        try:
            client.queue.put_nowait(message)
        except asyncio.QueueFull:
            self._drop(client)

    async def _send_outgoing(self) -> None:
        """The sender: write each event's direct messages in order. A socket that backed up since its message was
        handed over gets it through its own queue instead, so the sender never waits on one client."""
        try:
            while self._outgoing:
                for client, message in self._outgoing.popleft():
                    client.direct -= 1
                    if client.dropped:
                        continue
                    if client.backed_up():
                        self._enqueue(client, message)
                        continue
                    try:
                        await client.ws.send_str(message)
                    except (ConnectionError, RuntimeError):
                        self._clients.discard(client)
        finally:
            self._sender = None

    def _drop(self, client: _Client) -> None:
        client.dropped = True
        self._clients.discard(client)
        client.queue = asyncio.Queue()  # release what was pending
        client.queue.put_nowait(None)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """``GET /api/ws?topics=hall,window:3``."""
        topics = frozenset(t.strip() for t in request.query.get("topics", PUBLIC_TOPIC).split(",") if t.strip())
        _authorise(request, topics)
        # no per-message compression: the frames are small and the same for hundreds of screens on the hall's LAN,
        # and deflating each one per client would cost more than sending it
        ws = web.WebSocketResponse(heartbeat=20, max_msg_size=64 * 1024, compress=False)
        await ws.prepare(request)
        who = principal(request)
        client = _Client(ws, topics, transport=request.transport, role=who.role if who is not None else None)
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
            client.writing = True
            try:
                await client.ws.send_str(message)
            except (ConnectionError, RuntimeError):
                self._clients.discard(client)
                return
            finally:
                client.writing = False

    async def close_all(self) -> None:
        """On shutdown: close every socket with 1001 (going away) so clients reconnect to the next server."""
        clients, self._clients = list(self._clients), set()
        await asyncio.gather(*(c.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown") for c in clients),
                             return_exceptions=True)


def _frame_head(name: str, data: dict) -> str:
    """A WebSocket message ``{"event", "data", "seq"}`` as JSON up to the value of ``seq``."""
    return f'{{"event":{dumps(name).decode()},"data":{dumps(data).decode()},"seq":'


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
