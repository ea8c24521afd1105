"""Layout checks on real screens: widget rectangles in screenshot pixels, overlaps, contrast read from the PNG.

Scenarios (in the Kivy child process) turn widgets into plain rectangles with :func:`rect`; the tests (in the
parent) check them and the saved screenshots with the other helpers, so what is asserted is what was drawn.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

Rect = tuple[float, float, float, float]   # x, y from the top-left corner, width, height (screenshot pixels)


def rect(widget: Any) -> Rect:
    """``widget``'s rectangle in window pixels, origin top-left like the PNG (Kivy counts y from the bottom)."""
    from kivy.core.window import Window

    x, y = widget.to_window(widget.x, widget.y)
    return (x, Window.height - y - widget.height, widget.width, widget.height)


def overlap(a: Rect, b: Rect) -> bool:
    """Whether two rectangles share any area (touching edges do not count)."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(inner: Rect, outer: Rect, slack: float = 1) -> bool:
    """Whether ``inner`` lies within ``outer``."""
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[0] + inner[2] <= outer[0] + outer[2] + slack and inner[1] + inner[3] <= outer[1] + outer[3] + slack)


def luminance(rgb: tuple[int, ...]) -> float:
    """WCAG relative luminance of an 8-bit sRGB colour."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """WCAG contrast ratio of two colours (1 … 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def region_colours(png: str | Path, area: Rect) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The background (most common colour) of ``area`` in the screenshot, and the colour farthest from it in
    luminance (the text drawn on it)."""
    from PIL import Image

    with Image.open(png) as image:
        x, y, w, h = (round(v) for v in area)
        raw = image.convert("RGB").crop((x + 2, y + 2, x + w - 2, y + h - 2)).tobytes()
    pixels = list(zip(raw[0::3], raw[1::3], raw[2::3]))
    background = Counter(pixels).most_common(1)[0][0]
    text = max(pixels, key=lambda p: abs(luminance(p) - luminance(background)))
    return background, text


def region_contrast(png: str | Path, area: Rect) -> float:
    """Contrast between the text and the background inside ``area`` of the screenshot."""
    return contrast(*region_colours(png, area))


def screenshot_size(png: str | Path) -> tuple[int, int]:
    """The screenshot's pixel size."""
    from PIL import Image

    with Image.open(png) as image:
        return image.size
