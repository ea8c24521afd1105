"""Department-first choice on the ticket kiosk: after 取号 the citizen first picks a department (部门) from a grid of
large tiles, then one of that department's services.

A citizen who has never used a kiosk should not have to scroll and read thirty services: the grid shows every
department that has services, each tile with its name and how many wait there now, on one screen, and (when the
hall has the service named by the ``general_service`` kiosk setting) a full-width row under the grid sending the
undecided to 综合受理. In 适老模式 the departments become a one-column paged list (上一页/下一页, no swiping), each row
taller than a tile of the normal grid, with 综合受理 as its first row. For a 绿色通道 ticket the counts are the
priority lane's (the tickets a priority number would wait behind), not the walk-ins'.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from kivy.clock import Clock
from kivy.core.text.markup import MarkupLabel
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView

from kiosk.common import theme
from kiosk.common.paged import PagedList
from kiosk.common.theme import THEME
from kiosk.common.widgets import BigButton, Heading, SmallCaption
from kiosk.ticketing.screens import AppScreen, Row

#: (columns, type size) of the department grid in order of preference: two wide tiles read better than three
#: narrow ones, and the button type better than the body type; the first that shows every tile without scrolling wins
LAYOUTS: tuple[tuple[int, str], ...] = ((2, "fs_button"), (3, "fs_button"), (2, "fs_body"), (3, "fs_body"))
#: a tile is never taller than this many button heights, however few departments a hall has
MAX_TILE_SCALE = 2.2


def department_services(config: Any) -> list[tuple[str, str, list[str]]]:
    """The departments that have services, in the config's order: ``(code, name, [service codes])``."""
    groups = []
    for code, department in config.departments.items():
        services = [s.code for s in config.services.values() if s.department == code]
        if services:
            groups.append((code, department.name, services))
    return groups


def department_waiting(services: list[str], loads: dict[str, dict[str, Any]], priority: bool = False) -> int | None:
    """How many wait in total for ``services`` (None: the snapshot has none of them yet); ``priority``: in the
    绿色通道 lane."""
    key = "priority_waiting" if priority else "waiting"
    known = [loads[code].get(key, loads[code].get("waiting", 0)) for code in services if code in loads]
    return sum(known) if known else None


def tile_name(name: str) -> str:
    """A department's name for its tile: a parenthetical starts a line of its own (the word breaks alone may split
    it between two of its words, which reads worse on a tile)."""
    return name.replace("（", "\n（") if "（" in name and not name.startswith("（") else name


def department_label(name: str, waiting: int | None) -> str:
    """A tile's text: a name, then a short line of how many wait there now."""
    if waiting is None:
        return name
    line = f"共 {waiting} 人等候" if waiting else "现在无人等候"
    return f"{name}\n[size={int(THEME.fs_small)}]{line}[/size]"


@lru_cache(maxsize=1024)
def text_height(text: str, font_size: float, width: float) -> float:
    """The height of a tile's (markup) ``text`` set bold in the kiosk font, wrapped to ``width`` pixels (cached:
    every hall event refreshes the counts, and most tiles' texts stay the same)."""
    label = MarkupLabel(text=text, font_size=font_size, font_name="NotoSansSC", bold=True, halign="center",
                        text_size=(max(width, 1), None))
    label.refresh()
    return float(label.texture.size[1]) if label.texture is not None else 0.0


class DepartmentGrid(ScrollView):
    """The department tiles: rows share the height on show; taller tiles than fit make the grid scroll."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(do_scroll_x=False, **kwargs)
        self.grid = GridLayout(cols=LAYOUTS[0][0], spacing=THEME.gap, size_hint_y=None, row_force_default=True,
                               row_default_height=THEME.button_h)
        self.grid.bind(minimum_height=self.grid.setter("height"))
        self.add_widget(self.grid)
        self._relayout = Clock.create_trigger(self.relayout, -1)
        self.bind(size=self._relayout)
        THEME.bind(gap=self._relayout, button_h=self._relayout, fs_button=self._relayout, fs_body=self._relayout)

    @property
    def tiles(self) -> list[BigButton]:
        """The tiles in reading order."""
        return list(reversed(self.grid.children))

    def set_tiles(self, tiles: list[BigButton]) -> None:
        """Replace the tiles."""
        self.grid.clear_widgets()
        for tile in tiles:
            tile.size_hint_y = 1  # the grid gives every tile its row's height
            self.grid.add_widget(tile)
        self._relayout()

    def relayout(self, *_args: Any) -> None:
        """Choose the columns, the tiles' type and the row height: the first of :data:`LAYOUTS` whose rows all fit
        on show; if none does (适老模式 on a small screen), the first one, and the grid scrolls."""
        tiles = self.tiles
        self.grid.spacing = THEME.gap
        if not tiles or self.width < 10:
            return
        fits = [self._measure(cols, size, tiles) for cols, size in LAYOUTS]
        cols, font, needed, share = next((f for f in fits if f[2] <= f[3]), fits[0])
        self.grid.cols = cols
        for tile in tiles:
            tile.font_size = font
        self.grid.row_default_height = max(needed, min(share, THEME.button_h * MAX_TILE_SCALE))

    def _measure(self, cols: int, size: str, tiles: list[BigButton]) -> tuple[int, float, float, float]:
        """(columns, type size, the row height the texts need, the row height that fills the view)."""
        rows = math.ceil(len(tiles) / cols)
        font = getattr(THEME, size)
        width = (self.width - THEME.gap * (cols - 1)) / cols - THEME.gap
        needed = max(text_height(tile.text, font, width) for tile in tiles) + THEME.gap * 0.5
        share = (self.height - THEME.gap * (rows - 1)) / rows
        return cols, font, needed, share

    @property
    def overflows(self) -> bool:
        """True when the tiles are taller than the visible area (the citizen has to scroll)."""
        return self.grid.height > self.height + 1


class DepartmentsScreen(AppScreen):
    """请选择办理部门: one tile per department, 绿色通道 and 返回首页 side by side below."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "departments")
        self.priority: str | None = None
        self.heading = Heading(text="请选择办理部门")
        self.body.add_widget(self.heading)
        self.departments = DepartmentGrid()
        self.body.add_widget(self.departments)
        self.pages = PagedList(min_scale=1.2)  # 适老模式, in the grid's place
        # the hall's 综合受理 for whoever cannot choose: a full-width row under the grid, amber so it does not read as
        # one more department, and never scrolled away
        self.general_code: str | None = None
        self.general = self.button("", lambda: self.general_code and app.choose_general(self.general_code),
                                   colour=theme.WARNING)
        self.general.color = theme.DARK_TEXT
        self.body.add_widget(self.general)
        self.scroll_hint = SmallCaption(text="上下滑动可查看更多部门")
        row = Row()
        self.priority_button = self.button("绿色通道", app.show_priority, colour=theme.PRIORITY)
        row.add_widget(self.priority_button)
        row.add_widget(self.button("返回首页", app.go_home, colour=theme.SURFACE))
        self.body.add_widget(row)
        # after the layout pass, never during it: adding the hint to the column while it lays out breaks its loop
        self._hint_trigger = Clock.create_trigger(self._hint, 0)
        self.departments.grid.bind(height=self._hint_trigger)
        self.departments.bind(height=self._hint_trigger)

    def _hint(self, *_args: Any) -> None:
        """Say that the grid scrolls, only when it does (a hidden hint takes no room from the tiles)."""
        shown = self.scroll_hint.parent is not None
        if self.departments.overflows and not shown:  # just under the grid
            self.body.add_widget(self.scroll_hint, index=self.body.children.index(self.departments))
        elif not self.departments.overflows and shown:
            self.body.remove_widget(self.scroll_hint)

    def show(self, priority: str | None, loads: dict[str, dict[str, Any]], keep_scroll: bool = False) -> None:
        """Fill the grid (the paged list in 适老模式); ``loads`` maps service code to the snapshot's service entry."""
        self.priority = priority
        config = self.app.hall_config
        if priority:
            self.heading.text = f"绿色通道 · {config.priority_categories[priority]}\n请选择办理部门"
        else:
            self.heading.text = "请选择办理部门"
        hidden = bool(priority) or not config.priority_categories
        self.priority_button.opacity = 0 if hidden else 1
        self.priority_button.disabled = hidden
        if not keep_scroll:  # a refresh of the counts keeps the citizen's place in the grid
            self.departments.scroll_y = 1
        tiles = []
        colour = theme.PRIORITY if priority else theme.PRIMARY
        for code, name, services in department_services(config):
            tile = self.button(department_label(tile_name(name), department_waiting(services, loads, bool(priority))),
                               lambda c=code: self.app.show_department(c), colour=colour)
            tile.department = code
            tiles.append(tile)
        self.show_general(config.services.get(self.app.settings.general_service), loads)
        self._place(tiles, keep_scroll)

    def _place(self, tiles: list[BigButton], keep_page: bool) -> None:
        """The grid in normal mode; in 适老模式 the paged list, 综合受理 its first row."""
        grid_on = self.departments.parent is not None
        if THEME.elder:
            if grid_on:
                index = self.body.children.index(self.departments)
                self.body.remove_widget(self.departments)
                self.body.add_widget(self.pages, index=index)
            if self.general.parent is self.body:
                self.body.remove_widget(self.general)
            # body type (larger in 适老模式 than any type of the normal grid) keeps a name and its count in a row
            # short enough for four rows a page
            for row in tiles:
                row.font_size = THEME.fs_body
            self.general.font_size = THEME.fs_body
            rows = ([self.general] if self.general_code else []) + tiles
            self.departments.set_tiles([])
            self.pages.set_items(rows, keep_page=keep_page)
        else:
            if not grid_on:
                index = self.body.children.index(self.pages)
                self.body.remove_widget(self.pages)
                self.body.add_widget(self.departments, index=index)
                self.pages.set_items([])
            if self.general.parent is not self.body:
                if self.general.parent is not None:
                    self.general.parent.remove_widget(self.general)
                self.general.size_hint_y = None
                self.body.add_widget(self.general, index=self.body.children.index(self.departments))
            self.departments.set_tiles(tiles)

    def show_general(self, general: Any, loads: dict[str, dict[str, Any]]) -> None:
        """不知道选哪个？请选【综合受理】 with its waiting line, when the hall has that service; else no row at all."""
        self.general_code = general.code if general is not None else None
        if general is None:
            self.general.text, self.general.scale_h, self.general.opacity, self.general.disabled = "", 0, 0, True
            return
        waiting = department_waiting([general.code], loads, bool(self.priority))
        self.general.text = department_label(f"不知道选哪个？请选【{general.name}】", waiting)
        self.general.font_size = THEME.fs_body
        self.general.scale_h, self.general.opacity, self.general.disabled = 1.3, 1, False
