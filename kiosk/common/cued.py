"""A scrolling area that says so: a wide scroll bar that never fades, and under it a line "向下滑动查看更多" while
anything is out of view.

Kivy's own ScrollView draws a 2-pixel bar that fades half a second after a swipe: a clerk who never swiped sees a
half-cut button and nothing telling them there is more. :class:`CuedScroll` is for the places where a list truly
cannot fit (适老模式, a service with many items); where the choices can be made to fit, make them fit instead.
"""
from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView

from kiosk.common import theme
from kiosk.common.theme import THEME

MORE = "▼ 向下滑动查看更多"
BOTTOM = "▲ 已到底部，向上滑动查看前面"


class CuedScroll(BoxLayout):
    """A vertical ScrollView over :attr:`content` (a vertical BoxLayout as tall as what it holds) and the cue line
    under it, shown only while the content is taller than the area."""

    def __init__(self, spacing: float | None = None, **kwargs: Any) -> None:
        super().__init__(orientation="vertical", **kwargs)
        bar = list(theme.TEXT_DIM)
        # the bar stays drawn (inactive = active colour) and is wide enough to grab with a finger
        self.view = ScrollView(do_scroll_x=False, bar_width=0, bar_color=bar, bar_inactive_color=bar,
                               scroll_type=["bars", "content"])
        self.content = BoxLayout(orientation="vertical", size_hint_y=None,
                                 spacing=THEME.gap * 0.5 if spacing is None else spacing)
        self.view.add_widget(self.content)
        self.add_widget(self.view)
        self.cue = Label(text="", font_name="NotoSansSC", font_size=THEME.fs_small, bold=True, color=theme.WARNING,
                         size_hint_y=None, height=0, opacity=0)
        self.add_widget(self.cue)
        for widget, names in ((self.content, ("minimum_height",)), (self, ("height",)), (self.view, ("scroll_y",))):
            for name in names:
                widget.bind(**{name: self._update})

    @property
    def overflowing(self) -> bool:
        """Whether the content is taller than the whole area (then the cue is shown)."""
        return self.content.minimum_height > self.height + 1

    def _update(self, *_args: Any) -> None:
        # judged against the whole area, not the view the cue shortens: showing the cue never hides it again
        more = self.overflowing
        self.cue.opacity = 1 if more else 0
        self.cue.height = THEME.fs_small * 1.6 if more else 0
        self.cue.text = (MORE if self.view.scroll_y > 0.001 else BOTTOM) if more else ""
        self.view.bar_width = max(8, THEME.gap * 0.5) if more else 0  # no bar for a pixel's rounding
        self.content.height = self.content.minimum_height  # a shorter one sits at the view's top

    def scroll_to_top(self) -> None:
        """Back to the first item (a new list starts at its top)."""
        self.view.scroll_y = 1
