"""Colours and type sizes of the kiosk apps: large type, high contrast, and 适老模式 (elder mode) even larger.

Sizes are given for the design canvas of each device (a 1080-pixel short side); :data:`THEME` scales them to the
real window and, in elder mode, by :data:`ELDER_FACTOR`. kv rules read ``THEME.fs_body`` etc. and follow changes.
"""
from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty

ELDER_FACTOR = 1.35

# High-contrast palette (WCAG AA or better for white on each background).
BACKGROUND = (0.05, 0.11, 0.20, 1)      # deep navy
SURFACE = (0.10, 0.20, 0.34, 1)
TEXT = (1, 1, 1, 1)
TEXT_DIM = (0.80, 0.86, 0.93, 1)
PRIMARY = (0.05, 0.38, 0.78, 1)         # blue buttons
PRIORITY = (0.10, 0.50, 0.20, 1)        # 绿色通道 green
DANGER = (0.75, 0.10, 0.10, 1)
WARNING = (0.98, 0.75, 0.10, 1)         # amber (with dark text)
NUMBER = (1.0, 0.84, 0.25, 1)           # ticket numbers on dark
DARK_TEXT = (0.05, 0.05, 0.05, 1)

REVIEW_COLOURS = {
    "very_satisfied": (0.05, 0.50, 0.20, 1),
    "satisfied": (0.20, 0.58, 0.25, 1),
    "basically_satisfied": (0.45, 0.45, 0.10, 1),
    "dissatisfied": (0.75, 0.35, 0.05, 1),
    "very_dissatisfied": (0.75, 0.10, 0.10, 1),
}

# Design sizes in pixels on a 1080-pixel short side.
_BASE = {"fs_small": 30, "fs_body": 40, "fs_button": 52, "fs_title": 64, "fs_number": 150, "fs_huge": 220,
         "gap": 24, "button_h": 150}


class Theme(EventDispatcher):
    """Live type sizes; change ``scale`` (window size) or ``elder`` and every bound widget follows."""

    scale = NumericProperty(0.5)
    elder = BooleanProperty(False)
    fs_small = NumericProperty(15)
    fs_body = NumericProperty(20)
    fs_button = NumericProperty(26)
    fs_title = NumericProperty(32)
    fs_number = NumericProperty(75)
    fs_huge = NumericProperty(110)
    gap = NumericProperty(12)
    button_h = NumericProperty(75)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.bind(scale=self._update, elder=self._update)
        self._update()

    def _update(self, *_args: object) -> None:
        factor = self.scale * (ELDER_FACTOR if self.elder else 1.0)
        for name, size in _BASE.items():
            setattr(self, name, round(size * factor))

    def fit_window(self, width: int, height: int) -> None:
        """Scale the design sizes to a window of ``width`` × ``height`` pixels."""
        self.scale = min(width, height) / 1080


THEME = Theme()
