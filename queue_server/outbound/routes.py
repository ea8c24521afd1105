"""The outbound area's set-up and its admin routes.

``setup`` builds the channels the hall file turns on, puts the :class:`~queue_server.outbound.outbox.Outbox` in
``app[OUTBOX]``, registers its batch hook with the writer (after the tidal policy's: this area comes after tidal in
``AREAS``) and runs the delivery worker with the app. Routes (admin):

- ``GET /api/outbound/summary``: per channel, delivered / pending / dead counts and the oldest pending message's age;
- ``GET /api/outbound/messages?state=&channel=&limit=``: the newest messages, payloads with personal data masked;
- ``POST /api/outbound/messages/{id}/retry``: a dead message back to pending (who and when kept with it);
- ``POST /api/outbound/messages/{id}/discard``: a dead message given up (放弃), with the reason (who, when, why kept).

It also runs the retention purge (:func:`queue_server.outbound.outbox.purge`) while the app runs, channels or not:
a hall that turned its channels off still sheds its old delivered messages.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.core.clock import from_iso
from queue_server.core.periodic import run_periodically
from queue_server.keys import BUS, CLOCK, CONFIG, DB, OUTBOX, WRITER
from queue_server.outbound import city_capture, store
from queue_server.outbound.outbox import PURGE_EVERY_S, Outbox, purge
from queue_server.outbound.registry import OutboundSettings, build_channels, outbound_settings
from queue_server.outbound.worker import DeliveryWorker
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.types import Code, Text

#: the delivery worker (absent when no channel is configured)
WORKER: web.AppKey[DeliveryWorker] = web.AppKey("outbound_worker")
#: ``[outbound]``'s own settings (concurrency, poll, retention)
SETTINGS: web.AppKey[OutboundSettings] = web.AppKey("outbound_settings")
#: what the admin page calls each channel
CHANNEL_NAMES = {"webhook": "Webhook 推送", "sms": "短信", "province": "省好差评平台", "city": "市级平台"}

routes = ApiRoutes()
log = logging.getLogger(__name__)


class MessagesQuery(BaseModel):
    state: Literal["pending", "delivered", "dead", "discarded"] | None = Field(None, title="状态")
    channel: Code | None = Field(None, title="渠道")
    limit: int = Field(100, ge=1, le=store.MAX_LIST, title="条数")


class MessagePath(BaseModel):
    id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", title="消息编号")


class DiscardBody(BaseModel):
    reason: Text(200, min_length=2) = Field(title="放弃原因")


@routes.get("/api/outbound/summary", "外发投递概况：每个渠道已送达、待发送、失败（死信）的条数与最久待发消息的时长",
            roles=("admin",), responses={"200": "{channels: [{channel, name, configured, delivered, pending, dead, "
                                          "discarded, oldest_pending_at, oldest_pending_age_s}]}"})
async def _handle_summary(request: web.Request) -> web.Response:
    outbox: Outbox = request.app[OUTBOX]
    tz = request.app[CONFIG].hall.tz
    counts = store.summary(request.app[DB], request.app[CLOCK].now())
    channels = []
    for name in [*outbox.channels, *sorted(set(counts) - set(outbox.channels))]:
        entry = counts.get(name) or store.empty_summary()
        oldest = entry["oldest_pending_at"]
        channels.append({"channel": name, "name": CHANNEL_NAMES.get(name, name), "configured": name in outbox.channels,
                         **entry, "oldest_pending_at": oldest.astimezone(tz).isoformat() if oldest else None})
    return json_response({"channels": channels})


@routes.get("/api/outbound/messages", "外发消息列表（最新在前；手机号、姓名、证件号已打码）", roles=("admin",),
            query=MessagesQuery, responses={"200": "{messages: [...]}"})
async def _handle_messages(request: web.Request, query: MessagesQuery) -> web.Response:
    rows = store.listing(request.app[DB], query.state, query.channel, query.limit)
    tz = request.app[CONFIG].hall.tz
    return json_response({"messages": [message_view(row, tz) for row in rows]})


@routes.post("/api/outbound/messages/{id}/retry", "重试一条投递失败（死信）的外发消息", roles=("admin",),
             params=MessagePath, responses={"200": "the message, pending again", "404": "unknown id",
                                             "409": "not dead, or its channel is off"})
async def _handle_retry(request: web.Request, path: MessagePath) -> web.Response:
    who = require(request, "admin")
    outbox: Outbox = request.app[OUTBOX]
    row, _ = await request.app[WRITER].run(lambda db: outbox.retry(db, path.id, who.actor), events=lambda r: r[1])
    log.info("outbound message %s retried by %s", path.id, who.actor)
    return json_response(message_view(row, request.app[CONFIG].hall.tz))


@routes.post("/api/outbound/messages/{id}/discard", "放弃一条投递失败（死信）的外发消息（不再发送，记录原因）",
             roles=("admin",), params=MessagePath, body=DiscardBody,
             responses={"200": "the message, discarded", "404": "unknown id", "409": "not dead"})
async def _handle_discard(request: web.Request, path: MessagePath, body: DiscardBody) -> web.Response:
    who = require(request, "admin")
    outbox: Outbox = request.app[OUTBOX]
    row = await request.app[WRITER].run(lambda db: outbox.discard(db, path.id, who.actor, body.reason))
    log.info("outbound message %s discarded by %s: %s", path.id, who.actor, body.reason)
    return json_response(message_view(row, request.app[CONFIG].hall.tz))


async def purge_expired(app: web.Application) -> int:
    """One retention pass now (``[outbound] keep_delivered_days`` on the app's clock); how many were deleted."""
    return await purge(app[WRITER], app[CLOCK], app[SETTINGS].keep_delivered_days)


def message_view(row: dict[str, Any], tz: Any) -> dict[str, Any]:
    """A stored message as the admin page shows it: local times, the payload masked."""
    def local(text: str | None) -> str | None:
        return from_iso(text).astimezone(tz).isoformat() if text else None

    return {"id": row["id"], "seq": row["seq"], "channel": row["channel"],
            "channel_name": CHANNEL_NAMES.get(row["channel"], row["channel"]), "kind": row["kind"],
            "state": row["state"], "attempts": row["attempts"], "created_at": local(row["created_at"]),
            "next_attempt_at": local(row["next_attempt_at"]) if row["state"] == "pending" else None,
            "last_error": row["last_error"], "delivered_at": local(row["delivered_at"]),
            "retried_at": local(row["retried_at"]), "retried_by": row["retried_by"],
            "discarded_at": local(row["discarded_at"]), "discarded_by": row["discarded_by"],
            "discard_reason": row["discard_reason"],
            "payload": store.masked(json.loads(row["payload"]))}


def setup(app: web.Application) -> None:
    """Build the configured channels, the outbox and its worker, and add the admin routes.

    :raises ConfigError: a problem in ``[outbound]`` or a channel's section.
    """
    settings = outbound_settings(app[CONFIG])
    outbox = Outbox(build_channels(app[CONFIG], app[CLOCK]), app[CLOCK])
    app[OUTBOX] = outbox
    app[SETTINGS] = settings
    if outbox.channels:
        app[WRITER].add_batch_hook(outbox.after_batch)
        worker = DeliveryWorker(outbox, app[WRITER], app[DB], app[CLOCK], app[BUS], settings)
        app[WORKER] = worker
        app.cleanup_ctx.append(worker.context)
        for configured in outbox.channels.values():
            # a channel with work of its own while the server runs (the city's heartbeat) runs it alongside
            context = getattr(configured.channel, "context", None)
            if context is not None:
                app.cleanup_ctx.append(context)
    if "city" not in outbox.channels:
        # a hall that left the city (or never joined) keeps no change notes for it
        async def _city_capture_off(app: web.Application) -> None:
            await app[WRITER].run(city_capture.switch_off)

        app.on_startup.append(_city_capture_off)

    run_periodically(app, "outbox purge", PURGE_EVERY_S, purge_expired)
    routes.add_to(app)
