"""The city channel (``[city]`` in the hall file: ``url``, ``hall_code``, ``token``): the hall's records to the
city server, in order, through the outbox.

- :meth:`CityChannel.messages_for` runs in the writer's batch (the outbox's hook, for every batch with events) and
  drains the change notes the triggers of :mod:`queue_server.outbound.city_capture` left: one message per changed
  record, its whole state at that moment, stored in the same transaction as the change.
- :meth:`CityChannel.context` runs while the server runs: it switches the capture on (the first time, the hall's
  history is noted for shipping), then every ``heartbeat_seconds`` writes one operation that drains what no event
  carried out (a rectification's call-back, a command's write) and enqueues the hall's live state for the city's
  board. Nothing here waits for the city: the hall only writes to its own outbox.
- :meth:`CityChannel.deliver_batch` posts up to ``batch_size`` consecutive messages (default 100) with their outbox
  ``seq`` in one request, so a backlog (the city down for a day, the history on the first join) catches up at
  thousands of records a second rather than hundreds. The outbox delivers this channel strictly in order, and the
  city keeps a high-water mark per hall, so a message delivered twice (the answer lost, the hall killed before it
  noted the delivery, a batch retried as a whole) is counted once.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web
from sqlite_utils import Database

from queue_server.core.config import ConfigError, HallConfig, Setting
from queue_server.core.events import Event
from queue_server.core.hall_time import business_day
from queue_server.keys import CLOCK, OUTBOX, WRITER
from queue_server.outbound import city_capture
from queue_server.outbound.channel import Message, Outcome

log = logging.getLogger(__name__)

SETTINGS: tuple[Setting, ...] = (
    Setting("url", None, "市级汇总服务地址，如 https://city.example.gov.cn（不写则不上报）"),
    Setting("hall_code", None, "本大厅在市级的代码（govhall city hall add --code）"),
    Setting("token", None, "govhall city hall add 打印的本大厅令牌"),
    Setting("heartbeat_seconds", 30, "向市级发送实时状态（及未随事件发出的记录）的间隔（秒，1–3600）"),
    Setting("batch_size", 100, "积压时一次请求最多上报的记录数（1–5000；1 即逐条上报）"),
)
#: the city's ingest takes at most this many records a request (``queue_server.city.records.Batch``)
MAX_BATCH = 5000
_HELP = {s.name: s.help for s in SETTINGS}
#: the outbox's delivery defaults for this channel (the registry reads them): records go in order, so one parked
#: as dead would let the next overtake it; a city down for days is retried every max_delay instead
CHANNEL_DEFAULTS = {"max_attempts": 1_000_000}
#: the city's answers retrying cannot help: the message itself is refused. 401/403/404 are not among them: a
#: wrong token or address is fixed in the hall file, and the records wait in order until it is
_REFUSED = (400, 413, 422)


@dataclass(frozen=True)
class CitySection:
    url: str
    hall_code: str
    token: str
    heartbeat_seconds: float = 30.0
    batch_size: int = 100


def read_section(raw: dict[str, Any] | None, file: Any = "<config>", where: str = "city") -> CitySection | None:
    """The ``[city]`` section checked (``file`` the hall file, ``where`` the section's name, for the message);
    ``None`` when the hall does not ship to a city."""
    if not raw:
        return None
    unknown = set(raw) - set(_HELP)
    if unknown:
        raise ConfigError(file, f"{where}.{sorted(unknown)[0]}", "未知的配置项")
    for name in ("url", "hall_code", "token"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise ConfigError(file, f"{where}.{name}", f"必填：{_HELP[name]}")
    if not raw["url"].startswith(("http://", "https://")):
        raise ConfigError(file, f"{where}.url", "应以 http:// 或 https:// 开头")
    beat = raw.get("heartbeat_seconds", 30)
    if isinstance(beat, bool) or not isinstance(beat, (int, float)) or not 1 <= beat <= 3600:
        raise ConfigError(file, f"{where}.heartbeat_seconds", "应为 1 到 3600 之间的秒数")
    size = raw.get("batch_size", 100)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_BATCH:
        raise ConfigError(file, f"{where}.batch_size", f"应为 1 到 {MAX_BATCH} 之间的整数")
    return CitySection(raw["url"].rstrip("/"), raw["hall_code"].strip(), raw["token"].strip(), float(beat), size)


class CityChannel:
    """The outbox's channel to the city server (see the module docstring)."""

    name = "city"
    ordered = True

    def __init__(self, section: CitySection, config: HallConfig) -> None:
        self.section = section
        self.config = config
        self.batch_size = section.batch_size

    def messages_for(self, db: Database, events: list[Event]) -> list[tuple[str, dict[str, Any]]]:
        return city_capture.drain(db, self.config)

    async def deliver(self, message: Message, http: aiohttp.ClientSession) -> Outcome:
        return await self.deliver_batch([message], http)

    async def deliver_batch(self, messages: list[Message], http: aiohttp.ClientSession) -> Outcome:
        """Post these consecutive messages as one batch; the city's answer is all of theirs."""
        body = {"hall": self.section.hall_code,
                "records": [{"seq": m.seq, "kind": m.kind, "data": m.payload} for m in messages]}
        try:
            async with http.post(f"{self.section.url}/api/city/records", json=body,
                                 headers={"Authorization": f"Bearer {self.section.token}"}) as r:
                if r.status == 200:
                    return Outcome.ok()
                error = f"市级服务答复 {r.status}：{(await r.text())[:300]}"
                if r.status in _REFUSED:
                    return Outcome.reject(error)
                retry = r.headers.get("Retry-After", "")
                return Outcome.retry(error, float(retry) if retry.isdigit() else None)
        except (aiohttp.ClientError, OSError) as exc:
            return Outcome.retry(f"无法连接市级服务：{exc!r}"[:300])

    def heartbeat_operation(self, db: Database, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        """The heartbeat's messages: records changed since the last drain, then the hall's live state."""
        today = business_day(now, self.config.hall).isoformat()
        return [*city_capture.drain(db, self.config),
                ("heartbeat", city_capture.heartbeat(db, self.config, now, today))]

    async def beat(self, app: web.Application) -> int:
        """One heartbeat: its messages stored in the outbox through the writer; how many."""
        now, outbox = app[CLOCK].now(), app[OUTBOX]

        def operation(db: Database) -> int:
            messages = self.heartbeat_operation(db, now)
            for kind, payload in messages:
                outbox.enqueue(db, self.name, kind, payload)
            return len(messages)

        return await app[WRITER].run(operation)

    async def context(self, app: web.Application) -> AsyncIterator[None]:
        """For ``app.cleanup_ctx``: switch the capture on, then beat every ``heartbeat_seconds`` until the app
        stops. A failed beat is logged and the next one tries again (the hall never waits on it)."""
        now = app[CLOCK].now()
        if await app[WRITER].run(lambda db: city_capture.switch_on(db, now)):
            log.info("city capture switched on: the hall's records so far will be shipped")

        async def loop() -> None:
            while True:
                try:
                    await self.beat(app)
                except Exception:  # a full disk, a closing writer: say so, try again next time
                    log.exception("city heartbeat failed")
                await asyncio.sleep(self.section.heartbeat_seconds)

        task = asyncio.get_running_loop().create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def build(raw: dict[str, Any], config: HallConfig, path: str) -> CityChannel:
    """The channel for ``[city]`` (the outbox registry calls it when the hall file has the section)."""
    section = read_section(raw, config.path, path)
    if section is None:
        raise ConfigError(config.path, path, "应写明 url、hall_code、token")
    return CityChannel(section, config)
