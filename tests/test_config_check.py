"""``govhall config check`` as an engineer runs it on an edited hall file: every section validated, the first
problem named with its file and field (exit 2), or a summary of the hall (exit 0)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from queue_server.core.config import DEMO_CONFIG_PATH

ROOT = Path(__file__).resolve().parent.parent


def check(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "queue_server", "config", "check", "--config", str(config)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_the_demo_hall_is_valid_and_summed_up() -> None:
    run = check(DEMO_CONFIG_PATH)
    assert run.returncode == 0, run.stderr
    assert "配置有效" in run.stdout and "13 个部门，30 项业务，34 个窗口（其中备用 4 个）" in run.stdout
    for section in ("[tidal]", "[reviews]", "[guides]", "[devices]", "[kiosk]"):
        assert section in run.stdout


@pytest.mark.parametrize(("edit", "field"), [
    (("hold_min = 5 ", "hold_min = -1 "), "tidal.hold_min"),                      # checked by serve
    (("callback_days = 1 ", "callback_days = -3 "), "reviews.callback_days"),      # checked by serve
    (("[devices.printer]\ntype = \"sim\"", "[devices.printer]\ntype = \"laser\""), "devices.printer.type"),
    (("[devices]\n", "[kiosk]\nidle_timeout = 5\nfont = 1\n\n[devices]\n"), "kiosk."),  # checked by each kiosk
    (("[devices]\n", "[bogus]\nx = 1\n\n[devices]\n"), "bogus"),                  # core: an unknown section
    (("[devices]\n", "[outbound.province]\nurl = \"https://p\"\nadapter = \"sm\"\n\n[devices]\n"),
     "outbound.province.app_id"),                                                   # checked by the outbox
], ids=["tidal", "reviews", "devices", "kiosk", "core", "province"])
def test_a_mistake_in_any_section_is_named_with_its_field(tmp_path: Path, edit: tuple[str, str], field: str) -> None:
    text = DEMO_CONFIG_PATH.read_text(encoding="utf-8")
    assert edit[0] in text, edit[0]
    bad = tmp_path / "hall.toml"
    bad.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    run = check(bad)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert f"{bad}: {field}" in run.stderr and "配置错误" in run.stderr
