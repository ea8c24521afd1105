"""Every core configuration option is documented in docs/configuration.md."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from queue_server.config import CORE_OPTIONS

DOC = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text("utf-8")


@pytest.mark.parametrize("section", sorted(CORE_OPTIONS))
def test_core_section_is_documented(section):
    heading = f"## `[{section}]`" if section in ("hall", "queue") else f"## `[[{section}]]`"
    assert heading in DOC, heading
    part = DOC.split(heading, 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", part, flags=re.M))
    assert documented == set(CORE_OPTIONS[section])
