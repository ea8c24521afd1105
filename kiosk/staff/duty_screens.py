"""The staff panel's duty screens: 服务举措 (one tap per kind that needs nothing, a small form for the others) and
受理承诺件 (the service's guide item, the applicant, the deadline the server computed).

Both keep the rush within reach: 叫号 and 办结并叫下一位 sit in their bottom bar (and every F-key works), so a
clerk who opened a duty screen is never one step further from calling the next citizen; calling goes back to the
panel. Both name the ticket they record for, offer the one just finished when there is one, and list what that
ticket already got, so a second tap is seen before it is refused.
"""
from __future__ import annotations

from typing import Any, Callable

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from kiosk.common import theme
from kiosk.common.cued import CuedScroll
from kiosk.common.theme import THEME
from kiosk.common.widgets import Banner, BigButton, Caption
from kiosk.staff.duties import short_day
from kiosk.staff.strip import label
from kiosk.ticketing.screens import AppScreen

#: the rush buttons every duty screen keeps at hand
RUSH = ("call", "finish_next")


def _input(hint: str) -> TextInput:
    return TextInput(hint_text=hint, multiline=False, font_name="NotoSansSC", font_size=THEME.fs_body,
                     size_hint_y=None, height=THEME.fs_body * 2.2, write_tab=False)


def _chip(text: str, on_tap: Callable[[], None], chosen: bool = False, scale: float = 0.62) -> BigButton:
    chip = BigButton(text=text, colour=theme.PRIORITY if chosen else theme.SURFACE, scale_h=scale)
    chip.font_size = THEME.fs_body
    chip.bind(on_release=lambda _b: on_tap())
    return chip


def _paint(button: BigButton, colour: Any) -> BigButton:
    """``colour`` as the button's background, with dark text on amber (white on it is unreadable)."""
    button.colour = colour
    button.color = theme.DARK_TEXT if colour == theme.WARNING else theme.TEXT
    return button


def _grid(cols: int) -> GridLayout:
    grid = GridLayout(cols=cols, spacing=THEME.gap * 0.5, size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))
    return grid


def _row(*widgets: Any) -> BoxLayout:
    row = BoxLayout(spacing=THEME.gap * 0.5, size_hint_y=None, height=THEME.button_h * 0.62)
    for widget in widgets:
        row.add_widget(widget)
    return row


class DutyScreen(AppScreen):
    """A duty screen's frame: the title with the ticket choice, what the ticket got, the screen's own middle, the
    result, the rush bar."""

    title_text = ""
    other: tuple[str, str] = ("", "")  # (button text, screen name) of the other duty screen

    def __init__(self, app: Any, name: str) -> None:
        super().__init__(app, name)
        self.duties = app.duties
        # in 适老模式 every choice must fit between the title and the bar: the screen's edges give up a little
        # (bound after the kv rule's own binding, so this one is applied last when the window is resized)
        self._tighten()
        THEME.bind(gap=self._tighten)
        top = BoxLayout(size_hint_y=None, height=THEME.button_h * 0.62, spacing=THEME.gap * 0.5)
        self.title = Caption(text=self.title_text, halign="left", bold=True, size_hint_y=1, shorten=True)
        top.add_widget(self.title)
        self.targets = BoxLayout(spacing=THEME.gap * 0.5, size_hint_x=0.75)
        top.add_widget(self.targets)
        self.body.add_widget(top)
        self.recorded = Caption(text="", halign="left")
        self.body.add_widget(self.recorded)
        # the middle between the result line and the bar is each screen's own (:attr:`middle`)
        self.middle = BoxLayout(spacing=THEME.gap)
        self.body.add_widget(self.middle)
        self.message = Banner(text="", colour=theme.SURFACE)
        self.body.add_widget(self.message)
        bar = BoxLayout(size_hint_y=None, height=THEME.button_h * 0.7, spacing=THEME.gap)
        back = BigButton(text="返回面板", colour=theme.SURFACE)
        back.bind(on_release=lambda _b: app.go("panel"))
        other = BigButton(text=self.other[0], colour=theme.SURFACE)
        other.bind(on_release=lambda _b: app.go(self.other[1]))
        self.rush: dict[str, BigButton] = {}
        for action in RUSH:
            self.rush[action] = BigButton(text=label(action), colour=theme.PRIORITY, disabled=True,
                                          size_hint_x=1.6 if action == "finish_next" else 1)
            self.rush[action].bind(on_release=lambda _b, a=action: app.act(a))
        for button in (back, other, *self.rush.values()):
            button.size_hint_y, button.font_size = 1, THEME.fs_body
            bar.add_widget(button)
        self.body.add_widget(bar)

    def _tighten(self, *_args: Any) -> None:
        self.body.padding, self.body.spacing = THEME.gap, THEME.gap * 0.5

    def entered(self) -> None:
        """Shown: start from a clean result line and today's choices."""
        self.say("")
        self.duties.load_kinds()
        self.show()

    def say(self, text: str, colour: Any = theme.SURFACE) -> None:
        """The result of the last duty, in Chinese."""
        self.message.text, self.message.colour = text, colour

    def enable(self, enabled: dict[str, bool]) -> None:
        """The rush bar follows the panel's buttons."""
        for action, button in self.rush.items():
            button.disabled = not enabled.get(action, False)

    def show(self) -> None:
        """Fill in from the duties' state (its ``on_change``)."""
        target = self.duties.target()
        self.targets.clear_widgets()
        candidates = self.duties.candidates()
        self.targets.size_hint_x = 0.75 if len(candidates) > 1 else 0
        if len(candidates) > 1:  # the one at the counter, or the one just finished
            for name, number, _service in candidates:
                chip = _chip(f"{name} {number}", lambda n=number: self.duties.choose(n),
                             chosen=target is not None and number == target[0])
                chip.size_hint_y = 1
                self.targets.add_widget(chip)
        if target is None:
            self.title.text = f"{self.title_text} · 当前没有号码"
            self.recorded.text = "请先叫号：服务举措和承诺件登记在正在办理（或刚办结）的号码上"
        else:
            self.title.text = f"{self.title_text} · {target[0]} {self.app.service_name(target[1])}"
            self.recorded.text = self.duties.summary() or f"{target[0]} 还没有登记服务举措或承诺件"
        self.fill(target)

    def fill(self, target: tuple[str, str] | None) -> None:
        """The screen's own middle part."""
        raise NotImplementedError


class PracticesScreen(DutyScreen):
    """服务举措: a button per kind (one tap records a kind that needs nothing; 容缺受理… 免费打复印… 首问责任… open
    their small form underneath)."""

    title_text = "服务举措"
    other = ("受理承诺件", "case")

    def __init__(self, app: Any) -> None:
        super().__init__(app, "practices")
        # the kinds on the left, never scrolled: their rows share the height there is (as tall as in normal mode
        # when it allows, never shorter than their text needs). The open kind's form beside them scrolls, with
        # its cue, when it cannot fit (a 容缺 form in 适老模式); its 登记 button stays under it, always in view
        self.kinds = GridLayout(cols=2, spacing=THEME.gap * 0.5, size_hint_x=0.45, row_force_default=True)
        self.kinds.bind(height=self._fit_kinds, children=self._fit_kinds)
        self.middle.add_widget(self.kinds)
        column = BoxLayout(orientation="vertical", spacing=THEME.gap * 0.5, size_hint_x=0.55)
        self.form_scroll = CuedScroll(size_hint_y=None)
        self.form = self.form_scroll.content
        self.save_row = BoxLayout(size_hint_y=None, height=0)
        for part in (self.form_scroll, self.save_row, Widget()):  # the 登记 button right under the form
            column.add_widget(part)
        room = lambda *_a: setattr(self.form_scroll, "height", min(  # noqa: E731
            self.form.minimum_height, column.height - self.save_row.height - column.spacing))
        for widget, name in ((column, "height"), (self.form, "minimum_height"), (self.save_row, "height")):
            widget.bind(**{name: room})
        self.middle.add_widget(column)
        self.open_kind: dict[str, Any] | None = None  # the kind whose form is open
        self.material, self.handed_to = _input("容缺的材料，如：户口簿复印件"), _input("移交给谁，如：3号窗口 王芳")
        self.promised_on: str | None = None
        self.count = 1
        self.colleagues: list[str] = []
        self.kind_buttons: dict[str, BigButton] = {}
        self._form_key: Any = None
        self.chips: dict[str, BigButton] = {}  # a date or a colleague → its chip
        self.count_label: Caption | None = None
        self.save: BigButton | None = None

    def entered(self) -> None:
        self.open_kind, self.promised_on, self.count = None, None, 1
        self.material.text = self.handed_to.text = ""
        super().entered()

    def fill(self, target: tuple[str, str] | None) -> None:
        if [k["code"] for k in self.duties.kinds] != list(self.kind_buttons):  # built once per list of kinds:
            self._build_kinds()  # rebuilt on every answer, a button could vanish under the clerk's finger
        done = self.duties.recorded_kinds()
        for kind in self.duties.kinds:
            # green once this ticket got it: the clerk sees a double tap coming (the server refuses it anyway);
            # the open form's kind stands out in amber
            colour = theme.PRIORITY if kind["code"] in done else \
                theme.PRIMARY if kind["needs"] == "none" else theme.SURFACE
            if self.open_kind is not None and kind["code"] == self.open_kind["code"]:
                colour = theme.WARNING
            button = _paint(self.kind_buttons[kind["code"]], colour)
            button.disabled = target is None or self.duties.busy
        self.fill_form(target)

    def _fit_kinds(self, *_args: Any) -> None:
        rows = max(1, -(-len(self.kinds.children) // 2))
        room = (self.kinds.height - self.kinds.spacing[1] * (rows - 1)) / rows
        height = max(min(THEME.button_h * 0.55, room), THEME.fs_body * 1.5)
        self.kinds.row_default_height = height
        for button in self.kinds.children:  # their kv rule sets a height of its own
            button.height = height

    def _build_kinds(self) -> None:
        self.kinds.clear_widgets()
        self.kind_buttons = {}
        for kind in self.duties.kinds:
            button = BigButton(text=kind["name"] + ("" if kind["needs"] == "none" else "…"), scale_h=0.55)
            # a kind's name stays on one line: a long one (免费打复印…) in 适老模式 gets a smaller size instead
            chars = len(button.text) + 0.6
            button.bind(width=lambda b, w, n=chars: setattr(b, "font_size", min(THEME.fs_body, (w - THEME.gap) / n)))
            button.bind(on_release=lambda _b, k=kind: self.tap_kind(k))
            self.kind_buttons[kind["code"]] = button
            self.kinds.add_widget(button)

    def tap_kind(self, kind: dict[str, Any]) -> None:
        """One tap records a kind that needs nothing; another kind opens its form."""
        if kind["needs"] == "none":
            self.open_kind = None
            self.duties.record(kind["code"], {}, self.say)
        else:
            # the last result gives the form its room (the records line above still says what was recorded)
            self.say("")
            self.open_kind = kind
            if kind["needs"] == "handed_to":
                self.app.client.call("GET", "/api/hall", self._hall_read)
        self.show()

    def _hall_read(self, result: Any) -> None:
        """The colleagues signed in at other windows: a 首问 question is handed to one of them in one tap."""
        if result.ok:
            self.colleagues = [f"{w['number']}号窗口 {w['staff_name']}" for w in result.data.get("windows", [])
                               if w.get("staff_name") and w["number"] != self.app.window]
            self.show()

    def fill_form(self, target: tuple[str, str] | None) -> None:
        """The open kind's form: the material and a promised date, a page count, or to whom it was handed. Built
        again only when the kind, the ticket or the choices change (a rebuild would take the typing focus away);
        a tap on a chip only recolours."""
        kind = self.open_kind
        key = (kind["code"], target, tuple(d["date"] for d in self.duties.promise_dates), tuple(self.colleagues)) \
            if kind is not None and target is not None else None
        if key != self._form_key:
            self._form_key = key
            self._build_form(kind, target)
        for value, chip in self.chips.items():
            chip.colour = theme.PRIORITY if value in (self.promised_on, self.handed_to.text) else theme.SURFACE
        if self.count_label is not None:
            self.count_label.text = f"{self.count} 份"
        if self.save is not None:
            self.save.disabled = self.duties.busy

    def _build_form(self, kind: dict[str, Any] | None, target: tuple[str, str] | None) -> None:
        self.form.clear_widgets()
        self.save_row.clear_widgets()
        self.save_row.height = 0
        self.form_scroll.scroll_to_top()
        for field in (self.material, self.handed_to):  # kept across forms: detach before adding again
            if field.parent is not None:
                field.parent.remove_widget(field)
        self.chips, self.count_label, self.save = {}, None, None
        if kind is None or target is None:
            self.form.add_widget(Caption(text="点一下即登记；带“…”的先填写再登记", halign="left"))
            return
        if kind["needs"] == "missing_material":
            self.form.add_widget(self.material)
            dates = _grid(2)  # the promised date in one tap: no date typed on a keyboard
            for choice in self.duties.promise_dates:
                chip = _chip(f"{choice['workdays']}个工作日内补交\n{short_day(choice['date'])}",
                             lambda d=choice["date"]: self._promise(d), scale=0.7)
                chip.font_size = THEME.fs_body * 0.8  # two lines: the form stays beside the kinds at 1280×800
                self.chips[choice["date"]] = chip
                dates.add_widget(self.chips[choice["date"]])
            self.form.add_widget(dates)
        elif kind["needs"] == "count":
            self.count_label = Caption(text="", bold=True, size_hint=(1.2, 1))
            self.form.add_widget(_row(_chip("－", lambda: self._count(-1)), self.count_label,
                                      _chip("＋", lambda: self._count(1)), _chip("＋10", lambda: self._count(10))))
        else:
            self.form.add_widget(self.handed_to)
            picks = _grid(2)
            for name in self.colleagues:
                self.chips[name] = _chip(name, lambda n=name: self._hand_to(n))
                picks.add_widget(self.chips[name])
            self.form.add_widget(picks)
        self.save = BigButton(text=f"登记{kind['name']}（{target[0]}）", colour=theme.PRIORITY, size_hint_y=1)
        self.save.font_size = THEME.fs_body
        self.save.bind(on_release=lambda _b: self.submit())
        self.save_row.height = THEME.button_h * 0.55
        self.save_row.add_widget(self.save)

    def _promise(self, day: str) -> None:
        self.promised_on = day
        self.show()

    def _hand_to(self, name: str) -> None:
        self.handed_to.text = name
        self.show()

    def _count(self, step: int) -> None:
        self.count = min(1000, max(1, self.count + step))
        self.show()

    def submit(self) -> None:
        """Record the open kind with what its form holds."""
        kind = self.open_kind
        if kind is None:
            return
        if kind["needs"] == "missing_material":
            if not self.promised_on:
                self.say("请选择承诺补交日期", theme.DANGER)
                return
            details = {"material": self.material.text.strip(), "promised_on": self.promised_on}
        elif kind["needs"] == "count":
            details = {"count": self.count}
        else:
            details = {"handed_to": self.handed_to.text.strip()}
        self.duties.record(kind["code"], details, self._recorded)

    def _recorded(self, text: str, colour: Any) -> None:
        self.say(text, colour)
        if colour == theme.PRIORITY:  # on record: the form closes, the next kind starts clean
            self.open_kind, self.promised_on, self.count = None, None, 1
            self.material.text = self.handed_to.text = ""
            self.show()


class CaseScreen(DutyScreen):
    """受理承诺件: the service's items with a promised time, the applicant's name (optional, shown back masked),
    受理; the answer shows the deadline the server computed in working days."""

    title_text = "受理承诺件"
    other = ("服务举措", "practices")

    def __init__(self, app: Any) -> None:
        super().__init__(app, "case")
        self.guides = _grid(2)
        self.guide_scroll = CuedScroll()  # a service with many promised items scrolls, and says so
        self.guide_scroll.content.add_widget(self.guides)
        self.middle.add_widget(self.guide_scroll)
        self.applicant = _input("申请人姓名（选填）")
        self.applicant.size_hint_x = 1.6
        self.accept = BigButton(text="受理为承诺件", colour=theme.PRIORITY, disabled=True)
        self.accept.size_hint_y, self.accept.font_size = 1, THEME.fs_body
        self.accept.bind(on_release=lambda _b: self.submit())
        # under the list, never scrolled away: the list may be long, the applicant and 受理 stay in view
        self.body.add_widget(_row(self.applicant, self.accept), index=2)
        # the list is as tall as its items up to the room there is, and the applicant row follows it at once: a
        # short list must not leave a gap the clerk reads as "nothing more here" above the field (the spacer under
        # the row takes what is left)
        self.middle.size_hint_y = None
        self.spacer = Widget()
        self.body.add_widget(self.spacer, index=2)
        self.body.bind(height=self._fit_list, padding=self._fit_list, spacing=self._fit_list)
        self.guide_scroll.content.bind(minimum_height=self._fit_list)
        for child in self.body.children:
            if child not in (self.middle, self.spacer):
                child.bind(height=self._fit_list)
        self.guide: str | None = None
        self.guide_buttons: dict[str, BigButton] = {}

    def _fit_list(self, *_args: Any) -> None:
        body = self.body
        fixed = sum(c.height for c in body.children if c not in (self.middle, self.spacer))
        room = body.height - body.padding[1] - body.padding[3] - body.spacing * (len(body.children) - 1) - fixed
        self.middle.height = max(0, min(self.guide_scroll.content.minimum_height, room))

    def entered(self) -> None:
        self.guide, self.applicant.text = None, ""
        target = self.duties.target()
        if target:
            self.duties.load_guides(target[1])
        super().entered()

    def fill(self, target: tuple[str, str] | None) -> None:
        if target is not None and self.duties.guides_service not in (None, target[1]):
            self.duties.load_guides(target[1])  # the clerk switched to a ticket of another service
        if [g["code"] for g in self.duties.guides] != list(self.guide_buttons) or not self.guide_buttons:
            self._build_guides(target)  # built once per list, as the kinds
        accepted = {c["guide_code"] for c in self.duties.cases}
        for code, button in self.guide_buttons.items():
            # as the kinds: green once accepted for this ticket, amber while chosen
            _paint(button, theme.WARNING if code == self.guide else
                   theme.PRIORITY if code in accepted else theme.PRIMARY)
        self.accept.disabled = target is None or self.guide is None or self.duties.busy

    def _build_guides(self, target: tuple[str, str] | None) -> None:
        self.guides.clear_widgets()
        self.guide_buttons = {}
        for guide in self.duties.guides:
            button = BigButton(text=f"{guide['name']}（承诺{guide['promised_days']}个工作日）", scale_h=0.9)
            button.font_size = THEME.fs_body
            button.bind(on_release=lambda _b, c=guide["code"]: self._choose(c))
            self.guide_buttons[guide["code"]] = button
            self.guides.add_widget(button)
        if target is not None and self.duties.guides_service == target[1] and not self.duties.guides:
            self.guides.add_widget(Caption(text="本业务的事项都是即办件，不需要登记承诺件"))

    def _choose(self, code: str) -> None:
        self.guide = code
        self.show()

    def submit(self) -> None:
        """Accept the target as a case of the chosen item."""
        if self.guide:
            self.duties.accept_case(self.guide, self.applicant.text.strip(), self.say, self._accepted)

    def _accepted(self) -> None:
        # the full name leaves the screen at once: the next citizen must not read it
        self.guide, self.applicant.text = None, ""
        self.show()
