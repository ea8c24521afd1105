"""Return a kiosk to its home screen after a period without touches (DOMAIN: 60 s by default).

UI time, not business time: it uses Kivy's clock, which drives the frames anyway.
"""
from __future__ import annotations

from typing import Callable

from kivy.clock import Clock
from kivy.core.window import Window


class IdleTimer:
    """Calls ``on_idle`` once ``seconds`` pass without a touch, then waits for the next touch.

    :param seconds: idle time before ``on_idle``
    :param on_idle: what to do (usually: go home, clear entered data)
    """

    def __init__(self, seconds: float, on_idle: Callable[[], None]) -> None:
        self.seconds = seconds
        self.on_idle = on_idle
        self._event = Clock.schedule_once(self._fire, seconds)
        Window.bind(on_touch_down=self._touched)

    def _touched(self, *_args: object) -> bool:
        self.reset()
        return False

    def reset(self) -> None:
        """Start counting again (a touch, or a screen change the user caused)."""
        self._event.cancel()
        self._event = Clock.schedule_once(self._fire, self.seconds)

    def _fire(self, _dt: float) -> None:
        self.on_idle()

    def stop(self) -> None:
        """Stop watching."""
        self._event.cancel()
        Window.unbind(on_touch_down=self._touched)
