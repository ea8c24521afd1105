"""A simulated voice: writes each call's WAV to a directory and takes as long as the audio to "play"."""
from __future__ import annotations

import asyncio
from pathlib import Path

from devices.announcer.base import DEFAULT_TEMPLATE, Announced, Announcer
from devices.announcer.clips import ClipLibrary


class SimAnnouncer(Announcer):
    """Records calls instead of playing them.

    :param library: the clip library
    :param template: the call template
    :param output_dir: where to save ``call-0001-A001-w3.wav`` files (None: keep in memory)
    :param time_scale: how long a play takes relative to the audio (1.0 = real time; tests use less)
    """

    def __init__(self, library: ClipLibrary, template: str = DEFAULT_TEMPLATE, *,
                 output_dir: Path | str | None = None, time_scale: float = 1.0, **options: float) -> None:
        super().__init__(library, template, **options)
        self.output_dir = Path(output_dir) if output_dir is not None else None
        if self.output_dir is not None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
        self.time_scale = time_scale
        self.files: list[Path] = []
        self._fault: str | None = None

    def inject_fault(self, message: str = "声卡无响应") -> None:
        """Make every play fail with ``message`` until cleared."""
        self._fault = message

    def clear_fault(self) -> None:
        """The sound device works again."""
        self._fault = None

    async def _play(self, item: Announced) -> None:
        assert item.utterance is not None
        if self._fault:
            raise OSError(self._fault)
        if self.output_dir is not None:
            path = self.output_dir / f"call-{len(self.history) + 1:04d}-{item.number}-w{item.window}.wav"
            path.write_bytes(item.utterance.wav)
            self.files.append(path)
        await asyncio.sleep(item.utterance.duration_s * self.time_scale)
