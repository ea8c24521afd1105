"""The voice: calls queue up and play one at a time, never cutting each other off.

:meth:`Announcer.announce` only enqueues (it never blocks or raises), so calling goes on whatever the sound
device does; a worker task joins each call's clips and hands the audio to ``_play``. A failing sound device
is logged and reported through :meth:`Announcer.status`, and the next call is tried as usual.
"""
from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass

from devices.announcer.clips import ClipLibrary, Utterance

log = logging.getLogger(__name__)
DEFAULT_TEMPLATE = "请{number}号到{window}号窗口办理"


@dataclass
class Announced:
    """One call that went through the voice.

    :param number: ticket number
    :param window: window number
    :param recall: a repeated call (重呼)
    :param utterance: the joined audio (None if it could not be built)
    :param started: loop time when playing started
    :param ended: loop time when playing ended
    :param error: what went wrong, if anything
    """

    number: str
    window: int
    recall: bool
    utterance: Utterance | None = None
    started: float | None = None
    ended: float | None = None
    error: str | None = None


class Announcer(ABC):
    """Speaks calls through some sound output.

    :param library: the clip library
    :param template: the call template (``{number}``, ``{window}``)
    :param extra_timeout_s: how much longer than the audio a play may take before it counts as failed
    """

    kind = "voice"

    def __init__(self, library: ClipLibrary, template: str = DEFAULT_TEMPLATE, *,
                 extra_timeout_s: float = 5.0) -> None:
        self.library = library
        self.template = template
        self.extra_timeout_s = extra_timeout_s
        self.history: list[Announced] = []
        self.problem: str | None = None
        self._queue: asyncio.Queue[Announced] | None = None
        self._worker: asyncio.Task[None] | None = None

    def announce(self, number: str, window: int, *, recall: bool = False) -> Announced:
        """Queue a call to be spoken after those already waiting (starts the worker if needed)."""
        item = Announced(number, window, recall)
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work(), name="announcer")
        self._queue.put_nowait(item)
        return item

    async def wait_idle(self) -> None:
        """Wait until every queued call has been played (or has failed)."""
        if self._queue is not None:
            await self._queue.join()

    @property
    def pending(self) -> int:
        """Calls waiting to be spoken (not counting the one playing)."""
        return self._queue.qsize() if self._queue is not None else 0

    def status(self) -> dict[str, object]:
        """``{"ok", "problem"}`` for the agent's device report."""
        return {"ok": self.problem is None, "problem": self.problem}

    async def close(self) -> None:
        """Stop the worker (calls still queued are dropped)."""
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None

    async def _work(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            item = await self._queue.get()
            try:
                item.utterance = self.library.call(self.template, item.number, item.window)
                item.started = loop.time()
                await asyncio.wait_for(self._play(item), item.utterance.duration_s + self.extra_timeout_s)
                self.problem = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a broken sound device must never stop calling
                item.error = f"{type(exc).__name__}: {exc}"
                self.problem = f"语音播报失败：{item.error}"
                log.warning("voice: could not announce %s at window %s: %s", item.number, item.window, item.error)
            finally:
                item.ended = loop.time()
                self.history.append(item)
                self._queue.task_done()

    @abstractmethod
    async def _play(self, item: Announced) -> None:
        """Play ``item.utterance`` to the end; raise when the sound device fails."""
