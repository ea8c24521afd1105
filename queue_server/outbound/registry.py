"""Which channels the hall file turns on, and each one's delivery settings.

Every channel is off unless configured. ``[outbound.webhook]``, ``[outbound.sms]`` and ``[outbound.province]`` each
name a module (:data:`CHANNEL_MODULES`) imported only when its section is present, so a hall without SMS loads
nothing of it; a channel configured by a top-level section of its own (the city's ``[city]``) is listed in
:data:`SECTION_CHANNELS`. Each module exposes::

    def build(raw: dict, config: HallConfig, path: str) -> Channel

where ``raw`` is the section without the common settings below (so the channel can refuse unknown options),
``path`` the section's dotted name for error fields (``"outbound.webhook"``: a problem is
``ConfigError(config.path, f"{path}.url", "…")``), and a problem raises ``ConfigError`` naming the field.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from queue_server.core.clock import Clock
from queue_server.core.config import ConfigError, HallConfig, Setting
from queue_server.core.config_reader import Reader
from queue_server.outbound.channel import Channel, ChannelSettings

#: ``[outbound.<name>]`` → the module that builds that channel
CHANNEL_MODULES = {
    "webhook": "queue_server.outbound.webhook",
    "sms": "queue_server.outbound.sms",
    "province": "queue_server.outbound.province",
}
#: channels configured by a top-level section of their own: section → (channel name, module)
SECTION_CHANNELS: dict[str, tuple[str, str]] = {"city": ("city", "queue_server.outbound.city")}

#: what every channel's section may also say (defaults from :class:`ChannelSettings`)
COMMON_SETTINGS: tuple[Setting, ...] = (
    Setting("max_attempts", ChannelSettings.max_attempts, "投递失败多少次后转为死信（dead letter），不再自动重试"),
    Setting("first_delay", ChannelSettings.first_delay, "第一次重试前等待的秒数；以后每次加倍（另加随机抖动）"),
    Setting("max_delay", ChannelSettings.max_delay, "两次重试之间最长等待的秒数"),
    Setting("timeout", ChannelSettings.timeout, "一次投递最长等待的秒数，超时按失败重试"),
)
#: ``[outbound]`` itself (besides its channel tables)
OUTBOUND_SETTINGS: tuple[Setting, ...] = (
    Setting("concurrency", 8, "每个不要求顺序的渠道同时投递的消息数上限"),
    Setting("poll_seconds", 30.0, "投递进程在没有新消息提醒时最长多久检查一次到期的重试"),
    Setting("keep_delivered_days", 30, "已送达（及管理员已放弃）的消息保留多少天后自动删除；待发送和失败（死信）的消息不删除"),
)
_COMMON = {s.name for s in COMMON_SETTINGS}


@dataclass(frozen=True)
class ConfiguredChannel:
    """A channel the hall file turned on, with its delivery settings."""

    channel: Channel
    settings: ChannelSettings


@dataclass(frozen=True)
class OutboundSettings:
    """``[outbound]``: how the delivery worker runs."""

    concurrency: int = 8
    poll_seconds: float = 30.0
    #: delivered and discarded messages are deleted this many days after they were finished
    keep_delivered_days: int = 30


def outbound_settings(config: HallConfig) -> OutboundSettings:
    """``[outbound]``'s own options, checked (the channel tables are :func:`build_channels`' business)."""
    raw = _outbound(config)
    r = Reader(config.path)
    r.unknown(raw, {s.name for s in OUTBOUND_SETTINGS} | set(CHANNEL_MODULES), "outbound.")
    return OutboundSettings(concurrency=r.int(raw, "concurrency", "outbound.", 8, 1, 256),
                            poll_seconds=r.number(raw, "poll_seconds", "outbound.", 30.0, 0, 3600),
                            keep_delivered_days=r.int(raw, "keep_delivered_days", "outbound.", 30, 1, 3650))


def build_channels(config: HallConfig, clock: Clock | None = None) -> dict[str, ConfiguredChannel]:
    """Every channel the hall file configures, by name; an empty dict when none is.

    :param clock: the hall's clock, handed to every channel that keeps one (``clock``: the province's sm envelope
        is stamped with the attempt's time), so a test's clock is the one its requests carry.

    :raises ConfigError: an unknown ``[outbound.X]``, a bad common setting, or whatever the channel's own ``build``
        finds wrong, each naming the field.
    """
    outbound_settings(config)  # unknown [outbound.X] tables and [outbound]'s own options first
    raw = _outbound(config)
    found = [(name, f"outbound.{name}", module, raw[name]) for name, module in CHANNEL_MODULES.items() if name in raw]
    found += [(name, section, module, config.sections[section])
              for section, (name, module) in SECTION_CHANNELS.items() if config.sections.get(section)]
    channels = {}
    for name, path, module_name, table in found:
        if not isinstance(table, dict):
            raise ConfigError(config.path, path, "应为表 (must be a table)")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            raise ConfigError(config.path, path, "此版本尚未提供该渠道 (channel not available in this version)") from None
        # a channel module may change the common defaults for itself (the city: no parking of ordered records)
        settings = channel_settings(config, table, path, getattr(module, "CHANNEL_DEFAULTS", {}))
        channel = module.build(settings.extra, config, path)
        if clock is not None and hasattr(channel, "clock"):
            channel.clock = clock
        channels[name] = ConfiguredChannel(channel, settings)
    return channels


def channel_settings(config: HallConfig, table: dict[str, Any], path: str,
                     defaults: dict[str, Any] | None = None) -> ChannelSettings:
    """The common settings of one channel's section (``defaults`` replacing :class:`ChannelSettings`' own); the
    rest of the section goes to ``extra`` for the channel."""
    r = Reader(config.path)
    where = f"{path}."
    default = ChannelSettings(**(defaults or {}))
    settings = ChannelSettings(
        max_attempts=r.int(table, "max_attempts", where, default.max_attempts, 1, 1_000_000),
        first_delay=r.number(table, "first_delay", where, default.first_delay, 0, 86_400),
        max_delay=r.number(table, "max_delay", where, default.max_delay, 0, 7 * 86_400),
        timeout=r.number(table, "timeout", where, default.timeout, 0, 600),
        extra={k: v for k, v in table.items() if k not in _COMMON},
    )
    if settings.max_delay < settings.first_delay:
        raise r.fail(f"{where}max_delay", f"不能小于 first_delay={settings.first_delay:g} (must be >= first_delay)")
    return settings


def _outbound(config: HallConfig) -> dict[str, Any]:
    raw = config.sections.get("outbound") or {}
    if not isinstance(raw, dict):
        raise ConfigError(config.path, "outbound", "应为表 (must be a table)")
    return raw
