"""The caches that shorten a kiosk's start (``devices/cache.py``): python-escpos's parsed printer capabilities and
jieba's dictionary are kept under ``$GOVHALL_CACHE_DIR`` from one start to the next, in fresh processes as in a hall.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: import the printers (and so escpos) and report where escpos read its capabilities from
IMPORT_PRINTERS = """
import os
import devices.printer
import escpos.capabilities as caps
print(os.path.dirname(caps.pickle_path)); print(caps.full_load); print(os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR"))
"""


def _run(script: str, cache: Path, tmp: Path) -> list[str]:
    env = {**os.environ, "GOVHALL_CACHE_DIR": str(cache), "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")


def test_escpos_parses_its_capabilities_once_and_leaves_no_temp_folder(tmp_path: Path) -> None:
    """GIVEN an empty cache folder WHEN the printers are imported twice, each time in a new process THEN the first
    parses the capabilities and keeps them, the second loads the kept ones; neither leaves a pickle in the temp
    folder (escpos still makes an empty folder there at every import, whatever it is told), nor passes escpos's
    variable on to the processes it starts."""
    cache, tmp = tmp_path / "cache", tmp_path / "tmp"
    tmp.mkdir()
    where, full, variable = _run(IMPORT_PRINTERS, cache, tmp)[:3]
    kept = next(cache.glob("escpos-*"))
    assert full == "True" and Path(where).parent == tmp and variable == "None"
    assert [p.name for p in kept.iterdir()] == [f"{sys.version.split()[0]}.capabilities.pickle"]
    where, full, variable = _run(IMPORT_PRINTERS, cache, tmp)[:3]
    assert full == "False" and Path(where) == kept and variable == "None"
    assert list(tmp.rglob("*.pickle")) == []


def test_jieba_keeps_its_dictionary_cache_in_the_cache_folder(tmp_path: Path) -> None:
    """GIVEN an empty cache folder WHEN the kiosk's segmenter loads jieba THEN jieba's dictionary cache is written
    there (not to /tmp, which Debian clears at boot) and the hall's words are whole."""
    cache, tmp = tmp_path / "cache", Path(tempfile.mkdtemp(dir=tmp_path))
    out = _run("from kiosk.common.segmenter import words\nprint('/'.join(words('请留意大厅语音叫号')))", cache, tmp)
    assert out[0].endswith("叫号") and "/叫/号" not in out[0]
    assert (cache / "jieba" / "jieba.cache").stat().st_size > 1_000_000
