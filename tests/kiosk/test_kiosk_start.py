"""The ticket kiosk's cold start: the first screen is drawn before jieba's dictionary is loaded, and once it is in,
every label drawn meanwhile is broken by word again (:mod:`kiosk.common.segmenter`). How long the start takes is
measured in ``bench/kiosk_start.py``, not here.

To see the moments before the dictionary is in whatever the machine's speed, the scenario holds jieba's own lock
(the one ``jieba.initialize`` takes) while the app starts, and lets go when it has looked.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.kiosk.harness import run_scenario

#: a tile the simple rule breaks inside a word (管理中心) at the harness's 540 px
TILE = "住房公积金管理中心"


def scenario_start_before_the_dictionary(factory: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    import jieba

    from devices.printer.sim import SimTicketPrinter
    from kiosk.common import segmenter
    from kiosk.common.linebreak import WordWrap, split_words
    from kiosk.common.settings import KioskSettings
    from kiosk.ticketing.app import TicketKioskApp
    from queue_server.core.config import DEMO_CONFIG_PATH, load_config

    def labels() -> dict[str, list[list[str]]]:
        return {w.text.split("\n")[0]: w.drawn_lines() for w in d.widgets()
                if isinstance(w, WordWrap) and w.text and w.opacity > 0}

    jieba.dt.lock.acquire()
    app = TicketKioskApp(KioskSettings(server=ctx["url"], token=ctx["token"]), load_config(DEMO_CONFIG_PATH),
                         printer=SimTicketPrinter(Path(ctx["out_dir"]) / "printer"))
    d = factory.start(app, words_ready=False)
    first = {"screen": app.screens.current, "dictionary_loaded": jieba.dt.initialized, "ready": segmenter.ready(),
             "shot": d.shot("start-home")}
    d.wait_until(lambda: app.online, what="hall feed online")
    d.tap_text("取号", exact=True)
    d.wait_screen("departments")
    before = labels()
    d.shot("start-departments-simple-rule")
    jieba.dt.lock.release()
    assert segmenter.wait_ready(30)
    d.pump(3)
    after = labels()
    d.shot("start-departments-by-word")
    broken = [problem for paragraphs in after.values() for paragraph in paragraphs
              for problem in split_words(paragraph)]
    return {"first": first, "before": before[TILE], "after": after[TILE], "broken": broken,
            "dictionary_loaded": jieba.dt.initialized}


def test_first_screen_before_the_dictionary_then_word_breaks(kiosk_server, shots: Path) -> None:
    """GIVEN jieba's dictionary still loading WHEN the ticket kiosk starts THEN its home screen is drawn anyway, and
    the department tiles are broken by the simple rule (住房公积金管理/中心); WHEN the dictionary is in THEN every
    label on the screen is broken again between words, with no word split across lines."""
    seen = run_scenario(__file__, "scenario_start_before_the_dictionary",
                        {"role": "ticket", "url": kiosk_server.url, "token": kiosk_server.token("kiosk")}, shots)
    first = seen["first"]
    assert first["screen"] == "home" and Path(first["shot"]).stat().st_size > 0
    assert first["dictionary_loaded"] is False and first["ready"] is False
    assert seen["before"][0] == ["住房公积金管理", "中心"]  # what the simple rule does at this width
    assert seen["after"][0] == ["住房公积金", "管理中心"]
    assert seen["broken"] == [] and seen["dictionary_loaded"] is True
