"""The hall file's ``[city]`` section: documented option by option, refused with the field named when wrong."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from queue_server.core.config import ConfigError
from queue_server.outbound.city import SETTINGS, read_section

DOC = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text("utf-8")


def test_every_city_setting_is_documented():
    part = DOC.split("## `[city]`", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^\| `([a-z_]+)` \|", part, flags=re.M)) == {s.name for s in SETTINGS}


def test_no_section_means_no_shipping_and_a_good_one_reads():
    assert read_section(None) is None and read_section({}) is None
    section = read_section({"url": "http://city:8090/", "hall_code": "xa", "token": "t", "heartbeat_seconds": 10})
    assert (section.url, section.hall_code, section.heartbeat_seconds) == ("http://city:8090", "xa", 10.0)
    assert section.batch_size == 100


@pytest.mark.parametrize("raw, named", [
    ({"url": "http://c", "hall_code": "xa"}, "city.token"),
    ({"url": "ftp://c", "hall_code": "xa", "token": "t"}, "city.url"),
    ({"url": "http://c", "hall_code": "xa", "token": "t", "heartbeat_seconds": 0.5}, "city.heartbeat_seconds"),
    ({"url": "http://c", "hall_code": "xa", "token": "t", "tokn": "t"}, "city.tokn"),
    ({"url": "http://c", "hall_code": "xa", "token": "t", "batch_size": 0}, "city.batch_size"),
    ({"url": "http://c", "hall_code": "xa", "token": "t", "batch_size": 5001}, "city.batch_size"),
])
def test_a_wrong_section_names_the_field(raw, named):
    with pytest.raises(ConfigError, match=re.escape(named)):
        read_section(raw)


def test_the_outbox_builds_the_city_channel_in_order_and_never_parks_it(hall_config):
    """[city] turns on the outbox's ordered ``city`` channel; its messages are retried rather than parked after the
    usual dozen attempts (one parked record would let the next ones overtake it); a bad field is named."""
    from dataclasses import replace

    from queue_server.outbound.registry import build_channels

    good = {"url": "http://127.0.0.1:1", "hall_code": "xa", "token": "t"}
    channels = build_channels(replace(hall_config, sections={**hall_config.sections, "city": good}))
    assert channels["city"].channel.ordered and channels["city"].settings.max_attempts == 1_000_000
    bad = replace(hall_config, sections={**hall_config.sections, "city": {**good, "max_delay": -1}})
    with pytest.raises(ConfigError, match=re.escape("city.max_delay")):
        build_channels(bad)
