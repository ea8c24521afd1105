"""The word segmenter behind the kiosk's line breaks: jieba, its dictionary loaded in the background at start.

Loading jieba's dictionary takes 1–1.5 s (its 9 MB prefix cache; 2–3 s more when the cache must be rebuilt), a
third of the ticket kiosk's cold start when it happened before the first frame. A kiosk app calls
:func:`start_loading` as it builds its screens; until the dictionary is in, :func:`words` cuts text by a simple
rule (every Chinese character a piece, but the hall's own words, Latin letters and digits whole), which breaks no
worse than Kivy itself and keeps the punctuation rules of :mod:`~kiosk.common.linebreak`. When jieba is ready the
callbacks registered with :func:`when_ready` run on Kivy's main thread, and the labels laid out meanwhile are laid
out again by word. Nothing that did not call :func:`start_loading` (tools, tests of the breaks) ever sees the
simple rule: it loads jieba where it first needs it, as before.
"""
from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from typing import Any, Callable

from devices.cache import cache_dir

log = logging.getLogger(__name__)

#: words of the hall that jieba's general dictionary cuts in two (叫/号, 号/票), so a line could break inside them
HALL_WORDS = ("叫号", "取号", "过号", "号票", "预约号", "排号", "签到", "窗口")
#: the simple rule's pieces: the hall's words, runs of Latin letters and digits, spaces, else one character
_SIMPLE = re.compile("|".join(sorted(HALL_WORDS, key=len, reverse=True)) + r"|[A-Za-z0-9]+|\s+|.", re.S)

_state = threading.Lock()  # guards the flags and the callbacks below
_loading = threading.Lock()  # one load at a time, whoever asks
_ready = threading.Event()
_background = False
_jieba: Any = None
_callbacks: list[Callable[[], None]] = []


def start_loading() -> None:
    """Load jieba's dictionary in a background thread (once per process); :func:`words` uses the simple rule until
    then."""
    global _background
    with _state:
        if _background or _ready.is_set():
            return
        _background = True
    threading.Thread(target=_load, name="jieba-dictionary", daemon=True).start()


def ready() -> bool:
    """Whether jieba's dictionary is loaded (or failed to load: the simple rule then stays)."""
    return _ready.is_set()


def wait_ready(timeout: float | None = None) -> bool:
    """Wait for the dictionary (loading it here when nobody started it); False when ``timeout`` ran out."""
    if not _background:
        _load()
        return True
    return _ready.wait(timeout)


def when_ready(callback: Callable[[], None]) -> None:
    """Run ``callback`` on Kivy's main thread once the dictionary is loaded (nothing when it already is: what was
    laid out is already by word)."""
    with _state:
        if not _ready.is_set():
            _callbacks.append(callback)


def words(text: str) -> tuple[str, ...]:
    """The words of ``text``: jieba's precise mode (its HMM joins characters the dictionary lacks, such as 取号,
    into words), or the simple rule while the dictionary loads in the background."""
    if not _ready.is_set():
        if _background:
            return simple_words(text)
        _load()
    return _cut(text) if _jieba is not None else simple_words(text)


def simple_words(text: str) -> tuple[str, ...]:
    """The rule used before jieba is ready: 请到窗口取号 → 请/到/窗口/取号; A001 and 65 stay whole."""
    return tuple(m.group(0) for m in _SIMPLE.finditer(text))


@lru_cache(maxsize=4096)
def _cut(text: str) -> tuple[str, ...]:
    return tuple(_jieba.cut(text))


def _load() -> None:
    global _jieba
    with _loading:
        if _ready.is_set():
            return
        try:
            import jieba

            jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not the kiosk's business
            kept = cache_dir("jieba")
            if kept is not None:  # its default, /tmp/jieba.cache, is gone after every boot
                jieba.dt.tmp_dir = str(kept)
            jieba.initialize()
            for word in HALL_WORDS:
                jieba.add_word(word)
            _jieba = jieba
        except Exception:  # a kiosk with the simple rule is better than a kiosk that does not start
            log.exception("jieba could not load its dictionary: lines break by the simple rule")
        with _state:
            _ready.set()
            callbacks = list(_callbacks)
            _callbacks.clear()
    if callbacks:
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: [callback() for callback in callbacks], 0)
