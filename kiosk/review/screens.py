"""Review tablet screens: idle (window, staff, current number), the five levels, bad-review reasons, thanks."""
from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.textinput import TextInput
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.widget import Widget

from kiosk.common import theme
from kiosk.common.theme import THEME
from kiosk.common.widgets import Banner, BigButton, Caption, Heading, NumberLabel, SmallCaption
from kiosk.ticketing.screens import AppScreen


class IdleScreen(AppScreen):
    """The window, the staff member on duty (name and 工号) and the number being served."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "idle")
        self.window = Heading(text="")
        self.body.add_widget(self.window)
        self.staff = Caption(text="")
        self.body.add_widget(self.staff)
        self.body.add_widget(SmallCaption(text="正在办理"))
        self.current = NumberLabel(text="—")
        self.body.add_widget(self.current)
        self.service = Caption(text="")
        self.body.add_widget(self.service)
        self.body.add_widget(Widget())
        self.banner = Banner(text="", colour=theme.WARNING, opacity=0)
        self.body.add_widget(self.banner)
        self.body.add_widget(SmallCaption(text="办结后请您对本次服务进行评价"))

    def show(self, window: dict[str, Any] | None, online: bool) -> None:
        """Fill in from the window's entry of the hall snapshot."""
        conf = self.app.hall_config.windows.get(self.app.window)
        self.window.text = conf.name if conf else f"{self.app.window}号窗口"
        window = window or {}
        if window.get("staff_name"):
            self.staff.text = f"工作人员：{window['staff_name']}　工号：{window.get('staff_no') or '—'}"
        else:
            self.staff.text = "工作人员：暂未登录"
        current = window.get("current")
        if isinstance(current, dict):
            current = current.get("number")
        self.current.text = current or "—"
        service = self.app.hall_config.services.get(window.get("current_service") or "")
        self.service.text = service.name if service and current else ""
        if not online:
            self.banner.text, self.banner.opacity = "连接中断", 1
        elif window.get("state") == "paused":
            reason = window.get("pause_reason") or ""
            self.banner.text, self.banner.opacity = f"暂停服务 {reason}".strip(), 1
        else:
            self.banner.text, self.banner.opacity = "", 0


class LevelsScreen(AppScreen):
    """请您评价: the five levels as large buttons, with a countdown."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "levels")
        self.heading = Heading(text="")
        self.body.add_widget(self.heading)
        row = GridLayout(cols=5, spacing=THEME.gap, size_hint_y=1)
        for level, name in app.levels.items():
            button = BigButton(text=name, colour=theme.REVIEW_COLOURS[level], size_hint_y=1)
            button.bind(on_release=lambda _b, lv=level: app.choose_level(lv))
            row.add_widget(button)
        self.body.add_widget(row)
        self.countdown = SmallCaption(text="")
        self.body.add_widget(self.countdown)

    def show(self, number: str) -> None:
        """Ask for the review of ticket ``number``."""
        self.heading.text = f"{number} 号办理完毕，请您对本次服务进行评价"


class ReasonsScreen(AppScreen):
    """A bad level: at least one reason (chips), plus optional words."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "reasons")
        self.heading = Heading(text="")
        self.body.add_widget(self.heading)
        self.chips = GridLayout(cols=4, spacing=THEME.gap, size_hint_y=1)
        for reason in app.bad_reasons:
            chip = ToggleButton(text=reason, font_name="NotoSansSC", font_size=THEME.fs_body,
                                background_normal="", background_down="", halign="center", valign="middle")
            chip.bind(state=self._chip_changed, size=lambda b, s: setattr(b, "text_size", (s[0] - 8, None)))
            self.chips.add_widget(chip)
        self.body.add_widget(self.chips)
        self.comment = TextInput(hint_text="其他意见（可不填）", font_name="NotoSansSC", font_size=THEME.fs_body,
                                 size_hint_y=None, height=THEME.button_h * 0.8, multiline=False)
        self.body.add_widget(self.comment)
        row = BoxLayout(spacing=THEME.gap, size_hint_y=None, height=THEME.button_h)
        self.submit = BigButton(text="提交评价", colour=theme.PRIMARY, disabled=True)
        self.submit.bind(on_release=lambda _b: app.submit_review(self.selected(), self.comment.text))
        back = BigButton(text="重新选择", colour=theme.SURFACE)
        back.bind(on_release=lambda _b: app.reopen_levels())
        row.add_widget(self.submit)
        row.add_widget(back)
        self.body.add_widget(row)
        self.message = Banner(text="", colour=theme.DANGER, opacity=0)
        self.body.add_widget(self.message)

    def show(self, level_name: str) -> None:
        """Start a fresh choice for ``level_name``."""
        self.heading.text = f"您选择了“{level_name}”，请选择原因（至少一项）"
        for chip in self.chips.children:
            chip.state = "normal"
        self.comment.text = ""
        self.message.opacity = 0
        self._chip_changed()

    def selected(self) -> list[str]:
        """The chosen reasons, in display order."""
        return [c.text for c in reversed(self.chips.children) if c.state == "down"]

    def _chip_changed(self, *_args: Any) -> None:
        for chip in self.chips.children:
            chip.background_color = theme.DANGER if chip.state == "down" else theme.SURFACE
        self.submit.disabled = not self.selected()
        self.app.touched()


class ThanksScreen(AppScreen):
    """谢谢 (or why the review could not be saved), then back to idle."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "thanks")
        self.body.add_widget(Widget())
        self.heading = Heading(text="感谢您的评价！")
        self.body.add_widget(self.heading)
        self.message = Caption(text="")
        self.body.add_widget(self.message)
        self.body.add_widget(Widget())

    def show(self, ok: bool, message: str = "") -> None:
        """Thank the citizen, or say the review could not be saved."""
        self.heading.text = "感谢您的评价！" if ok else "评价未能提交"
        self.message.text = message
