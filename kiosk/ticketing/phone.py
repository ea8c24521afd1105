"""留手机号接收到号提醒: after the number is taken, the citizen may leave a mobile number on a big numeric pad (no
system keyboard) for the ticket's SMS reminders; 跳过 leaves none. Offered only where the server says the hall
sends SMS (``GET /api/phone-reminders``).

The pad keeps its place while typing and when a number is refused, as the check-in pad does; the typed number is
shown in groups (138 1234 5678) and, once the server has it, only masked (138****1234) on the ticket screen.
"""
from __future__ import annotations

from typing import Any

from kivy.uix.widget import Widget

from kiosk.common import theme
from kiosk.common.api import ApiResult
from kiosk.common.theme import THEME
from kiosk.common.widgets import Caption, Heading, Keypad
from kiosk.ticketing.checkin import KEYS, CodeDisplay, Message
from kiosk.ticketing.screens import AppScreen, Row

PHONE_LEN = 11
#: the server's rule for a mainland mobile number (checked here first, so a slip is told at once)
RULE = "请输入正确的手机号码（11位，以13–19开头）"


def grouped(typed: str) -> str:
    """The typed digits as the number is read aloud, 3-4-4, each missing digit a _: ``138 12__ ____``."""
    padded = typed + "_" * (PHONE_LEN - len(typed))
    return f"{padded[:3]} {padded[3:7]} {padded[7:]}"


def problem_with(typed: str) -> str:
    """What is wrong with ``typed`` as a mobile number, or "" when nothing is."""
    if len(typed) != PHONE_LEN:
        return f"手机号码是{PHONE_LEN}位数字，您输入了{len(typed)}位"
    if typed[0] != "1" or typed[1] not in "3456789":
        return RULE
    return ""


class PhoneScreen(AppScreen):
    """Type the mobile number, then 确认 (sending it is the consent the hint states) or 跳过."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "phone")
        self.typed = ""
        self.token = ""
        self.body.add_widget(Heading(text="留手机号接收到号提醒"))
        self.intro = Caption(text="")
        self.body.add_widget(self.intro)
        self.display = CodeDisplay(text="")
        self.body.add_widget(self.display)
        self.message = Message(colour=theme.BACKGROUND)
        self.body.add_widget(self.message)
        self.keypad = Keypad(KEYS, self.key)
        self.body.add_widget(self.keypad)
        self.body.add_widget(Widget())
        row = Row()
        self.confirm = self.button("确认", self.submit, colour=theme.PRIORITY)
        row.add_widget(self.confirm)
        row.add_widget(self.button("跳过", app.skip_phone, colour=theme.SURFACE))
        self.body.add_widget(row)
        THEME.bind(button_h=self._keys)
        self._keys()

    def _keys(self, *_args: Any) -> None:
        # as on the check-in pad: in 适老模式 the keys give a little height so every row fits, still taller
        for key in self.keypad.children:
            key.scale_h = 0.8 if THEME.elder else 1.0

    def show(self, ticket: dict[str, Any], offer: dict[str, Any]) -> None:
        """Start empty for ``ticket`` (its token is where the number goes)."""
        self._keys()
        self.token = ticket.get("token", "")
        self.typed = ""
        ahead = offer.get("remind_ahead", 3)
        # one line in 适老模式 too (the number is on the ticket screen): the pad needs the height
        self.intro.text = f"前面剩{ahead}位和叫号时，短信提醒您" if ahead else "叫号时，短信提醒您"
        self.message.hint = (f"确认即同意：号码只用于本号的提醒和服务评价邀请，"
                             f"{offer.get('retention_days', 30)}天后删除。")
        self._typed_changed()
        self.message.say("")

    def key(self, label: str) -> None:
        """One key press."""
        if label == "清空":
            self.typed = ""
        elif label == "删除":
            self.typed = self.typed[:-1]
        elif len(self.typed) < PHONE_LEN:
            self.typed += label
        self._typed_changed()
        self.message.say("")

    def _typed_changed(self) -> None:
        self.display.text = grouped(self.typed)
        self.confirm.opacity = 1 if len(self.typed) == PHONE_LEN else 0.45

    def submit(self) -> None:
        """Send the number (or say what is wrong with it, staying here)."""
        problem = problem_with(self.typed)
        if problem:
            self.message.say(problem)
            return
        self.app.leave_phone(self.token, self.typed, self._answered)

    def _answered(self, result: ApiResult) -> None:
        if result.ok:
            self.app.phone_left(result.data.get("phone", ""))
        elif result.unreachable:
            self.message.say("系统连接中断，暂时无法登记，请留意屏幕和语音叫号")
        else:
            self.message.say(result.message or RULE)
