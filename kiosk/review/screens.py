"""Review tablet screens after a finish: the five levels, the reasons of a bad level, thanks.

The reasons are chips only: a counter tablet is touch-only and Kivy has no pinyin input, and words typed under the
eyes of the staff member being rated are not free anyway (docs/kiosk.md, 其他意见). Whoever wants to say more is
given the hall's supervision phone, which reaches someone other than the counter.
"""
from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Line
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.widget import Widget

from kiosk.common import theme
from kiosk.common.theme import THEME
from kiosk.common.widgets import BigButton, Caption, Heading, SmallCaption
from kiosk.ticketing.screens import AppScreen

#: a chosen chip is inverted (white, dark text, a tick), not red: red reads as an error, and a reason is an answer
CHIP_OFF = (0.20, 0.30, 0.45, 1)
CHIP_ON = (1, 1, 1, 1)
CHIP_ON_TEXT = theme.BACKGROUND
TICK = "√ "
#: 提交 before a reason is chosen: an outlined empty slot (unlike the filled chips and buttons), plainly not ready,
#: yet its words stay readable (far above WCAG AA's 4.5 : 1)
SUBMIT_WAITING = theme.BACKGROUND
SUBMIT_WAITING_TEXT = theme.TEXT_DIM


def countdown_text(seconds: int) -> str:
    """What the countdown says: the review closes by itself, and then counts as unrated."""
    return f"{seconds} 秒后自动关闭（不计评价）"


class LevelsScreen(AppScreen):
    """请您对本次服务进行评价: who served, the five levels as large buttons, the countdown."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "levels")
        self.served_by = Caption(text="")
        self.body.add_widget(self.served_by)
        self.heading = Heading(text="请您对本次服务进行评价")
        self.body.add_widget(self.heading)
        row = GridLayout(cols=5, spacing=THEME.gap, size_hint_y=1)
        self.buttons = []
        for level, name in app.levels.items():
            button = BigButton(text=name, colour=theme.REVIEW_COLOURS[level], size_hint_y=1)
            button.bind(on_release=lambda _b, lv=level: app.choose_level(lv))
            row.add_widget(button)
            self.buttons.append(button)
        self.body.add_widget(row)
        self.countdown = SmallCaption(text="")
        self.body.add_widget(self.countdown)

    def show(self, number: str, served_by: str) -> None:
        """Ask for the review of ticket ``number``, served by ``served_by`` (window, name and 工号)."""
        self.served_by.text = f"{number}号已办结　{served_by}".strip()


class ReasonChip(ToggleButton):
    """One reason; tapping toggles it."""

    def __init__(self, reason: str, **kwargs: Any) -> None:
        super().__init__(text=reason, font_name="NotoSansSC", font_size=THEME.fs_button * 0.8, bold=True,
                         background_normal="", background_down="", halign="center", valign="middle", **kwargs)
        self.reason = reason
        self.bind(size=lambda b, s: setattr(b, "text_size", (s[0] - THEME.gap, None)), state=self._paint)
        self._paint()

    def _paint(self, *_args: Any) -> None:
        on = self.state == "down"
        self.text = (TICK if on else "") + self.reason
        self.background_color = CHIP_ON if on else CHIP_OFF
        self.color = CHIP_ON_TEXT if on else theme.TEXT


class ReasonsScreen(AppScreen):
    """A bad level: at least one reason chip; 提交评价 waits, readable, until one is chosen."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "reasons")
        self.heading = Heading(text="")
        self.body.add_widget(self.heading)
        self.chips = GridLayout(cols=4, spacing=THEME.gap, size_hint_y=1)
        for reason in app.bad_reasons:
            chip = ReasonChip(reason)
            chip.bind(state=self._chip_changed)
            self.chips.add_widget(chip)
        self.body.add_widget(self.chips)
        phone = app.hall_config.hall.supervision_phone
        self.more = SmallCaption(text=f"其他意见请拨打监督电话 {phone}，或告诉大厅值班人员")
        self.body.add_widget(self.more)
        row = BoxLayout(spacing=THEME.gap, size_hint_y=None, height=THEME.button_h)
        self.submit = BigButton(text="", colour=theme.PRIMARY)
        # Kivy greys a disabled button to a faint grey-on-grey; paint the waiting state ourselves instead
        self.submit.background_disabled_normal = ""
        self.submit.disabled_color = SUBMIT_WAITING_TEXT
        self.submit.bind(on_release=lambda _b: app.submit_review(self.selected(), ""),
                         pos=self._outline, size=self._outline, disabled=self._outline)
        back = BigButton(text="重新选择", colour=theme.SURFACE)
        back.bind(on_release=lambda _b: app.reopen_levels())
        row.add_widget(self.submit)
        row.add_widget(back)
        self.body.add_widget(row)
        self.countdown = SmallCaption(text="")
        self.body.add_widget(self.countdown)

    def show(self, level_name: str) -> None:
        """Start a fresh choice for ``level_name``."""
        self.heading.text = f"您选择了“{level_name}”，请选择原因（可多选）"
        for chip in self.chips.children:
            chip.state = "normal"
        self._chip_changed()

    def selected(self) -> list[str]:
        """The chosen reasons, in display order."""
        return [c.reason for c in reversed(self.chips.children) if c.state == "down"]

    def _chip_changed(self, *_args: Any) -> None:
        ready = bool(self.selected())
        self.submit.disabled = not ready
        self.submit.text = "提交评价" if ready else "请先选择原因"
        self.submit.colour = theme.PRIMARY if ready else SUBMIT_WAITING
        self.app.touched()


    def _outline(self, *_args: Any) -> None:
        self.submit.canvas.after.clear()
        if self.submit.disabled:
            with self.submit.canvas.after:
                Color(*theme.TEXT_DIM)
                Line(rectangle=(self.submit.x + 1, self.submit.y + 1, self.submit.width - 2, self.submit.height - 2),
                     width=1.5)


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
