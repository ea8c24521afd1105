"""Make the voice clips in ``assets/sounds/`` with espeak-ng (run: ``python -m devices.announcer.make_clips``).

Chinese phrases go to espeak-ng's ``cmn-latn-pinyin`` voice as pinyin with tone numbers (pypinyin
``Style.TONE3``; the plain ``cmn`` voice reads tone digits in English), letters to the English voice as
letter names. Leading and trailing silence is trimmed so joined calls sound continuous. ``chime.wav`` is a
two-tone ding-dong synthesised here. Output: 22,050 Hz, mono, 16-bit; a hall may replace any clip with a
human recording of the same name and format.
"""
from __future__ import annotations

import argparse
import array
import math
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from devices.announcer.clips import CHIME, SOUNDS_DIR
from devices.announcer.speech import DIGITS, spoken_number

RATE = 22050
PHRASES = ("请", "号", "到", "窗口", "办理", "号窗口办理", "号窗口", "十", "百", "千", "请到", "暂停服务")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SILENCE_THRESHOLD = 400  # of 32,767


def phrases() -> list[str]:
    """Every Chinese clip: the fixed phrases, the digits and the window numbers 1-99."""
    words = list(PHRASES) + list(DIGITS) + [spoken_number(n) for n in range(10, 100)]
    return list(dict.fromkeys(words))


def to_pinyin(text: str) -> str:
    """Pinyin with tone numbers, as the cmn-latn-pinyin voice reads it."""
    return " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True))


def _espeak(args: list[str], text: str) -> array.array:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "clip.wav"
        subprocess.run(["espeak-ng", *args, "-w", str(out), text], check=True, capture_output=True)
        with wave.open(str(out), "rb") as w:
            if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, RATE):
                raise RuntimeError(f"espeak-ng wrote {w.getparams()}, expected {RATE} Hz mono 16-bit")
            samples = array.array("h", w.readframes(w.getnframes()))
    return samples


def trim(samples: array.array, margin: int = RATE // 100) -> array.array:
    """Cut leading and trailing silence, keeping ``margin`` samples each side."""
    loud = [i for i, s in enumerate(samples) if abs(s) > SILENCE_THRESHOLD]
    if not loud:
        return samples
    return samples[max(0, loud[0] - margin):min(len(samples), loud[-1] + margin)]


def chime() -> array.array:
    """A two-tone ding-dong (E5 then C5) with an exponential decay."""
    samples = array.array("h")
    for freq, seconds in ((659.25, 0.35), (523.25, 0.55)):
        n = int(RATE * seconds)
        for i in range(n):
            t = i / RATE
            envelope = math.exp(-4.0 * t) * min(1.0, i / 200)
            samples.append(int(9000 * envelope * math.sin(2 * math.pi * freq * t)))
    return samples


def write(path: Path, samples: array.array) -> None:
    """Save samples as a 22,050 Hz mono 16-bit WAV."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())


def clip_names() -> list[str]:
    """The name of every clip the script makes."""
    return phrases() + list(LETTERS) + [CHIME]


def make_clips(directory: Path, speed: int = 150, only: set[str] | None = None) -> list[Path]:
    """Write the clips into ``directory``; returns the files written.

    :param directory: where to write
    :param speed: espeak-ng words per minute
    :param only: make just these clip names (default: all)
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for word in phrases():
        if only is not None and word not in only:
            continue
        path = directory / f"{word}.wav"
        write(path, trim(_espeak(["-v", "cmn-latn-pinyin", "-s", str(speed)], to_pinyin(word))))
        written.append(path)
    for letter in LETTERS:
        if only is not None and letter not in only:
            continue
        path = directory / f"{letter}.wav"
        ssml = f'<say-as interpret-as="characters">{letter}</say-as>'
        write(path, trim(_espeak(["-v", "en", "-m", "-s", str(speed)], ssml)))
        written.append(path)
    if only is None or CHIME in only:
        write(directory / f"{CHIME}.wav", chime())
        written.append(directory / f"{CHIME}.wav")
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SOUNDS_DIR, help="directory for the clips")
    parser.add_argument("--speed", type=int, default=150, help="espeak-ng words per minute")
    args = parser.parse_args(argv)
    files = make_clips(args.out, args.speed)
    size = sum(f.stat().st_size for f in files)
    print(f"wrote {len(files)} clips ({size / 1e6:.1f} MB) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
