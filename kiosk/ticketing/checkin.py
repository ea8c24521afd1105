"""Appointment check-in (预约签到) on a large numeric keypad, and 查询进度 (look up a number).

Nothing on these screens moves while the citizen types: the typed code, the message line and the keys keep their
places whether the code is empty, half typed or refused (a keypad that jumps after the first digit sends the next
tap to the wrong key).
"""
from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.common import theme
from kiosk.common.api import ApiResult
from kiosk.common.theme import THEME
from kiosk.common.widgets import Banner, Caption, Heading, Keypad, LargeCaption
from kiosk.ticketing.screens import AppScreen, Row, windows_line

#: an appointment code is six digits (the server's rule; checked here so 确认 cannot send fewer)
CODE_LEN = 6
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "清空", "0", "删除")
NUMBER_MAX = 6
STATUS = {"waiting": "等候中", "transferred": "等候中（已转办）", "called": "正在叫号", "serving": "正在办理",
          "finished": "已办结", "no_show": "已过号", "held": "暂时挂起", "expired": "已失效"}


class Message(Banner):
    """A message line that keeps its height (``lines`` lines of body type) when empty, so nothing below moves; with
    no problem to report it shows ``hint`` on the background."""

    def __init__(self, lines: int = 2, hint: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lines = lines
        self.hint = hint
        THEME.bind(fs_body=self._size, gap=self._size)
        self.bind(texture_size=self._size, text=self._size)
        self._size()

    def _size(self, *_args: Any) -> None:
        reserved = THEME.fs_body * 1.45 * self.lines + THEME.gap * 2
        self.height = max(reserved, self.texture_size[1] + THEME.gap * 2 if self.text else 0)

    def say(self, problem: str) -> None:
        """Show ``problem`` in red, or the hint when it is empty."""
        self.text = problem or self.hint
        self.colour = theme.DANGER if problem else theme.BACKGROUND


class CodeDisplay(Label):
    """The typed code in large type, one line, always the same height (empty places shown as _)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(font_name="NotoSansSC", bold=True, color=theme.NUMBER, size_hint_y=None, **kwargs)
        THEME.bind(fs_title=self._size)
        self._size()

    def _size(self, *_args: Any) -> None:
        self.font_size = THEME.fs_title * 1.4
        self.height = self.font_size * 1.5


def _code_display(label: Label, typed: str, length: int) -> None:
    """Typed digits with a place for each one still to come: 1 2 3 _ _ _."""
    label.text = " ".join(list(typed) + ["_"] * (length - len(typed)))


class CheckInScreen(AppScreen):
    """Type the six-digit appointment code (预约号) on big keys, then 确认签到."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "checkin")
        self.typed = ""
        self.body.add_widget(Heading(text="预约签到"))
        self.code = CodeDisplay(text="")
        self.body.add_widget(self.code)
        self.message = Message(hint="请输入6位预约号", colour=theme.BACKGROUND)
        self.body.add_widget(self.message)
        self.keypad = Keypad(KEYS, self.key)
        self.body.add_widget(self.keypad)
        self.body.add_widget(Widget())
        row = Row()
        self.confirm = self.button("确认签到", self.submit, colour=theme.PRIORITY)
        row.add_widget(self.confirm)
        row.add_widget(self.button("返回首页", app.go_home, colour=theme.SURFACE))
        self.body.add_widget(row)
        THEME.bind(button_h=self._keys)
        self._keys()

    def _keys(self, *_args: Any) -> None:
        # keys a little shorter than buttons in 适老模式 so all four rows fit, still taller than in normal mode
        for key in self.keypad.children:
            key.scale_h = 0.85 if THEME.elder else 1.0

    def entered(self) -> None:
        self._keys()
        self.typed = ""
        self._typed_changed()
        self.show_problem("")

    @property
    def code_text(self) -> str:
        """The digits typed so far."""
        return self.typed

    def key(self, label: str) -> None:
        """One key press."""
        if label == "清空":
            self.typed = ""
        elif label == "删除":
            self.typed = self.typed[:-1]
        elif len(self.typed) < CODE_LEN:
            self.typed += label
        self._typed_changed()
        self.show_problem("")

    def _typed_changed(self) -> None:
        _code_display(self.code, self.typed, CODE_LEN)
        # 确认签到 looks ready only with six digits; a tap before that says how many are missing
        self.confirm.opacity = 1 if len(self.typed) == CODE_LEN else 0.45

    def submit(self) -> None:
        """Check in the typed code (six digits, or a message saying how many are missing)."""
        if len(self.typed) != CODE_LEN:
            self.show_problem(f"预约号是{CODE_LEN}位数字，您输入了{len(self.typed)}位")
            return
        self.app.check_in(self.typed)

    def show_problem(self, text: str) -> None:
        """Show (or clear) a problem with the typed code, staying on this screen."""
        self.message.say(text)


class ProgressScreen(AppScreen):
    """查询进度: type the number on the ticket (its letter, then digits); the answer replaces the keys: the
    number's state, people ahead, the wait and the windows, then the windows serving now."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "progress")
        self.typed = ""
        self.heading = Heading(text="查询进度")
        self.body.add_widget(self.heading)
        self.code = CodeDisplay(text="")
        self.body.add_widget(self.code)
        self.message = Message(hint="请输入号票上的号码，如 A001", colour=theme.BACKGROUND, lines=1)
        self.body.add_widget(self.message)
        letters = sorted({s.prefix for s in app.hall_config.services.values()})
        cols = 5
        # the letters, then 删除 and 清空 in the letters' last row, then the digits: one grid, no extra row
        commands = letters + ["删除", "清空"]
        keys = commands + [""] * (-len(commands) % cols) + list("1234567890")
        self.keypad = Keypad(keys, self.key, cols=cols)
        for key in self.keypad.children:
            if not key.text:  # a blank cell that fills the letters' last row: nothing to tap
                key.disabled, key.opacity = True, 0
        self.entry = BoxLayout(orientation="vertical", spacing=THEME.gap)
        self.entry.add_widget(self.keypad)
        self.entry.add_widget(Widget())
        row = Row()
        row.add_widget(self.button("查询", self.submit, colour=theme.PRIORITY))
        row.add_widget(self.button("返回首页", app.go_home, colour=theme.SURFACE))
        self.entry.add_widget(row)
        self.answer = BoxLayout(orientation="vertical", spacing=THEME.gap)
        self.result = LargeCaption(text="")
        self.answer.add_widget(self.result)
        self.serving = Caption(text="", color=theme.TEXT_DIM)
        self.answer.add_widget(self.serving)
        self.answer.add_widget(Widget())
        row = Row()
        row.add_widget(self.button("查其他号码", self.entered, colour=theme.PRIMARY))
        row.add_widget(self.button("返回首页", app.go_home, colour=theme.SURFACE))
        self.answer.add_widget(row)
        self.body.add_widget(self.entry)
        THEME.bind(button_h=self._keys)
        self._keys()

    def _keys(self, *_args: Any) -> None:
        for key in self.keypad.children:
            key.scale_h = 0.75 if THEME.elder else 0.9
            if len(key.text) > 1:  # 删除, 清空: two characters in a letter key's width
                key.font_size = THEME.fs_body

    def entered(self) -> None:
        """Back to an empty number and the keys."""
        self._keys()
        self.typed = ""
        _code_display(self.code, "", 4)
        self.message.say("")
        self._swap(self.answer, self.entry)
        self.heading.text = "查询进度"

    def _swap(self, old: Any, new: Any) -> None:
        if old.parent is self.body:
            index = self.body.children.index(old)
            self.body.remove_widget(old)
            self.body.add_widget(new, index=index)

    def key(self, label: str) -> None:
        """One key press: a letter starts the number again, digits follow it."""
        if label == "删除":
            self.typed = self.typed[:-1]
        elif label == "清空":
            self.typed = ""
        elif label.isascii() and label.isalpha():
            self.typed = label
        elif len(self.typed) < NUMBER_MAX:
            self.typed += label
        self.message.say("请先按号码开头的字母" if self.typed[:1].isdigit() else "")
        if self.typed[:1].isdigit():
            self.typed = ""
        _code_display(self.code, self.typed, max(4, len(self.typed)))

    def submit(self) -> None:
        """Look the typed number up."""
        if len(self.typed) < 2:
            self.message.say("请输入完整的号码，如 A001")
            return
        self.app.look_up(self.typed, self._found)

    def _found(self, result: ApiResult) -> None:
        if result.unreachable:
            self.message.say("系统连接中断，暂时无法查询，请到咨询台咨询")
            return
        if not result.ok:
            self.message.say(result.message or "没有查到这个号码")
            return
        self.show_ticket(result.data)

    def show_ticket(self, ticket: dict[str, Any]) -> None:
        """The answer for one ticket, in place of the keys."""
        status = ticket.get("status", "")
        lines = [f"{ticket.get('service_name', '')}", f"状态：{STATUS.get(status, status)}"]
        if status in ("waiting", "transferred"):
            ahead, minutes = ticket.get("ahead", 0), ticket.get("estimated_wait_min")
            lines.append(f"前面还有 {ahead} 人" + (f"，约 {minutes} 分钟" if ahead and minutes else "") if ahead
                         else "前面没有人，请留意叫号")
            place = windows_line(ticket.get("service"), self.app.snapshot)
            if place:
                lines.append(place)
        elif status in ("called", "serving") and ticket.get("window"):
            lines.append(f"请到 {ticket['window']}号窗口")
        elif status == "no_show":
            lines.append("请到咨询台咨询")
        self.heading.text = "查询进度"
        self.code.text = ticket.get("number", "")
        self.message.text = ""  # no hint to type: the answer is on show
        self.result.text = "\n".join(lines)
        self.serving.text = serving_now(self.app.snapshot)
        self._swap(self.entry, self.answer)


def serving_now(snapshot: dict[str, Any] | None) -> str:
    """正在办理：A005：7号窗口 … — the windows serving someone now (idle windows would bury the answer)."""
    if snapshot is None:
        return ""
    lines = []
    for window in snapshot.get("windows", []):
        current = window.get("current")
        if isinstance(current, dict):
            current = current.get("number")
        if current:
            lines.append(f"{current}：{window.get('number')}号窗口")
    return ("各窗口正在办理：\n" + "\n".join(lines[:6])) if lines else ""
