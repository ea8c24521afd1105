"""The city channel (``[city]`` in the hall file: ``url``, ``hall_code``, ``token``): the hall's records to the
city server, in order, through the outbox.

- :meth:`CityChannel.messages_for` runs in the writer's batch and drains the change notes the triggers of
  :mod:`queue_server.outbound.city_capture` left, whatever the batch's events: one message per changed record,
  its state at that moment. Records no event reports (a rectification's call-back, a complaint's answer) go out
  with the next batch or the next heartbeat.
- :func:`heartbeat_operation` is what the periodic heartbeat writes (every ``heartbeat_seconds``): the same drain,
  then the hall's live state for the city's board.
- :meth:`CityChannel.deliver` posts one message with its outbox ``seq``; the city keeps a high-water mark per
  hall, so a message delivered twice (the answer lost) is counted once, and the outbox's order (``ordered``)
  makes the mark safe.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlite_utils import Database

from queue_server.core.config import ConfigError, HallConfig, Setting
from queue_server.core.db import connect
from queue_server.core.events import Event
from queue_server.outbound import city_capture
from queue_server.outbound.channel import Message, Outcome

SETTINGS: tuple[Setting, ...] = (
    Setting("url", None, "市级汇总服务地址，如 https://city.example.gov.cn（不写则不上报）"),
    Setting("hall_code", None, "本大厅在市级的代码（govhall city hall add --code）"),
    Setting("token", None, "govhall city hall add 打印的本大厅令牌"),
    Setting("heartbeat_seconds", 30, "向市级发送实时状态（及未随事件发出的记录）的间隔（秒，5–3600）"),
)
_HELP = {s.name: s.help for s in SETTINGS}


@dataclass(frozen=True)
class CitySection:
    url: str
    hall_code: str
    token: str
    heartbeat_seconds: float = 30.0


def read_section(raw: dict[str, Any] | None, path: Path | str = "<config>") -> CitySection | None:
    """The ``[city]`` section checked (``path``: the hall file, for the message); ``None`` when the hall does not
    ship to a city."""
    if not raw:
        return None
    unknown = set(raw) - set(_HELP)
    if unknown:
        raise ConfigError(path, f"city.{sorted(unknown)[0]}", "未知的配置项")
    for name in ("url", "hall_code", "token"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise ConfigError(path, f"city.{name}", f"必填：{_HELP[name]}")
    if not raw["url"].startswith(("http://", "https://")):
        raise ConfigError(path, "city.url", "应以 http:// 或 https:// 开头")
    beat = raw.get("heartbeat_seconds", 30)
    if isinstance(beat, bool) or not isinstance(beat, (int, float)) or not 5 <= beat <= 3600:
        raise ConfigError(path, "city.heartbeat_seconds", "应为 5 到 3600 之间的秒数")
    return CitySection(raw["url"].rstrip("/"), raw["hall_code"].strip(), raw["token"].strip(), float(beat))


def city_settings(config: HallConfig) -> CitySection | None:
    """The hall file's ``[city]`` (``govhall config check`` runs it)."""
    return read_section(config.sections.get("city"), config.path)


class CityChannel:
    """The outbox's channel to the city server (see the module docstring)."""

    name = "city"
    ordered = True

    def __init__(self, section: CitySection, config: HallConfig) -> None:
        self.section = section
        self.config = config

    def messages_for(self, db: Database, events: list[Event]) -> list[tuple[str, dict[str, Any]]]:
        return city_capture.drain(db, self.config)

    async def deliver(self, message: Message, http: aiohttp.ClientSession) -> Outcome:
        body = {"hall": self.section.hall_code,
                "records": [{"seq": message.seq, "kind": message.kind, "data": message.payload}]}
        try:
            async with http.post(f"{self.section.url}/api/city/records", json=body,
                                 headers={"Authorization": f"Bearer {self.section.token}"}) as r:
                if r.status == 200:
                    return Outcome.ok()
                text = (await r.text())[:300]
                if r.status in (400, 401, 403, 404, 413, 422):
                    return Outcome.reject(f"city answered {r.status}: {text}")  # retrying cannot help
                retry = r.headers.get("Retry-After")
                return Outcome.retry(f"city answered {r.status}: {text}",
                                     float(retry) if retry and retry.isdigit() else None)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Outcome.retry(f"city unreachable: {exc!r}")

    def heartbeat_operation(self, db: Database, now: datetime, today: str) -> list[tuple[str, dict[str, Any]]]:
        """The periodic heartbeat's messages: records changed since the last drain, then the live state."""
        return [*city_capture.drain(db, self.config),
                ("heartbeat", city_capture.heartbeat(db, self.config, now, today))]


def build(raw: dict[str, Any] | None, config: HallConfig, path: Path | str) -> CityChannel | None:
    """The channel for ``[city]`` (``None`` when the hall file has none); brings the change capture's tables and
    triggers into the hall database at ``path``."""
    section = read_section(raw, config.path)  # raw: the outbox registry hands config.sections['city']
    if section is None:
        return None
    db = connect(path)
    try:
        city_capture.migrations.apply(db)  # each migration in its own transaction
    finally:
        db.close()
    return CityChannel(section, config)
