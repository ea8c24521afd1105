"""The real voice output: each call's WAV handed to a command-line player (``aplay`` by default)."""
from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from devices.announcer.base import DEFAULT_TEMPLATE, Announced, Announcer
from devices.announcer.clips import ClipLibrary

DEFAULT_COMMAND = ("aplay", "-q", "{file}")


class CommandAnnouncer(Announcer):
    """Plays each call with an external player.

    :param library: the clip library
    :param template: the call template
    :param command: the player command; ``{file}`` is replaced by the WAV's path
        (e.g. ``["aplay", "-q", "-D", "plughw:1,0", "{file}"]`` or ``["play", "-q", "{file}"]``)
    """

    def __init__(self, library: ClipLibrary, template: str = DEFAULT_TEMPLATE, *,
                 command: tuple[str, ...] | list[str] = DEFAULT_COMMAND, **options: float) -> None:
        super().__init__(library, template, **options)
        if not any("{file}" in part for part in command):
            raise ValueError("the player command needs a {file} argument")
        self.command = tuple(command)

    async def _play(self, item: Announced) -> None:
        assert item.utterance is not None
        with tempfile.TemporaryDirectory(prefix="govhall-voice-") as tmp:
            path = Path(tmp) / "call.wav"
            path.write_bytes(item.utterance.wav)
            args = [part.replace("{file}", str(path)) for part in self.command]
            proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.DEVNULL,
                                                        stderr=asyncio.subprocess.PIPE)
            try:
                _out, err = await proc.communicate()
            except asyncio.CancelledError:
                proc.kill()
                await proc.wait()
                raise
            if proc.returncode != 0:
                raise RuntimeError(f"{args[0]} exited {proc.returncode}: {err.decode(errors='replace').strip()}")
