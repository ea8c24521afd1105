"""The ``[kiosk]`` section: defaults, validation naming the field, documentation of every setting, and the
``govhall kiosk`` command line."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from kiosk.common.settings import SETTINGS, KioskSettings, parse_kiosk_section
from queue_server.core.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_match_the_declared_settings() -> None:
    settings = parse_kiosk_section(None)
    for setting in SETTINGS:
        assert getattr(settings, setting.name) == setting.default
    assert settings == KioskSettings()


@pytest.mark.parametrize(("raw", "field"), [
    ({"server": "ftp://x"}, "kiosk.server"),
    ({"printer": "laser"}, "kiosk.printer"),
    ({"idle_seconds": 5}, "kiosk.idle_seconds"),
    ({"idle_seconds": "60"}, "kiosk.idle_seconds"),
    ({"elder_mode": "yes"}, "kiosk.elder_mode"),
    ({"review_timeout_seconds": 1000}, "kiosk.review_timeout_seconds"),
    ({"window": -1}, "kiosk.window"),
    ({"colour": "red"}, "kiosk.colour"),
])
def test_a_bad_value_names_its_field(raw: dict, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_kiosk_section(raw, "hall.toml")
    assert caught.value.field == field and caught.value.path == "hall.toml"


def test_values_and_overrides() -> None:
    settings = parse_kiosk_section({"server": "https://hall.example:8443", "elder_mode": True, "window": 3})
    assert settings.server == "https://hall.example:8443" and settings.elder_mode and settings.window == 3
    assert settings.with_overrides(window=7, token=None).window == 7
    assert settings.with_overrides(token=None).token == ""


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text("utf-8")
    section = text.split("## `[kiosk]`", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M))
    assert documented == {s.name for s in SETTINGS}


def test_the_kiosk_subcommand_parses() -> None:
    from kiosk import cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["kiosk", "--role", "review", "--window", "3", "--server", "http://h:1"])
    assert (args.role, args.window, args.server, args.func) == ("review", 3, "http://h:1", cli.run)
    with pytest.raises(SystemExit):
        parser.parse_args(["kiosk", "--role", "cashier"])


def test_every_role_starts_and_draws_its_first_frame(tmp_path: Path) -> None:
    """``govhall kiosk --role R --first-frame`` opens each app offscreen, draws a frame and quits cleanly, even
    with no server to talk to."""
    import os
    import subprocess
    import sys

    from kiosk.common.headless import without_screen

    env = without_screen(dict(os.environ), force=True)
    env["PYTHONPATH"] = str(ROOT)
    config = tmp_path / "hall.toml"
    demo = (ROOT / "assets" / "halls" / "demo.toml").read_text("utf-8")
    # no printer: this only checks that each app starts; printing is covered by test_ticket_kiosk.py
    config.write_text(demo + '\n[kiosk]\nprinter = "none"\nwindow = 3\n', "utf-8")
    procs = {role: subprocess.Popen(
        [sys.executable, "-m", "queue_server", "kiosk", "--role", role, "--first-frame", "--config", str(config),
         "--server",
         "http://127.0.0.1:9"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for role in ("ticket", "review", "staff", "display")}
    for role, proc in procs.items():
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, f"{role}: {out[-3000:]}"
        assert "first frame" in out.splitlines(), role


@pytest.mark.parametrize("extra, named", [('\n[kiosk]\nidle_seconds = 1\n', "kiosk.idle_seconds"),
                                          ('\n[hall]\n', "hall")])
def test_a_bad_config_stops_the_kiosk_with_the_field_not_a_traceback(tmp_path: Path, extra: str, named: str) -> None:
    """Like ``serve`` and ``devices``: exit 2 with the file and the field, no Python traceback for the installer."""
    import subprocess
    import sys

    config = tmp_path / "hall.toml"
    config.write_text((ROOT / "assets" / "halls" / "demo.toml").read_text("utf-8") + extra, "utf-8")
    run = subprocess.run([sys.executable, "-m", "queue_server", "kiosk", "--role", "display", "--first-frame",
                          "--config", str(config)], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                              "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1", "KIVY_HOME": str(tmp_path / "k")})
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and str(config) in run.stderr and named in run.stderr, run.stderr
