"""Staff panel screens: log in (工号, password, window), the panel (buttons with their F-keys, the window's queue
with tags and waits, the duty buttons and what the ticket got), and the pickers for transfer, pause, resume and
the 过号 confirmation."""
from __future__ import annotations

from typing import Any, Callable

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from kiosk.common import theme
from kiosk.common.theme import THEME
from kiosk.common.widgets import Banner, BigButton, Caption, Heading, NumberLabel, SmallCaption
from kiosk.staff.strip import ACTIONS, PAUSE_KEY, STRIP_KEY, label
from kiosk.ticketing.screens import AppScreen

STATUS_NAMES = {"called": "已叫号", "serving": "办理中", "waiting": "等候中", "held": "已挂起"}
WINDOW_STATES = {"open": "服务中", "paused": "暂停服务", "closed": "未开放"}


def _field(hint: str, password: bool = False, text: str = "") -> TextInput:
    return TextInput(hint_text=hint, password=password, text=text, multiline=False, font_name="NotoSansSC",
                     font_size=THEME.fs_body, size_hint_y=None, height=THEME.fs_body * 2.2, write_tab=False)


class LoginScreen(AppScreen):
    """工号 + password + window."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "login")
        self.body.add_widget(Heading(text="虚拟呼叫器 · 工作人员登录"))
        self.staff_no = _field("请输入工号")
        self.password = _field("请输入密码", password=True)
        self.window = _field("请输入窗口号", text=str(app.settings.window or ""))
        form = GridLayout(cols=2, spacing=THEME.gap, size_hint_y=None)
        form.bind(minimum_height=form.setter("height"))
        for caption, widget in (("工号", self.staff_no), ("密码", self.password), ("窗口", self.window)):
            form.add_widget(Caption(text=caption, size_hint_x=0.25, height=widget.height))
            form.add_widget(widget)
        self.body.add_widget(form)
        self.message = Banner(text="", colour=theme.DANGER, opacity=0)
        self.body.add_widget(self.message)
        self.body.add_widget(self.button("登录", self.submit))
        self.body.add_widget(Widget())

    def submit(self) -> None:
        """Log in with what was typed."""
        if not self.staff_no.text.strip() or not self.password.text or not self.window.text.strip().isdigit():
            self.show_problem("请输入工号、密码和窗口号")
            return
        self.app.log_in(self.staff_no.text.strip(), self.password.text, int(self.window.text.strip()))

    def show_problem(self, text: str) -> None:
        """Say why logging in failed."""
        self.message.text = text
        self.message.opacity = 1 if text else 0


class PanelScreen(AppScreen):
    """The current ticket, the waiting counts, the buttons, today's support plan and any tidal order."""

    COLOURS = {"call": theme.PRIORITY, "finish_next": theme.PRIORITY, "recall": theme.PRIMARY,
               "start": theme.PRIMARY, "finish": theme.PRIORITY, "skip": theme.DANGER}

    def __init__(self, app: Any) -> None:
        super().__init__(app, "panel")
        top = BoxLayout(size_hint_y=None, height=THEME.button_h, spacing=THEME.gap)
        heading = BoxLayout(orientation="vertical")
        self.title = Caption(text="", halign="left", bold=True, size_hint_y=1, shorten=True)
        heading.add_widget(self.title)
        # the day's support plan (每日兼办) under the title: a calm line, not an order (nothing to acknowledge); it
        # takes no room from the current number and the waiting counts, and none at all without a plan
        self.plan = SmallCaption(text="", halign="left", size_hint_y=None, height=0, opacity=0, shorten=True)
        heading.add_widget(self.plan)
        top.add_widget(heading)
        self.pause_button = BigButton(text=f"暂停服务\nF{PAUSE_KEY}", colour=theme.SURFACE, size_hint_x=0.3)
        self.pause_button.bind(on_release=lambda _b: app.toggle_pause())
        top.add_widget(self.pause_button)
        strip = BigButton(text=f"条形模式\nF{STRIP_KEY}", colour=theme.SURFACE, size_hint_x=0.3)
        strip.bind(on_release=lambda _b: app.toggle_strip())
        top.add_widget(strip)
        self.logout_button = BigButton(text="交班/退出", colour=theme.SURFACE, size_hint_x=0.3)
        self.logout_button.bind(on_release=lambda _b: app.confirm_logout())
        top.add_widget(self.logout_button)
        for button in (self.pause_button, strip, self.logout_button):
            button.font_size = THEME.fs_body  # set after the kv rule (which binds fs_button): two lines must fit
        self.body.add_widget(top)
        self.paused = Banner(text="", colour=theme.WARNING)
        self.body.add_widget(self.paused)
        # The order and its 收到 button share one row, which takes no room while there is no order: the panel's
        # 800 px must keep the current number and the waiting counts in view (stacked, they covered both).
        self.tidal_row = BoxLayout(size_hint_y=None, height=0, spacing=THEME.gap, opacity=0)
        self.tidal = Banner(text="", colour=theme.WARNING, size_hint_x=0.62)
        self.tidal.size_hint_y = 1
        self.tidal_row.add_widget(self.tidal)
        self.tidal_ack = BigButton(text="收到，开始办理", colour=theme.PRIORITY, disabled=True, size_hint_x=0.38)
        self.tidal_ack.size_hint_y = 1
        self.tidal_ack.bind(on_release=lambda _b: app.acknowledge_tidal())
        self.tidal_row.add_widget(self.tidal_ack)
        self.body.add_widget(self.tidal_row)
        middle = BoxLayout(spacing=THEME.gap)
        current = BoxLayout(orientation="vertical")
        self.current = NumberLabel(text="—")
        current.add_widget(self.current)
        self.current_info = Caption(text="")
        current.add_widget(self.current_info)
        # what the ticket got (已登记：帮办代办…): one line, so a second tap is seen before it is made
        self.recorded = SmallCaption(text="", shorten=True, shorten_from="right", size_hint_y=None, height=0)
        current.add_widget(self.recorded)
        middle.add_widget(current)
        # the queue this window will call, in call order, each with its tag and wait so far; scrolls (and clips)
        # rather than spilling over the order above when many wait
        queue_side = BoxLayout(orientation="vertical", size_hint_x=1.3)
        self.waiting = SmallCaption(text="", halign="left", size_hint_y=None, height=THEME.fs_body * 1.6,
                                    shorten=True)
        queue_side.add_widget(self.waiting)
        queue_view = ScrollView(do_scroll_x=False)
        self.queue = Caption(text="", halign="left", valign="top", size_hint_y=None)
        self.queue.bind(texture_size=lambda label, size: setattr(label, "height", size[1]))
        queue_view.add_widget(self.queue)
        queue_side.add_widget(queue_view)
        middle.add_widget(queue_side)
        self.body.add_widget(middle)
        # the result line shares its row with the duty buttons, which open the duty screens (their bottom bar keeps
        # 叫号 and 办结并叫下一位 at hand): the call buttons below never move
        duty_row = BoxLayout(size_hint_y=None, height=THEME.button_h * 0.62, spacing=THEME.gap)
        self.message = Banner(text="", colour=theme.SURFACE, size_hint_x=2.4)
        self.message.size_hint_y = 1
        duty_row.add_widget(self.message)
        self.duty_buttons = []
        for text, screen in (("服务举措", "practices"), ("受理承诺件", "case")):
            button = BigButton(text=text, colour=theme.PRIMARY, disabled=True)
            button.size_hint_y, button.font_size = 1, THEME.fs_body
            button.bind(on_release=lambda _b, s=screen: app.go(s))
            self.duty_buttons.append(button)
            duty_row.add_widget(button)
        self.body.add_widget(duty_row)
        grid = GridLayout(cols=5, spacing=THEME.gap, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        self.buttons: dict[str, BigButton] = {}
        for action in ACTIONS:
            button = BigButton(text=label(action, stacked=True), colour=self.COLOURS.get(action, theme.SURFACE),
                               disabled=True)
            # name and key on two lines; the name never wraps: the longest (办结并叫下一位) gets a smaller size
            # when its button is too narrow for it, instead of breaking inside the word
            chars = len(ACTIONS[action][0]) + 0.6
            button.bind(width=lambda b, w, n=chars: setattr(b, "font_size", min(THEME.fs_body, (w - THEME.gap) / n)))
            button.bind(on_release=lambda _b, a=action: app.act(a))
            self.buttons[action] = button
            grid.add_widget(button)
        self.body.add_widget(grid)

    def show(self, view: dict[str, Any]) -> None:
        """Fill in from ``GET /api/windows/{n}``."""
        staff = f"{view.get('staff_name') or ''}（{view.get('staff_no') or ''}）" if view.get("staff_no") else ""
        state = WINDOW_STATES.get(view.get("state", ""), view.get("state", ""))
        self.title.text = f"{self.app.window_name()} · {staff} · {state}"
        paused = view.get("state") == "paused"
        self.paused.text = f"本窗口暂停服务（{view.get('pause_reason') or '暂停'}）" if paused else ""
        self.pause_button.text = f"{'恢复服务' if view.get('state') == 'paused' else '暂停服务'}\nF{PAUSE_KEY}"
        self.show_plan(view.get("plan_service_name"))
        self.current.text = view.get("current") or "—"
        service = self.app.hall_config.services.get(view.get("current_service") or "")
        status = STATUS_NAMES.get(view.get("current_status") or "", view.get("current_status") or "")
        tag = (view.get("current_ticket") or {}).get("tag")
        # a 绿色通道 citizen at the counter shows as one (an elderly or disabled citizen may need a hand)
        self.current_info.text = (f"{service.name} · {status}" + (f" · 【{tag}】" if tag else "")
                                  if service and view.get("current") else "当前没有号码")
        counts = [f"{self.app.service_name(code)} {n}" for code, n in (view.get("waiting") or {}).items() if n]
        self.waiting.text = f"等候合计 {view.get('waiting_total', 0)} 人" + ("：" + "；".join(counts) if counts else "")
        lines = []
        for q in view.get("queue") or []:
            tag = f"【{q['tag']}】" if q.get("tag") else ""
            lines.append(f"{q['number']} {tag}{q['service_name']} · 已等 {q['waited_min']} 分钟")
        self.queue.text = "\n".join(lines) if lines else "暂无等候的号码"

    def enable(self, enabled: dict[str, bool]) -> None:
        """Grey out the buttons whose action cannot apply now (no current number, nobody waiting, paused…)."""
        for action, button in self.buttons.items():
            button.disabled = not enabled.get(action, False)

    def show_duties(self, target: tuple[str, str] | None, summary: str) -> None:
        """The duty buttons (for the ticket at the counter or the one just finished) and what it got."""
        for button in self.duty_buttons:
            button.disabled = target is None
        self.recorded.text = f"{target[0]} {summary}" if target and summary else ""
        self.recorded.height = THEME.fs_small * 1.6 if self.recorded.text else 0

    def show_plan(self, service_name: str | None) -> None:
        """Show (the planned service's name) or hide (None) the day's support plan line."""
        self.plan.text = f"今日兼办：{service_name}" if service_name else ""
        self.plan.opacity = 1 if service_name else 0
        self.plan.height = THEME.button_h * 0.4 if service_name else 0

    def say(self, text: str, colour: Any = theme.SURFACE) -> None:
        """A one-line result of the last action."""
        self.message.text = text
        self.message.colour = colour

    def show_tidal(self, text: str | None) -> None:
        """Show (text) or hide (None) the tidal order with its acknowledge button."""
        self.tidal.text = text or ""
        self.tidal_row.opacity = 1 if text else 0
        self.tidal_row.height = THEME.button_h if text else 0
        self.tidal_ack.disabled = not text


class PickScreen(AppScreen):
    """Pick one of several choices (a service or window to transfer to, a pause reason, a held number)."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "pick")
        self.heading = Heading(text="")
        self.body.add_widget(self.heading)
        # an optional row of reasons (transfer): the first is chosen already, so a common target is one tap away
        self.reasons_row = BoxLayout(size_hint_y=None, height=0, opacity=0, spacing=THEME.gap * 0.5)
        self.body.add_widget(self.reasons_row)
        self.reason: str | None = None
        self.grid = GridLayout(cols=3, spacing=THEME.gap, size_hint_y=None)
        self.grid.bind(minimum_height=self.grid.setter("height"))
        self.scroll = ScrollView(do_scroll_x=False)  # 30-odd services or windows do not fit on one screen
        self.scroll.add_widget(self.grid)
        self.body.add_widget(self.scroll)
        self.body.add_widget(self.button("取消", lambda: app.go("panel"), colour=theme.SURFACE))

    def show(self, heading: str, choices: list[tuple[str, Any]], on_pick: Callable[[Any], None],
             reasons: tuple[str, ...] = ()) -> None:
        """Offer ``choices`` (label, value); ``on_pick(value)`` runs for the tapped one. With ``reasons``, a row of
        reasons above them (the first chosen; :attr:`reason` holds the choice)."""
        self.heading.text = heading
        self.reasons_row.clear_widgets()
        self.reason = reasons[0] if reasons else None
        self.reasons_row.height = THEME.button_h * 0.6 if reasons else 0
        self.reasons_row.opacity = 1 if reasons else 0
        for reason in reasons:
            chip = BigButton(text=reason, colour=theme.PRIORITY if reason == self.reason else theme.SURFACE)
            chip.size_hint_y = 1
            chip.bind(on_release=lambda _b, r=reason: self._choose_reason(r))
            self.reasons_row.add_widget(chip)
        self.grid.clear_widgets()
        for text, value in choices:
            button = BigButton(text=text, colour=theme.PRIMARY)
            button.bind(on_release=lambda _b, v=value: on_pick(v))
            self.grid.add_widget(button)
        if not choices:
            self.grid.add_widget(Caption(text="没有可选项"))
        self.scroll.scroll_y = 1  # a new list starts at its top

    def _choose_reason(self, reason: str) -> None:
        self.reason = reason
        for chip in self.reasons_row.children:
            chip.colour = theme.PRIORITY if chip.text == reason else theme.SURFACE
