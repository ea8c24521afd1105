"""Every ``[outbound.sms]`` option is documented in docs/configuration.md, and every template in docs/outbound.md."""
from __future__ import annotations

import re
from pathlib import Path

from queue_server.outbound.sms import SETTINGS, TEMPLATE_PARAMS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_sms_options_are_documented():
    doc = (DOCS / "configuration.md").read_text("utf-8")
    part = re.split(r"\n##+ ", doc.split("### `[outbound.sms]`", 1)[1], maxsplit=1)[0]
    assert set(re.findall(r"^\| `([a-z_]+)` \|", part, flags=re.M)) == {s.name for s in SETTINGS}


def test_sms_templates_and_their_params_are_documented():
    doc = (DOCS / "outbound.md").read_text("utf-8")
    for kind, params in TEMPLATE_PARAMS.items():
        row = re.search(rf"^\| `sms\.{kind}` \|.*\| (.*) \|$", doc, flags=re.M)
        assert row, kind
        assert set(re.findall(r"`([a-z_]+)`", row.group(1))) == params, kind
