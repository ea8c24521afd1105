"""Benchmark: the ticket kiosk's cold start, from process spawn to its first drawn frame and to word breaks.

``python -m bench.kiosk_start [--starts 5]``, offscreen (no screen needed). Figures are printed, never asserted.

Rows, all measured in this run (each process started ``--starts`` times after one warm-up for the OS file cache):

- baseline: a bare Kivy process drawing one label (what no app can beat);
- the start as it was: jieba's dictionary loaded before the app is built, python-escpos parsing its printer
  capabilities from YAML (into a fresh temp folder, as it does unless told where to keep them);
- the start now: the first frame (jieba loading beside it, escpos's parsed capabilities kept from an earlier
  start), and the moment jieba is ready, after which the labels are broken by word.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

from kiosk.common.headless import without_screen  # noqa: E402 - before anything imports Kivy

without_screen(os.environ)

from bench.kiosk import BARE_KIVY, _summary  # noqa: E402
from bench.support import ROOT  # noqa: E402

#: the ticket kiosk as ``govhall kiosk --role ticket --simulate`` builds it; prints when its first frame is drawn
#: and when jieba's dictionary is in. ``OLD`` = 1 loads the dictionary before the app, as the start used to.
KIOSK = """
import os, sys
from kiosk.common import segmenter
if os.environ.get("OLD") == "1":
    segmenter.wait_ready()
from kiosk.cli import build_app, configure_window
from kiosk.common.settings import kiosk_settings
from queue_server.core.config import DEMO_CONFIG_PATH, load_config
config = load_config(DEMO_CONFIG_PATH)
settings = kiosk_settings(config).with_overrides(server="http://127.0.0.1:9", token=None, window=None, fullscreen=False)
configure_window("ticket", 0.5, False)
app = build_app("ticket", settings, config, simulate=True)
from kivy.clock import Clock
from kivy.core.window import Window
def flipped(*_):
    Window.unbind(on_flip=flipped)
    print("first frame", flush=True)
    Clock.schedule_interval(words, 0)
def words(_dt):
    if segmenter.ready():
        print("words ready", flush=True)
        Clock.schedule_once(lambda _dt: app.stop(), 0)
        return False
Window.bind(on_flip=flipped)
app.run()
"""


def _marks(script: str, env_extra: dict[str, str]) -> dict[str, float]:
    """Seconds from spawn to each line the child prints."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **env_extra}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    marks = {line.strip(): time.perf_counter() - start for line in proc.stdout}
    proc.wait(timeout=60)
    if "first frame" not in marks:
        raise RuntimeError("the kiosk never drew a frame")
    return marks


def _old_start() -> dict[str, float]:
    """The start before: escpos parses into a fresh temp folder (its default), jieba loads first."""
    fresh = tempfile.mkdtemp(prefix="bench-escpos-")
    try:
        return _marks(KIOSK, {"OLD": "1", "ESCPOS_CAPABILITIES_PICKLE_DIR": fresh})
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.kiosk_start")
    parser.add_argument("--starts", type=int, default=5)
    n = parser.parse_args(argv if argv is not None else []).starts
    print("ticket kiosk cold start (offscreen, 540×960, spawn → mark)")
    _marks(BARE_KIVY, {})  # warm the OS file cache (and the kept caches) once
    _marks(KIOSK, {})
    bare = [_marks(BARE_KIVY, {})["first frame"] for _ in range(n)]
    old = [_old_start()["first frame"] for _ in range(n)]
    new = [_marks(KIOSK, {}) for _ in range(n)]
    print(f"  {'baseline: bare Kivy label':34s} {_summary(bare)}")
    print(f"  {'before: first frame':34s} {_summary(old)}")
    print(f"  {'now: first frame':34s} {_summary([m['first frame'] for m in new])}")
    print(f"  {'now: words ready (jieba loaded)':34s} {_summary([m['words ready'] for m in new])}")


if __name__ == "__main__":
    main(sys.argv[1:])
