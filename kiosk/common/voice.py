"""Spoken prompts for 适老模式: one short recorded sentence per screen, played when the screen comes up.

Each prompt is a WAV file in :data:`PROMPTS_DIR` named after its screen (``home.wav``, ``departments.wav`` …); the
file ``prompts.txt`` there lists what each one says. The shipped files are synthesised by
:func:`make_prompts` with the device voice's engine (espeak-ng reading pinyin with tone numbers, as
``devices/announcer/make_clips.py`` makes the call clips); a hall replaces any of them with its own recording of
the same name, and a screen without a file is simply silent. Kivy's ``SoundLoader`` plays them (SDL2_mixer,
bundled with Kivy's wheel).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Callable, Mapping

log = logging.getLogger(__name__)

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "assets" / "sounds" / "prompts"
INDEX = "prompts.txt"
#: where a prompt pauses: Chinese sentence punctuation, its ASCII forms and spaces
_PAUSES = re.compile("[" + re.escape("，。、；：！？") + r",.;:!?\s]+")


class VoicePrompts:
    """Plays the prompt of a screen, one at a time (a new screen cuts the previous prompt short).

    :param directory: where the ``<screen>.wav`` files are
    :param loader: ``loader(path) -> sound`` with ``play()``/``stop()`` (default: Kivy's ``SoundLoader.load``)
    """

    def __init__(self, directory: Path = PROMPTS_DIR, loader: Callable[[str], Any] | None = None) -> None:
        self.directory = Path(directory)
        self.loader = loader
        self.played: list[str] = []
        """the screens whose prompt was started, in order (what a test or a log checks)"""
        self._sounds: dict[str, Any] = {}
        self._current: Any = None

    def path(self, screen: str) -> Path | None:
        """The prompt file of ``screen``, or None when the hall has none for it."""
        path = self.directory / f"{screen}.wav"
        return path if path.is_file() else None

    def play(self, screen: str) -> bool:
        """Start ``screen``'s prompt (stopping any other); False when there is no prompt or it cannot play."""
        path = self.path(screen)
        if path is None:
            return False
        self.stop()
        sound = self._sounds.get(screen)
        if sound is None:
            loader = self.loader or _kivy_loader
            sound = loader(str(path))
            if sound is None:  # no audio device: the kiosk keeps working, silently
                log.warning("cannot play voice prompt %s", path)
                return False
            self._sounds[screen] = sound
        sound.play()
        self._current = sound
        self.played.append(screen)
        return True

    def stop(self) -> None:
        """Stop the prompt being played, if any."""
        if self._current is not None:
            self._current.stop()
            self._current = None


def _kivy_loader(path: str) -> Any:
    from kivy.core.audio import SoundLoader

    return SoundLoader.load(path)


def make_prompts(texts: Mapping[str, str], directory: Path = PROMPTS_DIR, speed: int = 140) -> list[Path]:
    """Synthesise ``texts`` (screen → Chinese sentence) as ``<screen>.wav`` files, and write ``prompts.txt``.

    Punctuation becomes a short pause; the format is the call clips' (22,050 Hz mono 16-bit).
    """
    from devices.announcer.make_clips import _espeak, to_pinyin, trim, write

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for screen, text in texts.items():
        phrases = [p for p in _PAUSES.split(text) if p]
        pinyin = ", ".join(to_pinyin(p) for p in phrases)
        path = directory / f"{screen}.wav"
        write(path, trim(_espeak(["-v", "cmn-latn-pinyin", "-s", str(speed)], pinyin)))
        written.append(path)
    index = directory / INDEX
    index.write_text("".join(f"{screen}.wav\t{text}\n" for screen, text in texts.items()), encoding="utf-8")
    return written
