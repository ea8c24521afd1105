"""The caller keypad interface: keys a counter's staff press, and the keypad's small display.

A driver reports each key press as a :class:`KeyPress` to the listener the device agent registers, and shows
the current number and the waiting count with :meth:`Keypad.show`.
"""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

#: the keys a keypad has, in the hall's terms (the agent maps each to a window API call)
KEYS: tuple[str, ...] = ("call", "recall", "skip", "pause", "open", "transfer", "hold", "resume", "finish",
                         "review")

#: default key codes on the wire (the first DATA byte of a key frame); configurable per vendor
DEFAULT_KEY_CODES: dict[str, int] = {
    "call": 0x01, "recall": 0x02, "skip": 0x03, "pause": 0x04, "transfer": 0x05, "hold": 0x06,
    "resume": 0x07, "review": 0x08, "finish": 0x09, "open": 0x0A,
}


@dataclass(frozen=True)
class KeyPress:
    """A key pressed on a window's keypad.

    :param window: the window the keypad belongs to
    :param key: one of :data:`KEYS`
    :param argument: what was typed before the key (a target window for transfer, a number for resume)
    """

    window: int
    key: str
    argument: str = ""


class Keypad(ABC):
    """A keypad at one window.

    :param window: the window number
    :param display_format: the display text, with ``{number}`` (current ticket or ``---``) and ``{waiting}``
    """

    kind = "keypad"

    def __init__(self, window: int, display_format: str = "{number} 等{waiting}") -> None:
        self.window = window
        self.display_format = display_format
        self.current_display: str | None = None
        self._lock = threading.Lock()  # display updates vs. re-sending after a reconnect (another thread)
        self._listeners: list[Callable[[KeyPress], None]] = []

    def on_key(self, callback: Callable[[KeyPress], None]) -> None:
        """Call ``callback(press)`` for every key press (possibly from another thread)."""
        self._listeners.append(callback)

    def _emit(self, press: KeyPress) -> None:
        for callback in list(self._listeners):
            callback(press)

    def show(self, number: str | None, waiting: int) -> bool:
        """Show the current number and how many wait on the keypad's display."""
        return self.show_text(self.display_format.format(number=number or "---", waiting=waiting))

    def show_text(self, text: str) -> bool:
        """Show ``text`` (e.g. a short error such as 无人等候) and remember it."""
        with self._lock:
            self.current_display = text
            return self._display(text)

    def refresh(self) -> bool:
        """Send the display text again (after a reconnect)."""
        with self._lock:
            return self._display(self.current_display) if self.current_display is not None else True

    def acknowledge(self, press: KeyPress, ok: bool) -> None:
        """Tell the keypad whether its key was carried out (a beep on most hardware)."""

    @abstractmethod
    def _display(self, text: str) -> bool:
        """Put ``text`` on the display; False when the line is down."""

    @property
    def connected(self) -> bool:
        """Whether the keypad's line is up."""
        return True
