"""Widgets shared by the kiosk apps: big buttons, captions, numbers, banners, QR codes, keypads.

Their looks live in ``theme.kv`` (loaded by :func:`load_theme`); the sizes follow :data:`~kiosk.common.theme.THEME`.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Callable, Iterable

import qrcode
from kivy.core.image import Image as CoreImage
from kivy.lang import Builder
from kivy.properties import ColorProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk.common import theme
from kiosk.common.fonts import register_fonts
from kiosk.common.linebreak import WordWrap
from kiosk.common.theme import THEME

_THEME_KV = Path(__file__).with_name("theme.kv")
_loaded: set[str] = set()


def load_kv(path: Path) -> None:
    """Load a kv file once per process."""
    if str(path) not in _loaded:
        Builder.load_file(str(path))
        _loaded.add(str(path))


def load_theme() -> None:
    """Register the fonts and load the shared kv rules (idempotent)."""
    register_fonts()
    load_kv(_THEME_KV)


class KioskScreen(Screen):
    """A screen painted in the kiosk background colour."""


class Column(BoxLayout):
    """A vertical layout with the theme's padding and spacing."""


class BigButton(WordWrap, Button):
    """A large, high-contrast touch target; ``colour`` is its background. Its text breaks between words."""

    colour = ColorProperty(theme.PRIMARY)
    scale_h = NumericProperty(1.0)
    """height in multiples of the theme's button height"""


class Caption(WordWrap, Label):
    """Wrapped (between words), centred body text."""


class Heading(Caption):
    """A screen title."""


class LargeCaption(Caption):
    """Body text one step larger (numbers ahead, service names)."""


class SmallCaption(Caption):
    """Secondary text."""


class NumberLabel(Label):
    """A ticket number in very large type."""


class Banner(WordWrap, Label):
    """A full-width coloured message (errors, warnings, notices), broken between words."""

    colour = ColorProperty(theme.DANGER)


class QRCodeImage(Image):
    """A QR code of ``data``, drawn crisp (nearest-neighbour scaling)."""

    data = StringProperty("")

    def on_data(self, _instance: object, value: str) -> None:
        if not value:
            self.texture = None
            return
        image = qrcode.make(value, border=2, box_size=8).get_image().convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="png")
        buffer.seek(0)
        texture = CoreImage(buffer, ext="png").texture
        texture.mag_filter = "nearest"
        texture.min_filter = "nearest"
        self.texture = texture


class Keypad(GridLayout):
    """A grid of big keys; ``on_key(label)`` runs for each press.

    :param keys: key labels, row by row
    :param cols: keys per row
    """

    def __init__(self, keys: Iterable[str], on_key: Callable[[str], None], cols: int = 3,
                 key_scale: float = 1.0, **kwargs: object) -> None:
        super().__init__(cols=cols, spacing=THEME.gap, size_hint_y=None, **kwargs)
        self.on_key = on_key
        for key in keys:
            button = BigButton(text=key, colour=theme.SURFACE, scale_h=key_scale)
            button.bind(on_release=lambda b: self.on_key(b.text))
            self.add_widget(button)
        self.bind(minimum_height=self.setter("height"))
