"""Guide screens: choose a department or type pinyin initials, pick a guide, read it, print the 告知单.

Search uses ``GET /api/guides?q=`` (the server matches names, keywords and pinyin initials such as ``bdc`` for
不动产登记), so the kiosk needs no Chinese input method: a big A–Z keypad is enough.
"""
from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView

from kiosk.common import theme
from kiosk.common.api import ApiResult
from kiosk.common.theme import THEME
from kiosk.common.widgets import Banner, BigButton, Caption, Heading, Keypad, NumberLabel, SmallCaption
from kiosk.guide.content import guide_sections
from kiosk.ticketing.screens import AppScreen, Row

LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _scroll_list() -> tuple[ScrollView, GridLayout]:
    grid = GridLayout(cols=1, spacing=THEME.gap, size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))
    scroll = ScrollView(do_scroll_x=False)
    scroll.add_widget(grid)
    return scroll, grid


class GuideHomeScreen(AppScreen):
    """办事指南: search by pinyin initials, or browse a department."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "guides")
        self.body.add_widget(Heading(text="办事指南"))
        self.body.add_widget(self.button("按拼音首字母查找（如“不动产”输入 BDC）", app.show_guide_search,
                                         colour=theme.PRIORITY, scale_h=1.3))
        self.body.add_widget(SmallCaption(text="或按部门浏览："))
        scroll, self.grid = _scroll_list()
        self.body.add_widget(scroll)
        self.body.add_widget(self.button("返回首页", app.go_home, colour=theme.SURFACE))

    def entered(self) -> None:
        """List the departments that have guides (the guide catalogue's own list)."""
        self.app.client.call("GET", "/api/guides/departments", self._departments)

    def _departments(self, result: ApiResult) -> None:
        self.grid.clear_widgets()
        if result.ok and isinstance(result.data, list):
            departments = [(d["code"], d["name"]) for d in result.data if d.get("count", 1)]
        else:  # a server without the department list: the hall's own departments
            departments = [(code, d.name) for code, d in self.app.hall_config.departments.items()]
        for code, name in departments:
            self.grid.add_widget(self.button(name, lambda c=code, n=name: self.app.show_guide_department(c, n)))


class GuideListScreen(AppScreen):
    """Guides found (by department or by search), one big button each."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "guide_list")
        self.heading = Heading(text="")
        self.body.add_widget(self.heading)
        self.message = Caption(text="")
        self.body.add_widget(self.message)
        scroll, self.grid = _scroll_list()
        self.body.add_widget(scroll)
        self.body.add_widget(self.button("返回", app.show_guides, colour=theme.SURFACE))

    def show(self, heading: str, result: ApiResult, department: str | None = None) -> None:
        """Fill the list from a ``GET /api/guides`` answer."""
        self.heading.text = heading
        fill_guides(self.app, self.grid, self.message, result, department)


def fill_guides(app: Any, grid: GridLayout, message: Caption, result: ApiResult,
                department: str | None = None) -> int:
    """Put one button per guide in ``grid`` (filtered to ``department``); return how many."""
    grid.clear_widgets()
    if not result.ok:
        message.text = "系统连接中断，暂时无法查询办事指南" if result.unreachable else (result.message or "查询失败")
        return 0
    guides = result.data if isinstance(result.data, list) else (result.data or {}).get("guides", [])
    if department:  # the server filters too; this keeps the list right whatever it returns
        guides = [g for g in guides if g.get("department") == department]
    for guide in guides:
        button = BigButton(text=guide.get("name", guide.get("code", "")), scale_h=1.2)
        button.bind(on_release=lambda _b, c=guide["code"]: app.show_guide(c))
        grid.add_widget(button)
    message.text = f"共找到 {len(guides)} 项" if guides else "没有找到相关事项，请换个字母试试"
    return len(guides)


class GuideSearchScreen(AppScreen):
    """An A–Z keypad; results update after each key."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "guide_search")
        self.body.add_widget(Heading(text="输入事项名称的拼音首字母"))
        self.typed = NumberLabel(text="", font_size=THEME.fs_title)
        self.body.add_widget(self.typed)
        self.message = SmallCaption(text="例如：不动产登记 → BDC")
        self.body.add_widget(self.message)
        scroll, self.grid = _scroll_list()
        self.body.add_widget(scroll)
        self.body.add_widget(Keypad(LETTERS, self.key, cols=7, key_scale=0.7))
        row = Row()
        for label in ("删除", "清空"):
            row.add_widget(self.button(label, lambda k=label: self.key(k), colour=theme.SURFACE))
        row.add_widget(self.button("返回", app.show_guides, colour=theme.SURFACE))
        self.body.add_widget(row)
        self._search = Clock.create_trigger(self.search, 0.3)
        self.searches = 0

    def entered(self) -> None:
        self.typed.text = ""
        self.grid.clear_widgets()
        self.message.text = "例如：不动产登记 → BDC"

    def key(self, label: str) -> None:
        """One key press; search shortly after the last one."""
        if label == "清空":
            self.typed.text = ""
        elif label == "删除":
            self.typed.text = self.typed.text[:-1]
        elif len(self.typed.text) < 12:
            self.typed.text += label
        self._search()

    def search(self, *_args: Any) -> None:
        """Ask the server for guides matching the typed initials."""
        query = self.typed.text.lower()
        if not query:
            self.grid.clear_widgets()
            return
        self.app.client.call("GET", "/api/guides", lambda r, q=query: self._found(q, r), params={"q": query})

    def _found(self, query: str, result: ApiResult) -> None:
        if query != self.typed.text.lower():
            return  # an older answer: the citizen kept typing
        self.searches += 1
        fill_guides(self.app, self.grid, self.message, result)


class GuideScreen(AppScreen):
    """One guide: conditions, materials, steps, time limit, fee, place, phones; 打印告知单."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "guide")
        self.guide: dict[str, Any] | None = None
        self.heading = Heading(text="")
        self.body.add_widget(self.heading)
        scroll, self.grid = _scroll_list()
        self.body.add_widget(scroll)
        self.status = Banner(text="", colour=theme.PRIORITY, opacity=0)
        self.body.add_widget(self.status)
        row = Row()
        # a citizen who has read what to bring can take a number for the item here, without finding it again
        self.take_button = self.button("取号办理", self.take_number)
        row.add_widget(self.take_button)
        row.add_widget(self.button("打印告知单", self.print_slip, colour=theme.PRIORITY))
        row.add_widget(self.button("返回", app.show_guides, colour=theme.SURFACE))
        self.body.add_widget(row)

    def show(self, result: ApiResult) -> None:
        """Show the guide of a ``GET /api/guides/{code}`` answer."""
        self.grid.clear_widgets()
        self.status.opacity = 0
        if not result.ok:
            self.guide = None
            self.take_button.opacity, self.take_button.disabled = 0, True
            self.heading.text = "暂时无法显示该指南"
            self.grid.add_widget(Caption(text=result.message or "系统连接中断，请到咨询台咨询"))
            return
        self.guide = result.data
        self.heading.text = self.guide.get("name", "")
        takes = self.guide.get("service") in self.app.hall_config.services
        self.take_button.opacity, self.take_button.disabled = (1, False) if takes else (0, True)
        for heading, lines in guide_sections(self.guide):
            self.grid.add_widget(Caption(text=f"【{heading}】", bold=True, halign="left", color=theme.NUMBER))
            for line in lines:
                self.grid.add_widget(Caption(text=line, halign="left"))

    def take_number(self) -> None:
        """取号办理: the hall service this guide's item is handled under, through the confirm step."""
        if self.guide is not None and self.guide.get("service") in self.app.hall_config.services:
            self.app.take_number_from_guide(self.guide["service"])

    def print_slip(self) -> None:
        """Print the one-time notification slip of this guide."""
        if self.guide is not None:
            self.app.print_slip(self.guide, self.show_print_result)

    def show_print_result(self, ok: bool, message: str) -> None:
        """Say whether the slip printed."""
        self.status.text = message
        self.status.colour = theme.PRIORITY if ok else theme.DANGER
        self.status.opacity = 1
