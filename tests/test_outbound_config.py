"""``[outbound]`` in the hall file: every setting documented, problems named by field, channels off unless
configured, unknown channels refused, ``govhall config check`` running the same checks."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from queue_server.config_check import check
from queue_server.core.config import ConfigError
from queue_server.outbound import webhook
from queue_server.outbound.registry import COMMON_SETTINGS, OUTBOUND_SETTINGS, build_channels

DOC = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text("utf-8")
GOOD = {"url": "http://127.0.0.1:9/hook", "secret": "0123456789abcdef"}


def with_outbound(hall_config, outbound):
    return replace(hall_config, sections={**hall_config.sections, "outbound": outbound})


def _documented(heading: str, stop: str = "\n## ") -> set[str]:
    part = DOC.split(heading, 1)[1].split(stop, 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", part, flags=re.M))


def test_every_outbound_setting_is_documented():
    common = {s.name for s in OUTBOUND_SETTINGS} | {s.name for s in COMMON_SETTINGS}
    assert _documented("## `[outbound]`", "\n### ") == common
    assert _documented("### `[outbound.webhook]`", "\n### ") == {s.name for s in webhook.SETTINGS}


def test_no_channel_unless_configured(hall_config):
    assert build_channels(hall_config) == {}
    channels = build_channels(with_outbound(hall_config, {"webhook": GOOD}))
    assert list(channels) == ["webhook"]
    assert channels["webhook"].settings.max_attempts == 12
    assert channels["webhook"].channel.events == frozenset(webhook.API_EVENTS)


@pytest.mark.parametrize("outbound, field", [
    ({"fax": {}}, "outbound.fax"),
    ({"concurrency": 0}, "outbound.concurrency"),
    ({"webhook": {**GOOD, "url": "ftp://x/"}}, "outbound.webhook.url"),
    ({"webhook": {**GOOD, "secret": "short"}}, "outbound.webhook.secret"),
    ({"webhook": {**GOOD, "events": ["ticket.issued", "ticket.eaten"]}}, "outbound.webhook.events[1]"),
    ({"webhook": {**GOOD, "colour": "red"}}, "outbound.webhook.colour"),
    ({"webhook": {**GOOD, "max_attempts": 0}}, "outbound.webhook.max_attempts"),
    ({"webhook": {**GOOD, "first_delay": 60, "max_delay": 30}}, "outbound.webhook.max_delay"),
    ({"webhook": {**GOOD, "timeout": "10"}}, "outbound.webhook.timeout"),
    ({"webhook": "on"}, "outbound.webhook"),
])
def test_problems_are_named_by_field(hall_config, outbound, field):
    config = with_outbound(hall_config, outbound)
    with pytest.raises(ConfigError) as caught:
        build_channels(config)
    assert caught.value.field == field
    with pytest.raises(ConfigError):  # govhall config check runs the same validator
        check(config)


def test_config_check_names_the_section(hall_config):
    assert "[outbound]" in check(with_outbound(hall_config, {"webhook": GOOD}))
