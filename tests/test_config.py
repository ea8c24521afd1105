"""A bad hall configuration stops start-up with the file, the field and the problem."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from queue_server.core.config import DEMO_CONFIG_PATH, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def test_demo_hall_is_a_realistic_county_hall(hall_config):
    assert len(hall_config.departments) >= 10
    assert len(hall_config.services) >= 25
    assert len(hall_config.windows) >= 30
    assert sum(w.standby for w in hall_config.windows.values()) >= 3
    names = {d.name for d in hall_config.departments.values()}
    for word in ("不动产", "市场监督", "人力资源和社会保障", "医疗保障", "公积金", "户政", "出入境", "税务", "车驾管"):
        assert any(word in n for n in names), word


@pytest.mark.parametrize("old, new, field", [
    ('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"', "hall.timezone"),
    ('business_hours = ["08:30-12:00", "13:30-17:30"]', 'business_hours = ["12:00-08:30"]', "hall.business_hours[0]"),
    ('prefix = "A"', 'prefix = "a1"', "services[0].prefix"),
    ('department = "bdc"', 'department = "nowhere"', "services[0].department"),
    ('number = 1\n', 'number = "one"\n', "windows[0].number"),
    ('requeue = "after"', 'requeue = "sometimes"', "queue.requeue"),
    ('[hall]', '[hall]\ncolour = "red"', "hall.colour"),
])
def test_bad_fields_are_named(tmp_path, old, new, field):
    text = DEMO_CONFIG_PATH.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "hall.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert caught.value.field == field and str(bad) in str(caught.value)


def test_serve_refuses_a_bad_config_with_a_readable_message(tmp_path):
    bad = tmp_path / "hall.toml"
    bad.write_text("[hall\nname = 1", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "queue_server", "serve", "--config", str(bad), "--db", str(tmp_path / "x.db")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert str(bad) in run.stderr and "TOML" in run.stderr and "Traceback" not in run.stderr


def test_token_create_prints_the_token_last_and_migrates_a_new_db(tmp_path):
    db = tmp_path / "new.db"
    run = subprocess.run([sys.executable, "-m", "queue_server", "token", "create", "--db", str(db), "--role", "tablet",
                          "--window", "3"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    token = run.stdout.strip().splitlines()[-1]
    assert len(token) >= 30 and " " not in token
    import sqlite3

    conn = sqlite3.connect(db)
    assert conn.execute("select role, window from auth_tokens").fetchall() == [("tablet", 3)]
    conn.close()
