"""Appointment check-in (预约签到) with a large numeric keypad, and the progress screen (查询进度)."""
from __future__ import annotations

from typing import Any

from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.common import theme
from kiosk.common.widgets import Banner, Caption, Heading, Keypad, LargeCaption, NumberLabel, SmallCaption
from kiosk.ticketing.screens import AppScreen

CODE_MAX = 12
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "清空", "0", "删除")


class CheckInScreen(AppScreen):
    """Type the appointment code (预约号) on big keys, then 确认签到."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "checkin")
        self.body.add_widget(Heading(text="预约签到"))
        self.body.add_widget(Caption(text="请输入预约短信中的预约号"))
        self.code = NumberLabel(text="")
        self.body.add_widget(self.code)
        self.message = Banner(text="", colour=theme.DANGER, opacity=0)
        self.body.add_widget(self.message)
        self.body.add_widget(Keypad(KEYS, self.key))
        self.body.add_widget(Widget())
        self.body.add_widget(self.button("确认签到", self.submit, colour=theme.PRIORITY))
        self.body.add_widget(self.button("返回首页", app.go_home, colour=theme.SURFACE))

    def entered(self) -> None:
        self.code.text = ""
        self.show_problem("")

    def key(self, label: str) -> None:
        """One key press."""
        if label == "清空":
            self.code.text = ""
        elif label == "删除":
            self.code.text = self.code.text[:-1]
        elif len(self.code.text) < CODE_MAX:
            self.code.text += label
        self.show_problem("")

    def submit(self) -> None:
        """Check in the typed code."""
        if not self.code.text:
            self.show_problem("请先输入预约号")
            return
        self.app.check_in(self.code.text)

    def show_problem(self, text: str) -> None:
        """Show (or clear) a problem with the typed code, staying on this screen."""
        self.message.text = text
        self.message.opacity = 1 if text else 0


class ProgressScreen(AppScreen):
    """Who is being served where, and how to follow one's own ticket (its QR code)."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "progress")
        self.body.add_widget(Heading(text="查询进度"))
        self.body.add_widget(Caption(text="用手机扫描号票上的二维码，可随时查看您的排队进度。"))
        self.body.add_widget(SmallCaption(text="各窗口正在办理："))
        self.table = LargeCaption(text="")
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(self.table)
        self.body.add_widget(scroll)
        self.body.add_widget(self.button("返回首页", app.go_home, colour=theme.SURFACE))

    def show(self, snapshot: dict[str, Any] | None) -> None:
        """Fill in from the latest hall snapshot (or say it is unavailable)."""
        if snapshot is None:
            self.table.text = "系统连接中断，暂时无法查询"
            return
        lines = []
        for window in snapshot.get("windows", []):
            current = window.get("current")
            if isinstance(current, dict):
                current = current.get("number")
            if current:  # only windows serving someone: 34 idle windows would bury the answer
                # the number first (that is what the citizen looks for), then the window as the voice says it
                name = window.get("name") or ""
                label = f"{window.get('number')}号窗口"
                lines.append(f"{current}：{label}" + (f"（{name}）" if name and name != label else ""))
        self.table.text = "\n".join(lines) or "暂无正在办理的号码"
