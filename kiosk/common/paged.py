"""A one-column list that pages instead of scrolling: 上一页 / 下一页 buttons and 第 N/M 页, never a swipe.

A citizen who has never used a touchscreen does not know that a list scrolls, and a half-visible tile at the
bottom of a scrolled list is a target that clips. :class:`PagedList` shows as many whole items as fit its height,
each at least ``min_scale`` button heights tall and tall enough for its text (items grow to fill the page, up to ``max_scale``), and the
buttons to turn pages only when there is more than one page. The buttons keep their places on the first and last
page (dimmed and disabled), so nothing moves under a finger.
"""
from __future__ import annotations

import math
from typing import Any

from kivy.clock import Clock
from kivy.properties import NumericProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.common import theme
from kiosk.common.linebreak import text_height
from kiosk.common.theme import THEME
from kiosk.common.widgets import BigButton, Caption


class PagedList(BoxLayout):
    """Items (usually :class:`BigButton`) one per row, a page at a time.

    :param min_scale: an item is at least this many button heights tall
    :param max_scale: and at most this many (a short list gets big rows, not giant ones)
    """

    page = NumericProperty(0)
    per_page = NumericProperty(1)

    def __init__(self, min_scale: float = 1.2, max_scale: float = 2.0, **kwargs: Any) -> None:
        super().__init__(orientation="vertical", spacing=THEME.gap, **kwargs)
        self.min_scale = min_scale
        self.max_scale = max_scale
        self.items: list[Widget] = []
        self.box = BoxLayout(orientation="vertical", spacing=THEME.gap)
        self.add_widget(self.box)
        self.nav = BoxLayout(orientation="horizontal", spacing=THEME.gap, size_hint_y=None, height=THEME.button_h)
        self.previous = BigButton(text="上一页", colour=theme.SURFACE)
        self.previous.bind(on_release=lambda _b: self.turn(-1))
        self.indicator = Caption(text="", size_hint_y=1)
        self.next = BigButton(text="下一页", colour=theme.PRIMARY)
        self.next.bind(on_release=lambda _b: self.turn(1))
        for widget in (self.previous, self.indicator, self.next):
            self.nav.add_widget(widget)
        self._relayout = Clock.create_trigger(self.relayout, -1)
        self.bind(size=self._relayout)
        THEME.bind(button_h=self._relayout, gap=self._relayout)

    @property
    def pages(self) -> int:
        """How many pages the items take."""
        return max(1, math.ceil(len(self.items) / max(1, int(self.per_page))))

    def set_items(self, items: list[Widget], keep_page: bool = False) -> None:
        """Replace the items; ``keep_page`` stays on the page on show (a refresh of the counts)."""
        self.items = list(items)
        if not keep_page:
            self.page = 0
        self.relayout()

    def turn(self, step: int) -> None:
        """Go ``step`` pages on (1) or back (-1)."""
        self.page = min(max(0, self.page + step), self.pages - 1)
        self.relayout()

    def page_of(self, item: Widget) -> int:
        """The page an item is on."""
        return self.items.index(item) // max(1, int(self.per_page))

    def _fit(self, height: float, item_h: float) -> int:
        return max(1, int((height + THEME.gap) // (item_h + THEME.gap)))

    def relayout(self, *_args: Any) -> None:
        """Choose items per page for the current height and fill the page on show."""
        gap, button_h = THEME.gap, THEME.button_h
        self.spacing = self.box.spacing = self.nav.spacing = gap
        self.nav.height = button_h
        # rows at least min_scale buttons tall, and tall enough for the longest text (a button wraps at its width
        # less one gap)
        needed = max((text_height(i.text, i.font_size, self.width - gap, bold=i.bold, markup=i.markup) + gap
                      for i in self.items if getattr(i, "text", "")), default=0.0)
        smallest = max(button_h * self.min_scale, needed)
        room = self.height
        if len(self.items) > self._fit(room, smallest):  # more than one page: the page buttons take a row
            room -= button_h + gap
        self.per_page = self._fit(room, smallest) if self.height > 1 else 1
        shown_rows = min(int(self.per_page), max(1, len(self.items)))
        item_h = min((room - gap * (int(self.per_page) - 1)) / int(self.per_page), button_h * self.max_scale)
        item_h = max(item_h, smallest) if shown_rows else item_h
        self.page = min(self.page, self.pages - 1)
        start = int(self.page) * int(self.per_page)
        self.box.clear_widgets()
        for item in self.items[start:start + int(self.per_page)]:
            if item.parent is not None:
                item.parent.remove_widget(item)
            item.size_hint_y = None
            item.height = item_h
            self.box.add_widget(item)
        self.box.add_widget(Widget())  # a short last page keeps its rows where the full pages have them
        paged = self.pages > 1
        if paged and self.nav.parent is None:
            self.add_widget(self.nav)
        elif not paged and self.nav.parent is not None:
            self.remove_widget(self.nav)
        self.indicator.text = f"第 {int(self.page) + 1}/{self.pages} 页"
        for button, usable in ((self.previous, self.page > 0), (self.next, self.page < self.pages - 1)):
            button.disabled = not usable
            button.opacity = 1 if usable else 0.35
