"""The webhook channel (``[outbound.webhook]``): the hall's events POSTed to another system, signed like GitHub's.

Each message is one event: a POST of ``{"event", "data", "at", "hall"}`` (UTF-8 JSON) with the headers
``X-Govhall-Event`` (the event's name), ``X-Govhall-Delivery`` (the message's stable id, the same on every retry)
and ``X-Govhall-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>``. The body is fixed by the
stored message (``at`` is when it was stored), so every retry sends the same bytes and the same signature.

``data`` is the event's public data as the WebSocket sends it; fields only for authorised screens (a ticket's token)
never leave. An answer 2xx is delivered; 408, 429, 5xx, a timeout or no connection is retried (``Retry-After``
honoured); any other answer is refused at once (a dead letter the admin sees).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from sqlite_utils import Database

from queue_server.core.config import ConfigError, HallConfig, Setting
from queue_server.core.config_reader import Reader
from queue_server.core.events import Event
from queue_server.outbound.channel import Message, Outcome

#: events a webhook may ask for: those API.md lists for the WebSocket, then the others the hall raises
API_EVENTS = ("ticket.issued", "ticket.called", "ticket.recalled", "ticket.finished", "ticket.skipped",
              "ticket.transferred", "window.paused", "window.opened", "tidal.opened", "tidal.closed", "review.created")
EVENTS = API_EVENTS + ("ticket.started", "ticket.held", "ticket.requeued", "tidal.acknowledged", "tidal.escalated",
                       "tidal.planned", "appointment.booked", "appointment.cancelled", "appointment.changed",
                       "appointment.no_show")

SETTINGS: tuple[Setting, ...] = (
    Setting("url", None, "接收方地址（http 或 https），每条消息 POST 一次"),
    Setting("secret", None, "签名密钥：X-Govhall-Signature 为请求体的 HMAC-SHA256（至少 16 个字符）"),
    Setting("events", list(API_EVENTS), "要推送的事件名列表（见 docs/outbound.md）"),
)
#: statuses worth another attempt besides 5xx: the receiver timed out reading, or asks us to slow down
_RETRY_STATUSES = {408, 425, 429}


class WebhookChannel:
    """POSTs the configured events to one URL. Unordered: each message is delivered on its own."""

    name = "webhook"
    ordered = False

    def __init__(self, url: str, secret: str, events: frozenset[str], hall_name: str, tz: Any) -> None:
        self.url = url
        self._secret = secret.encode("utf-8")
        self.events = events
        self.hall_name = hall_name
        self.tz = tz

    def messages_for(self, db: Database, events: list[Event]) -> list[tuple[str, dict[str, Any]]]:
        """One message per configured event, carrying its public data only."""
        return [(e.name, {"event": e.name, "data": e.data}) for e in events if e.name in self.events]

    def body(self, message: Message) -> bytes:
        """The exact bytes POSTed for ``message`` (the same on every attempt)."""
        document = {"event": message.payload["event"], "data": message.payload["data"],
                    "at": message.created_at.astimezone(self.tz).isoformat(timespec="seconds"), "hall": self.hall_name}
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def signature(self, body: bytes) -> str:
        """``sha256=<hex>``, the HMAC-SHA256 of ``body`` with the secret."""
        return "sha256=" + hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    async def deliver(self, message: Message, http: aiohttp.ClientSession) -> Outcome:
        """POST once and judge the answer."""
        body = self.body(message)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "govhall-webhook",
                   "X-Govhall-Event": message.payload["event"], "X-Govhall-Delivery": message.id,
                   "X-Govhall-Signature": self.signature(body)}
        try:
            async with http.post(self.url, data=body, headers=headers, allow_redirects=False) as response:
                await response.read()
                return judge(response.status, response.headers)
        except (aiohttp.ClientError, OSError) as exc:
            return Outcome.retry(f"连接失败：{type(exc).__name__} {exc}"[:500])


def judge(status: int, headers: Any) -> Outcome:
    """A receiver's HTTP answer as an outcome: 2xx delivered, 408/425/429/5xx retried, any other refused."""
    if 200 <= status < 300:
        return Outcome.ok()
    if status >= 500 or status in _RETRY_STATUSES:
        return Outcome.retry(f"接收方答复 HTTP {status}", retry_after(headers))
    return Outcome.reject(f"接收方拒绝：HTTP {status}")


def retry_after(headers: Any) -> float | None:
    """``Retry-After`` in seconds: delta-seconds, or an HTTP date measured against the answer's own ``Date`` (the
    hall's clock is not the receiver's); ``None`` when absent or unreadable."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        until: datetime = parsedate_to_datetime(value)
        sent: datetime = parsedate_to_datetime(headers.get("Date") or "")
    except (TypeError, ValueError):
        return None
    return max(0.0, (until - sent).total_seconds())


def build(raw: dict[str, Any], config: HallConfig, path: str) -> WebhookChannel:
    """``[outbound.webhook]`` as a channel.

    :raises ConfigError: naming ``outbound.webhook.<field>``.
    """
    r = Reader(config.path)
    where = f"{path}."
    r.unknown(raw, {s.name for s in SETTINGS}, where)
    url = r.str(raw, "url", where)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(config.path, f"{where}url", f"应为以 http 或 https 开头的网址 (must be an http or https URL), got {url!r}")
    secret = r.str(raw, "secret", where)
    if len(secret) < 16:
        raise ConfigError(config.path, f"{where}secret", "至少 16 个字符 (must be at least 16 characters)")
    events = r.str_list(raw, "events", where, list(API_EVENTS))
    if not events:
        raise ConfigError(config.path, f"{where}events", "至少一个事件 (at least one event)")
    for i, name in enumerate(events):
        if name not in EVENTS:
            raise ConfigError(config.path, f"{where}events[{i}]", f"未知事件 (unknown event) {name!r}；可选：{', '.join(EVENTS)}")
    return WebhookChannel(url, secret, frozenset(events), config.hall.name, config.hall.tz)
