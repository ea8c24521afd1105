"""The window screen interface: what a screen above a counter shows.

Drivers implement ``_show(text)``; the base class keeps the current content so a driver can show it again
after its line reconnects (:meth:`WindowScreen.refresh`).
"""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class ScreenTexts:
    """What a window screen says, as templates with ``{number}`` and ``{window}``.

    :param call: during a call, e.g. ``请{number}号``
    :param idle: with nobody called, e.g. ``{window}号窗口``
    :param paused: while the window is paused
    """

    call: str = "请{number}号到{window}号窗口"
    idle: str = "{window}号窗口 欢迎您"
    paused: str = "{window}号窗口 暂停服务"


class WindowScreen(ABC):
    """A screen above one window.

    :param window: the window number it belongs to
    :param texts: the templates of what it shows
    """

    kind = "screen"

    def __init__(self, window: int, texts: ScreenTexts | None = None) -> None:
        self.window = window
        self.texts = texts or ScreenTexts()
        self.current: str | None = None
        # show_text (the agent's loop) and refresh (the serial thread, on reconnect) must not interleave, or a
        # reconnect could re-send the previous call after the new one
        self._lock = threading.Lock()

    def show_call(self, number: str) -> bool:
        """Show that ``number`` is called to this window.

        :returns: True when it reached the screen's line (else it is shown after reconnecting)
        """
        return self.show_text(self.texts.call.format(number=number, window=self.window))

    def show_idle(self) -> bool:
        """Show the window's idle text."""
        return self.show_text(self.texts.idle.format(number="", window=self.window))

    def show_paused(self) -> bool:
        """Show that the window is paused."""
        return self.show_text(self.texts.paused.format(number="", window=self.window))

    def show_text(self, text: str) -> bool:
        """Show ``text`` and remember it as the current content."""
        with self._lock:
            self.current = text
            return self._show(text)

    def refresh(self) -> bool:
        """Send the current content again (after a reconnect)."""
        with self._lock:
            return self._show(self.current) if self.current is not None else True

    @abstractmethod
    def _show(self, text: str) -> bool:
        """Put ``text`` on the screen; False when the line is down."""

    @property
    def connected(self) -> bool:
        """Whether the screen's line is up."""
        return True

    def close(self) -> None:
        """Release resources (nothing by default)."""
