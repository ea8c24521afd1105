"""The tablet's spoken prompt when a review opens: "请您对本次服务进行评价".

The clip lives beside the call clips, in ``assets/sounds/prompts/`` (``请您对本次服务进行评价.wav``, 22,050 Hz mono 16-bit) and is
made by the same espeak-ng route as they are (``python -m kiosk.review.voice``); a hall may replace it with a human
recording of the same name. Playback goes through Kivy's audio (SDL2_mixer in the wheel), so a tablet without a
working sound device still rates: a missing clip or audio failure is logged, never raised.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from devices.announcer.clips import SOUNDS_DIR

log = logging.getLogger(__name__)

PROMPT_TEXT = "请您对本次服务进行评价"
PROMPT_CLIP = SOUNDS_DIR / "prompts" / f"{PROMPT_TEXT}.wav"


class ReviewPrompt:
    """Plays the review prompt; ``played`` records each clip started (the tests' seam besides the audio itself).

    :param clip: the WAV file to play
    """

    def __init__(self, clip: Path = PROMPT_CLIP) -> None:
        self.clip = clip
        self.played: list[str] = []
        self._sound = None

    def play(self) -> None:
        """Start the prompt (restarting it if it still plays from the last review)."""
        from kivy.core.audio import SoundLoader

        try:
            if self._sound is None:
                self._sound = SoundLoader.load(str(self.clip))
            if self._sound is None:
                log.warning("review prompt %s cannot be played (missing or no audio provider)", self.clip)
                return
            self._sound.stop()
            self._sound.play()
            self.played.append(str(self.clip))
        except Exception:  # a broken sound device must not stop the citizen from rating
            log.exception("review prompt failed")

    def stop(self) -> None:
        """Silence the prompt (the review closed)."""
        if self._sound is not None:
            self._sound.stop()


def make_prompt_clip(path: Path = PROMPT_CLIP, speed: int = 150) -> Path:
    """Synthesise the prompt with espeak-ng's pinyin voice, as ``devices.announcer.make_clips`` makes call clips."""
    from devices.announcer import make_clips

    # the call clips' own helpers: tone-number pinyin, the cmn-latn-pinyin voice, silence trimmed, one format
    samples = make_clips._espeak(["-v", "cmn-latn-pinyin", "-s", str(speed)], make_clips.to_pinyin(PROMPT_TEXT))
    make_clips.write(path, make_clips.trim(samples))
    return path


if __name__ == "__main__":
    print(make_prompt_clip(Path(sys.argv[1]) if len(sys.argv) > 1 else PROMPT_CLIP))
