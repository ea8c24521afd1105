"""The hall display's parts: the newest-call zone, the 号码 → 窗口 table, the paged panel and the notice line.

Each part owns a fixed share of the screen and never grows into another's: the newest call in particular keeps its
zone whatever the notices say (tidal notices go into the one scrolling line at the bottom). Type sizes are set for
reading from 5 m on a 55-inch 1920×1080 TV (docs/kiosk.md) and scale with the window like the other apps.
"""
from __future__ import annotations

from typing import Any, Sequence

from kivy.animation import Animation
from kivy.properties import ColorProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.stencilview import StencilView

from kiosk.common import theme
from kiosk.common.theme import THEME

#: pixels per second of the notice line at 1920×1080: slow enough to read two characters a second from afar
TICKER_SPEED = 140
#: how the tidal notices stand out in the notice line (amber, as the staff panel's tidal order)
TIDAL_COLOUR = "ffc21a"


class BoardLabel(Label):
    """Text on the board (looks in display.kv)."""


class ZoneLabel(Label):
    """Very large text of the call zone, drawn centred at its natural size (never clipped to a text box); a text
    too wide for the zone (a long prefix, a three-digit window) is set smaller rather than cut."""

    def __init__(self, max_font: float, **kwargs: Any) -> None:
        super().__init__(font_size=max_font, **kwargs)
        self.max_font = max_font
        self.bind(text=self._fit, size=self._fit)

    def _fit(self, *_args: Any) -> None:
        self.font_size = self.max_font
        self.texture_update()
        width, height = self.texture_size
        if width and height and self.width > 0 and self.height > 0:
            shrink = min(1.0, self.width * 0.96 / width, self.height / height)
            self.font_size = self.max_font * shrink


class CallBox(BoxLayout):
    """The newest call's zone: 最新叫号, the number, 请到 and the window; ``colour`` flashes on a new call."""

    colour = ColorProperty(theme.SURFACE)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="vertical", **kwargs)
        self.caption = BoardLabel(text="最新叫号", font_size=THEME.fs_body * 1.2, color=theme.TEXT_DIM,
                                  size_hint_y=0.6)
        self.number = ZoneLabel(text="", max_font=THEME.fs_huge * 1.1, bold=True, color=theme.NUMBER,
                                size_hint_y=1.8)
        self.go_to = BoardLabel(text="", font_size=THEME.fs_body * 1.2, size_hint_y=0.5)
        self.window = ZoneLabel(text="", max_font=THEME.fs_number * 0.8, bold=True, size_hint_y=0.9)
        for part in (self.caption, self.number, self.go_to, self.window):
            self.add_widget(part)


class CallsTable(GridLayout):
    """The calls before the newest: 号码 and 窗口 in two columns, one call a row, stable row positions."""

    def __init__(self, rows: int, **kwargs: Any) -> None:
        super().__init__(cols=2, **kwargs)
        size = THEME.fs_title * 0.9
        self.add_widget(BoardLabel(text="号码", font_size=THEME.fs_body, color=theme.TEXT_DIM, size_hint_y=0.6))
        self.add_widget(BoardLabel(text="窗口", font_size=THEME.fs_body, color=theme.TEXT_DIM, size_hint_y=0.6))
        self.cells: list[tuple[BoardLabel, BoardLabel]] = []
        for _ in range(rows):
            number = BoardLabel(text="", font_size=size, bold=True, color=theme.NUMBER)
            window = BoardLabel(text="", font_size=size, bold=True)
            self.add_widget(number)
            self.add_widget(window)
            self.cells.append((number, window))

    def show(self, rows: Sequence[tuple[str, str]]) -> None:
        """Fill the rows top down with (number, window); rows beyond stay empty."""
        for i, (number, window) in enumerate(self.cells):
            number.text, window.text = rows[i] if i < len(rows) else ("", "")

    @property
    def filled(self) -> list[tuple[str, str]]:
        """The rows on show."""
        return [(n.text, w.text) for n, w in self.cells if n.text]


class PagedPanel(BoxLayout):
    """A titled list of (left, right) rows, one page at a time: the staffed windows, then the waiting counts."""

    def __init__(self, rows: int, **kwargs: Any) -> None:
        super().__init__(orientation="vertical", spacing=THEME.gap / 3, **kwargs)
        self.title = BoardLabel(text="", font_size=THEME.fs_body * 1.1, bold=True, color=theme.TEXT_DIM,
                                size_hint_y=0.8, halign="left")
        self.add_widget(self.title)
        self.lines: list[tuple[PanelRow, BoardLabel, BoardLabel]] = []
        for _ in range(rows):
            row = PanelRow()
            left = BoardLabel(text="", font_size=THEME.fs_body, halign="left", shorten=True,
                              shorten_from="right")
            # the number or 暂停服务 on one line at its own width; the name takes the rest (shortened if it must be)
            right = Label(text="", font_name="NotoSansSC", font_size=THEME.fs_body * 1.2, bold=True,
                          color=theme.NUMBER, size_hint_x=None)
            right.bind(texture_size=lambda r, t: setattr(r, "width", t[0] + THEME.gap / 2))
            row.add_widget(left)
            row.add_widget(right)
            self.add_widget(row)
            self.lines.append((row, left, right))

    def show(self, title: str, rows: Sequence[tuple[str, str, str]]) -> None:
        """Show a page: ``title`` and rows of (left, right, state); a paused window's row is amber."""
        self.title.text = title
        for i, (row, left, right) in enumerate(self.lines):
            text = rows[i] if i < len(rows) else ("", "", "")
            left.text, right.text = text[0], text[1]
            right.color = theme.WARNING if text[2] == "paused" else theme.NUMBER
            row.colour = theme.SURFACE if text[0] else (0, 0, 0, 0)

    @property
    def filled(self) -> list[tuple[str, str]]:
        """The rows on show."""
        return [(left.text, right.text) for _row, left, right in self.lines if left.text]


class PanelRow(BoxLayout):
    """One row of the paged panel, on its own band."""

    colour = ColorProperty((0, 0, 0, 0))


class Ticker(StencilView):
    """The one notice line, scrolling right to left forever; a new text starts again from the right edge."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.label = Label(text="", font_name="NotoSansSC", font_size=THEME.fs_body * 1.2, color=theme.TEXT,
                           markup=True, size_hint=(None, None))
        self.label.bind(texture_size=self.label.setter("size"))
        self.add_widget(self.label)
        self.bind(pos=self._restart, size=self._restart)

    def show(self, tidal: Sequence[str], notices: Sequence[str]) -> None:
        """Tidal notices first (amber), then the hall's standing notices; unchanged text keeps scrolling."""
        parts = [f"[color={TIDAL_COLOUR}][b]{escape(t)}[/b][/color]" for t in tidal] + [escape(n) for n in notices]
        text = "　　　".join(parts)
        if text != self.label.text:
            self.label.text = text
            self.label.texture_update()
            self._restart()

    def _restart(self, *_args: Any) -> None:
        Animation.cancel_all(self.label)
        self.label.pos = (self.right, self.y + (self.height - self.label.height) / 2)
        distance = self.width + self.label.width
        animation = Animation(x=self.x - self.label.width,
                              duration=max(distance / (TICKER_SPEED * THEME.scale or 1), 1))
        animation.bind(on_complete=lambda *_: self._restart())
        animation.start(self.label)


def escape(text: str) -> str:
    """Text safe inside Kivy markup."""
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
