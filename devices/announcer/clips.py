"""The clip library: short WAV files in ``assets/sounds/`` joined into one call.

Each clip is ``<what it says>.wav`` (``请.wav``, ``A.wav``, ``十二.wav``, ``号窗口办理.wav``) plus ``chime.wav``.
All clips must share one format (``make_clips.py`` writes 22,050 Hz mono 16-bit); a human recording can replace
any clip by taking its name and that format, with no code change.
"""
from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

from devices.announcer.speech import call_text, tokenize

SOUNDS_DIR = Path(__file__).resolve().parents[2] / "assets" / "sounds"
CHIME = "chime"
#: (channels, sample width in bytes, frame rate) of every clip: 22,050 Hz mono 16-bit PCM
CLIP_FORMAT = (1, 2, 22050)


@dataclass(frozen=True)
class Clip:
    """One clip's audio.

    :param name: what it says
    :param frames: raw PCM frames
    :param params: (channels, sample width, frame rate)
    """

    name: str
    frames: bytes
    params: tuple[int, int, int]

    @property
    def nframes(self) -> int:
        """Number of audio frames."""
        return len(self.frames) // (self.params[0] * self.params[1])


@dataclass(frozen=True)
class Utterance:
    """A joined call.

    :param text: the spoken text
    :param tokens: the clips, in order
    :param wav: the WAV file bytes
    :param duration_s: its length in seconds
    """

    text: str
    tokens: tuple[str, ...]
    wav: bytes
    duration_s: float


class ClipLibrary:
    """Loads clips from a directory and joins them.

    :param directory: where the ``.wav`` clips are
    :param gap_ms: silence between clips
    :param chime: start each call with ``chime.wav``
    """

    def __init__(self, directory: Path | str = SOUNDS_DIR, *, gap_ms: int = 40, chime: bool = True) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise FileNotFoundError(f"no voice clip directory {self.directory}")
        self.gap_ms = gap_ms
        self.chime = chime
        self.names = frozenset(p.stem for p in self.directory.glob("*.wav"))
        self._cache: dict[str, Clip] = {}
        if self.chime and CHIME not in self.names:
            raise FileNotFoundError(f"{self.directory} has no {CHIME}.wav")

    def check(self) -> None:
        """Read every clip now, so a wrong recording stops start-up instead of the first call it is in.

        :raises ValueError: a clip that is not a WAV, or not 22,050 Hz mono 16-bit PCM (names the file)
        """
        for name in sorted(self.names):
            try:
                clip = self.clip(name)
            except (wave.Error, EOFError) as exc:
                raise ValueError(f"语音片段 {name}.wav 不是 PCM WAV 文件：{exc}") from None
            if clip.params != CLIP_FORMAT:
                channels, width, rate = clip.params
                raise ValueError(f"语音片段 {name}.wav 是 {rate} Hz、{channels} 声道、{width * 8} 位，"
                                 "应为 22050 Hz、单声道、16 位 PCM WAV（见 docs/deployment.md 第 8 节的 sox 命令）")

    def clip(self, name: str) -> Clip:
        """The clip called ``name`` (cached)."""
        cached = self._cache.get(name)
        if cached is None:
            with wave.open(str(self.directory / f"{name}.wav"), "rb") as w:
                cached = Clip(name, w.readframes(w.getnframes()),
                              (w.getnchannels(), w.getsampwidth(), w.getframerate()))
            self._cache[name] = cached
        return cached

    def join(self, tokens: list[str], text: str = "") -> Utterance:
        """Join clips (and gaps) into one WAV.

        :raises ValueError: clips of different formats
        """
        clips = [self.clip(t) for t in tokens]
        params = clips[0].params
        for c in clips:
            if c.params != params:
                raise ValueError(f"clip {c.name}.wav is {c.params}, others are {params}: re-record or convert it")
        channels, width, rate = params
        gap = b"\x00" * (rate * self.gap_ms // 1000) * channels * width
        pcm = gap.join(c.frames for c in clips)
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(width)
            w.setframerate(rate)
            w.writeframes(pcm)
        return Utterance(text, tuple(tokens), out.getvalue(), len(pcm) / (rate * channels * width))

    def call(self, template: str, number: str, window: int | str) -> Utterance:
        """The joined audio of one call (with the chime first when enabled)."""
        text = call_text(template, number, window)
        vocabulary = self.names - {CHIME}
        tokens = ([CHIME] if self.chime else []) + tokenize(text, vocabulary)
        return self.join(tokens, text)
