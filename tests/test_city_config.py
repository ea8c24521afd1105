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


@pytest.mark.parametrize("raw, named", [
    ({"url": "http://c", "hall_code": "xa"}, "city.token"),
    ({"url": "ftp://c", "hall_code": "xa", "token": "t"}, "city.url"),
    ({"url": "http://c", "hall_code": "xa", "token": "t", "heartbeat_seconds": 1}, "city.heartbeat_seconds"),
    ({"url": "http://c", "hall_code": "xa", "token": "t", "tokn": "t"}, "city.tokn"),
])
def test_a_wrong_section_names_the_field(raw, named):
    with pytest.raises(ConfigError, match=re.escape(named)):
        read_section(raw)
