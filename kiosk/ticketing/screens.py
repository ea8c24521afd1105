"""The ticket kiosk's screens for taking a number: home, a department's services, 绿色通道, confirm, working,
ticket, error, offline (the department grid is in :mod:`kiosk.ticketing.departments`).

One decision per screen, large buttons, and Chinese text only. The screens hold no queue logic: they ask the
:class:`~kiosk.ticketing.issuer.TicketIssuer` and show what it reports.
"""
from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget
from kivy.utils import escape_markup

from devices.printer.document import queue_position_lines
from devices.printer.ticket import windows_text
from kiosk.common import theme
from kiosk.common.paged import PagedList
from kiosk.common.theme import THEME
from kiosk.common.widgets import (Banner, BigButton, Caption, Column, Heading, KioskScreen, LargeCaption,
                                  NumberLabel, QRCodeImage, SmallCaption)
from kiosk.ticketing.issuer import IssueOutcome


class AppScreen(KioskScreen):
    """A screen with a back-reference to its app and a vertical ``body``."""

    def __init__(self, app: Any, name: str) -> None:
        super().__init__(name=name)
        self.app = app
        self.body = Column()
        self.add_widget(self.body)

    def button(self, text: str, action: Any, colour: Any = theme.PRIMARY, **kwargs: Any) -> BigButton:
        """A big button that runs ``action()`` when released."""
        b = BigButton(text=text, colour=colour, **kwargs)
        b.bind(on_release=lambda _b: action())
        return b

    def add_back_row(self, back: Any) -> None:
        """返回 (running ``back()``) and 返回首页 side by side at the bottom of the screen."""
        row = Row()
        row.add_widget(self.button("返回", back, colour=theme.SURFACE))
        row.add_widget(self.button("返回首页", self.app.go_home, colour=theme.SURFACE))
        self.body.add_widget(row)


GREETING = "您好！请选择要办理的事项"


class HomeScreen(AppScreen):
    """取号 · 绿色通道 · 预约签到 · 办事指南 · 查询进度, and the 适老模式 switch.

    The choices share the height left by the title and notices. In 适老模式 the type grows, so a single column
    would make each choice shorter than in normal mode; there 取号 keeps a full row and the other four sit two by
    two, every one taller than in normal mode.
    """

    CHOICES = (("取号", "show_services", theme.PRIMARY), ("绿色通道", "show_priority", theme.PRIORITY),
               ("预约签到", "show_check_in", theme.PRIMARY), ("办事指南", "show_guides", theme.PRIMARY),
               ("查询进度", "show_progress", theme.PRIMARY))

    def __init__(self, app: Any) -> None:
        super().__init__(app, "home")
        self.body.add_widget(Heading(text=app.hall_config.hall.name))
        self.greeting = Caption(text=GREETING)
        self.body.add_widget(self.greeting)
        self.offline = Banner(text="", colour=theme.WARNING, opacity=0)
        self.body.add_widget(self.offline)
        self.choices = BoxLayout(orientation="vertical", spacing=THEME.gap * 1.5)
        self.buttons = [self.button(text, getattr(app, action), colour=colour, size_hint_y=1)
                        for text, action, colour in self.CHOICES]
        if not app.hall_config.priority_categories:  # a hall without 绿色通道 categories shows no such choice
            self.buttons = [b for b in self.buttons if b.text != "绿色通道"]
        self.body.add_widget(self.choices)
        self.elder = self.button("", app.toggle_elder, colour=theme.SURFACE)
        self.body.add_widget(self.elder)
        self.notices = [SmallCaption(text=line) for line in app.hall_config.hall.notice]
        THEME.bind(elder=lambda *_: self.entered())
        self.entered()

    def entered(self) -> None:
        self.elder.text = "关闭适老模式" if THEME.elder else "适老模式（大字）"
        # in 适老模式 the switch gives the five choices some of its height (still taller than in normal mode)
        self.elder.scale_h = 0.8 if THEME.elder else 1.0
        # the hall's notices (also printed on every ticket) give way to larger choices in 适老模式
        for notice in self.notices:
            if THEME.elder and notice.parent is not None:
                self.body.remove_widget(notice)
            elif not THEME.elder and notice.parent is None:
                self.body.add_widget(notice)
        self._arrange()

    def _arrange(self) -> None:
        """One column in normal mode; 取号 alone on a row and the rest two by two in 适老模式."""
        self.choices.clear_widgets()
        self.choices.spacing = THEME.gap * 1.5
        for button in self.buttons:
            if button.parent is not None:
                button.parent.remove_widget(button)
        per_row = 2 if THEME.elder else 1
        rows = [self.buttons[:1]] + [self.buttons[i:i + per_row] for i in range(1, len(self.buttons), per_row)]
        for buttons in rows:
            row = BoxLayout(orientation="horizontal", spacing=THEME.gap * 1.5)
            for button in buttons:
                row.add_widget(button)
            self.choices.add_widget(row)

    def set_online(self, online: bool) -> None:
        """Show or hide the 'system offline' banner (in the greeting's place, so the choices keep their size)."""
        self.offline.text = "" if online else "系统连接中断，本机暂时不能取号"
        self.offline.opacity = 0 if online else 1
        self.greeting.text = GREETING if online else ""


class ServicesScreen(AppScreen):
    """The services of one department, each with how many wait and the estimated wait (the 绿色通道 lane's for a
    priority ticket), one per row, paged; 返回 to the departments."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "services")
        self.department: str | None = None
        self.heading = Heading(text="请选择办理的业务")
        self.body.add_widget(self.heading)
        self.list = PagedList(min_scale=1.3)
        self.body.add_widget(self.list)
        self.add_back_row(app.show_departments)

    def show(self, department: str, priority: str | None, loads: dict[str, dict[str, Any]],
             keep_scroll: bool = False) -> None:
        """List the services of ``department``; ``loads`` maps service code to the snapshot's service entry."""
        self.department = department
        config = self.app.hall_config
        name = config.departments[department].name
        if priority:
            self.heading.text = f"绿色通道 · {config.priority_categories[priority]}\n{name}"
        else:
            self.heading.text = f"{name}\n请选择办理的业务"
        buttons = [self.button(service_label(service.name, loads.get(service.code), bool(priority)),
                               lambda code=service.code: self.app.choose_service(code),
                               colour=theme.PRIORITY if priority else theme.PRIMARY, markup=True)
                   for service in config.services.values() if service.department == department]
        self.list.set_items(buttons, keep_page=keep_scroll)  # a refresh of the counts keeps the citizen's page


def wait_line(load: dict[str, Any] | None, priority: bool = False) -> str:
    """How many wait for a service and the estimated wait (empty before the first snapshot); for a 绿色通道 ticket
    the priority lane's own figures (it passes the walk-ins), when the server gives them."""
    if not load:
        return ""
    prefix = "priority_" if priority and "priority_waiting" in load else ""
    waiting = load.get(f"{prefix}waiting", 0)
    estimate = load.get(f"{prefix}estimated_wait_min")
    if not waiting:
        return "现在无人等候"
    line = f"等候 {waiting} 人"
    if estimate is not None:
        line += f" · 约 {estimate} 分钟"
    return line


def service_label(name: str, load: dict[str, Any] | None, priority: bool = False) -> str:
    """A service button's text, as Kivy markup: its name (escaped: it comes from the hall's files), then how many
    wait and the estimated wait. Show it on a button with ``markup=True``."""
    line = wait_line(load, priority)
    return f"{escape_markup(name)}\n[size={int(THEME.fs_small)}]{line}[/size]" if line else escape_markup(name)


class PriorityScreen(AppScreen):
    """绿色通道 (from the home screen): choose the priority category (one decision), then a department and a service;
    the number is taken at the service's tap, like a walk-in's."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "priority")
        self.body.add_widget(Heading(text="绿色通道"))
        self.body.add_widget(Caption(text="符合条件的群众可优先办理。\n请选择您的类别，办理时请出示相关证件。"))
        for code, name in app.hall_config.priority_categories.items():
            self.body.add_widget(self.button(name, lambda c=code: app.show_services(priority=c),
                                             colour=theme.PRIORITY, scale_h=1.2))
        self.body.add_widget(Widget())
        self.body.add_widget(self.button("返回首页", app.go_home, colour=theme.SURFACE))


class ConfirmScreen(AppScreen):
    """Confirm a ticket before it is taken: every 绿色通道 ticket, and a walk-in whose department has one service
    (the citizen tapped a department, so say which service the number is for)."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "confirm")
        self.body.add_widget(Heading(text="请确认"))
        self.text = Caption(text="")
        self.body.add_widget(self.text)
        self.body.add_widget(Widget())
        self.confirm = self.button("确认取号", app.confirm_choice, colour=theme.PRIORITY)
        self.body.add_widget(self.confirm)
        self.add_back_row(app.back_from_confirm)

    def show(self, service_name: str, category: str | None, load: dict[str, Any] | None = None,
             priority: bool = False) -> None:
        """Say what is about to happen (``category``: the 绿色通道 category's name, None for a walk-in)."""
        if category:
            self.text.text = (f"您将通过【绿色通道 · {category}】办理：\n{service_name}\n\n"
                              f"{wait_line(load, priority)}\n请在窗口出示相关证件，工作人员将核验。").replace("\n\n\n", "\n\n")
            self.confirm.colour = theme.PRIORITY
        else:
            self.text.text = f"您将办理：\n{service_name}\n\n{wait_line(load)}".rstrip()
            self.confirm.colour = theme.PRIMARY


class WorkingScreen(AppScreen):
    """Shown while the printer is checked, the server issues the ticket and the ticket prints."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "working")
        self.body.add_widget(Widget())
        self.body.add_widget(Heading(text="正在为您取号，请稍候……"))
        self.body.add_widget(Widget())


#: the smallest QR code (pixels on its shorter side) a phone reads from arm's length on the kiosk's screen
QR_MIN_PX = 160
QR_CAPTION = "手机扫码可查看排队进度、评价服务"
QR_ON_TICKET = "扫描号票上的二维码，可在手机上查看排队进度、评价服务"


class TicketScreen(AppScreen):
    """The number the server recorded, the people ahead, the wait and a QR code of the status page."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "ticket")
        self.body.add_widget(Heading(text="您的号码"))
        self.number = NumberLabel(text="")
        self.body.add_widget(self.number)
        self.service = LargeCaption(text="")
        self.body.add_widget(self.service)
        self.ahead = LargeCaption(text="")
        self.body.add_widget(self.ahead)
        self.windows = LargeCaption(text="")  # where to go matters more than the QR code below
        self.body.add_widget(self.windows)
        self.qr = QRCodeImage(size_hint_y=1)
        self.body.add_widget(self.qr)
        self.qr_caption = SmallCaption(text=QR_CAPTION)
        self.body.add_widget(self.qr_caption)
        # in 适老模式 the large type leaves the code too small for a phone to read: point to the ticket's instead
        self.qr.bind(size=self._fit_qr)
        self.status = Banner(text="", colour=theme.PRIORITY)
        self.body.add_widget(self.status)
        # 留手机号接收到号提醒 beside 完成 where the hall sends SMS (a row of its own would take the QR code's place
        # in 适老模式); once left, the masked number in its place
        row = Row()
        self.sms = BoxLayout()
        self.sms_button = self.button("留手机号\n接收到号提醒", app.show_phone, colour=theme.SURFACE)
        self.sms_note = Caption(text="")
        row.add_widget(self.sms)
        row.add_widget(self.button("完成", app.go_home))
        self.body.add_widget(row)
        self.ticket: dict[str, Any] = {}

    def show(self, outcome: IssueOutcome) -> None:
        """Show an issued ticket (printed or not)."""
        ticket = self.ticket = outcome.ticket or {}
        # body type on two lines: the half-width button holds it in 适老模式 too (set here, after the theme's rule)
        self.sms_button.font_size = THEME.fs_body
        self._sms(self.sms_button if self.app.sms_offer and ticket.get("token") else None)
        service = self.app.hall_config.services.get(ticket.get("service"))
        self.number.text = ticket.get("number", "")
        self.service.text = service.name if service else ticket.get("service", "")
        self.ahead.text = "\n".join(queue_position_lines(ticket.get("ahead", 0), ticket.get("estimated_wait_min")))
        self.windows.text = windows_line(ticket.get("service"), self.app.snapshot)
        self.qr.data = ticket.get("status_url", "")
        if outcome.kind == "printed":
            self.status.text = "请取走号票，留意屏幕和语音叫号"
            self.status.colour = theme.PRIORITY
        else:
            self.status.text = outcome.message
            self.status.colour = theme.DANGER

    def _fit_qr(self, *_args: Any) -> None:
        readable = min(self.qr.width, self.qr.height) >= QR_MIN_PX
        self.qr.opacity = 1 if readable else 0
        self.qr_caption.text = QR_CAPTION if readable else QR_ON_TICKET

    def phone_left(self, masked: str) -> None:
        """The server keeps the number: show it masked instead of the offer."""
        self.sms_note.text = f"到号短信将发至\n{masked}"
        self._sms(self.sms_note)

    def _sms(self, widget: Any) -> None:
        """Show ``widget`` (the offer or the note) beside 完成, or nothing: 完成 then takes the whole row."""
        self.sms.clear_widgets()
        if widget is not None:
            self.sms.add_widget(widget)
        self.sms.size_hint_x = 1 if widget is not None else 0.0001
        self.sms.opacity = 1 if widget is not None else 0


def windows_line(service: str | None, snapshot: dict[str, Any] | None) -> str:
    """办理窗口：3、4号窗口 — the windows that serve ``service`` now (paused or closed ones left out unless no other
    serves it), from the hall snapshot, worded as the printed ticket words them; empty when it names none."""
    windows = [w for w in (snapshot or {}).get("windows", []) if service in (w.get("services") or [])]
    open_ones = [w for w in windows if w.get("state") not in ("paused", "closed")]
    text = windows_text(w["number"] for w in (open_ones or windows))
    return f"办理窗口：{text}" if text else ""


class ErrorScreen(AppScreen):
    """No ticket could be taken: say why and what to do instead."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "error")
        self.body.add_widget(Heading(text="暂时无法取号"))
        self.message = Banner(text="", colour=theme.DANGER)
        self.body.add_widget(self.message)
        self.body.add_widget(Widget())
        self.body.add_widget(self.button("返回首页", app.go_home))

    def show(self, message: str) -> None:
        """Show ``message`` (Chinese, says what to do)."""
        self.message.text = message


class OfflineScreen(AppScreen):
    """The server cannot be reached: 取号, 绿色通道 and 预约签到 say so at once, with where to go instead, rather
    than showing stale counts and failing at the last tap."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "offline")
        self.body.add_widget(Heading(text="本机暂时不能取号"))
        self.body.add_widget(Banner(text="系统连接中断，本机现在不能取号，也不能预约签到。", colour=theme.DANGER))
        self.body.add_widget(Widget())
        self.body.add_widget(LargeCaption(text="请到大厅咨询台，\n工作人员会为您取号。"))
        self.body.add_widget(Caption(text="系统恢复后，本机会自动恢复取号。"))
        self.body.add_widget(Widget())
        self.body.add_widget(self.button("返回首页", app.go_home, colour=theme.SURFACE))


class Row(BoxLayout):
    """A horizontal row of buttons."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="horizontal", spacing=THEME.gap, size_hint_y=None,
                         height=THEME.button_h, **kwargs)
        THEME.bind(button_h=self.setter("height"))  # 适老模式 makes the buttons taller
