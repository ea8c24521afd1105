"""A one-column list that pages instead of scrolling: 上一页 / 下一页 buttons and 第 N/M 页, never a swipe.

A citizen who has never used a touchscreen does not know that a list scrolls, and a half-visible tile at the
bottom of a scrolled list is a target that clips. :class:`PagedList` shows as many whole items as fit its height,
each at least ``min_scale`` button heights tall and as tall as its text needs, and the buttons to turn pages only
when there is more than one page. The buttons keep their places on the first and last
page (dimmed and disabled), so nothing moves under a finger.
"""
from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import NumericProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.common import segmenter, theme
from kiosk.common.linebreak import text_height
from kiosk.common.theme import THEME
from kiosk.common.widgets import BigButton, Caption


class PagedList(BoxLayout):
    """Items (usually :class:`BigButton`) one per row, a page at a time.

    :param min_scale: an item is at least this many button heights tall
    """

    page = NumericProperty(0)
    per_page = NumericProperty(1)

    def __init__(self, min_scale: float = 1.2, **kwargs: Any) -> None:
        super().__init__(orientation="vertical", spacing=THEME.gap, **kwargs)
        self.min_scale = min_scale
        self.items: list[Widget] = []
        self._pages: list[tuple[int, int]] = [(0, 0)]
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
        segmenter.when_ready(self._relayout)  # rows measured by the simple rule may need more room by word
        THEME.bind(button_h=self._relayout, gap=self._relayout)

    @property
    def pages(self) -> int:
        """How many pages the items take."""
        return max(1, len(self._pages))

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
        index = self.items.index(item)
        return next(p for p, (start, stop) in enumerate(self._pages) if start <= index < stop)

    def _heights(self) -> list[float]:
        """Each item's row height: at least ``min_scale`` buttons, and room for its text (a button wraps at its
        width less one gap)."""
        gap, button_h = THEME.gap, THEME.button_h
        heights = []
        for item in self.items:
            needed = 0.0
            if getattr(item, "text", ""):
                needed = text_height(item.text, item.font_size, self.width - gap, bold=item.bold,
                                     markup=item.markup) + gap
            heights.append(max(button_h * self.min_scale, needed))
        return heights

    @staticmethod
    def _pack(heights: list[float], room: float, gap: float) -> list[tuple[int, int]]:
        """Consecutive items per page, as many whole rows as fit ``room`` (at least one)."""
        pages, start, used = [], 0, 0.0
        for i, h in enumerate(heights):
            if i > start and used + gap + h > room:
                pages.append((start, i))
                start, used = i, 0.0
            used = h if i == start else used + gap + h
        pages.append((start, len(heights)))
        return pages

    def relayout(self, *_args: Any) -> None:
        """Split the items into pages for the current height and fill the page on show."""
        gap, button_h = THEME.gap, THEME.button_h
        self.spacing = self.box.spacing = self.nav.spacing = gap
        self.nav.height = button_h
        heights = self._heights() if self.height > 1 else [0.0] * len(self.items)
        self._pages = self._pack(heights, self.height, gap)
        if len(self._pages) > 1:  # more than one page: the page buttons take a row
            self._pages = self._pack(heights, self.height - button_h - gap, gap)
        self.per_page = max(stop - start for start, stop in self._pages)
        self.page = min(self.page, self.pages - 1)
        start, stop = self._pages[int(self.page)]
        self.box.clear_widgets()
        for item, height in zip(self.items[start:stop], heights[start:stop]):
            if item.parent is not None:
                item.parent.remove_widget(item)
            item.size_hint_y = None
            item.height = height
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
