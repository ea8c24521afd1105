"""Register the Chinese font the project ships, so every label renders 汉字 rather than boxes.

Kivy's default font (Roboto) has no CJK glyphs. We register Noto Sans SC (OFL, ``assets/fonts/``) under our own
name and also under Kivy's default name, so a widget that forgets ``font_name`` still renders Chinese.
"""
from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
FONT_REGULAR = FONT_DIR / "NotoSansSC-Regular.otf"
FONT_BOLD = FONT_DIR / "NotoSansSC-Bold.otf"
FONT_NAME = "NotoSansSC"

_registered = False


def register_fonts() -> str:
    """Register Noto Sans SC as ``NotoSansSC`` and as Kivy's default font; return the font name.

    Safe to call more than once.
    """
    global _registered
    if not _registered:
        from kivy.core.text import LabelBase

        for name in (FONT_NAME, "Roboto"):
            LabelBase.register(name, str(FONT_REGULAR), None, str(FONT_BOLD), None)
        _registered = True
    return FONT_NAME


def roboto_path() -> str:
    """The path of Kivy's own Roboto font (no CJK glyphs), used by the glyph test as the "boxes" reference."""
    import kivy

    return str(Path(kivy.__file__).parent / "data" / "fonts" / "Roboto-Regular.ttf")
