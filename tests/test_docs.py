"""Every core configuration option is documented in docs/configuration.md."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from queue_server.core.config import ARRAY_SECTIONS, CORE_OPTIONS, EXTENSION_SECTIONS
from queue_server.guides.store import GUIDES_OPTIONS
from queue_server.web.security import SECURITY_OPTIONS

DOC = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text("utf-8")


@pytest.mark.parametrize("section", sorted(CORE_OPTIONS))
def test_core_section_is_documented(section):
    heading = f"## `[{section}]`" if section in ("hall", "queue") else f"## `[[{section}]]`"
    assert heading in DOC, heading
    part = DOC.split(heading, 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", part, flags=re.M))
    assert documented == set(CORE_OPTIONS[section])


@pytest.mark.parametrize("section", EXTENSION_SECTIONS)
def test_every_area_section_has_its_part(section):
    """Each area's own test checks its options row by row; here: no section is left without a part."""
    heading = f"## `[[{section}]]`" if section in ARRAY_SECTIONS else f"## `[{section}]`"
    assert heading in DOC


def test_guides_options_are_documented():
    part = DOC.split("## `[guides]`", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^\| `([a-z_]+)` \|", part, flags=re.M)) == set(GUIDES_OPTIONS)


def test_security_options_are_documented():
    part = DOC.split("## `[security]`", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^\| `([a-z_]+)` \|", part, flags=re.M)) == set(SECURITY_OPTIONS)
