"""The hall display app (综合屏) for a 1920×1080 TV: follows ``/api/ws?topics=hall``.

Calls flash briefly when they arrive; waiting counts come from a fresh ``GET /api/hall`` shortly after each event
(events say who was called, the snapshot says how many still wait). A gap in ``seq`` resnapshots (see
:class:`~kiosk.common.ws.HallFeed`), and a lost link blanks the numbers under a 连接中断 notice.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import ScreenManager
from kivy.properties import ColorProperty
from kivy.uix.stencilview import StencilView

from kiosk.common import theme
from kiosk.common.api import ApiClient, ApiResult
from kiosk.common.app_base import KioskApp
from kiosk.common.settings import KioskSettings
from kiosk.common.theme import THEME
from kiosk.common.widgets import Banner, Caption, Heading, SmallCaption, load_kv
from kiosk.common.ws import HallFeed
from kiosk.display.board import Call, HallBoard, call_where, cell_title, window_label
from kiosk.ticketing.screens import AppScreen

FLASHES = 6
load_kv(Path(__file__).with_name("display.kv"))


class CallBox(BoxLayout):
    """The latest call's panel; ``colour`` flashes."""

    colour = ColorProperty(theme.SURFACE)


class CallNumber(Label):
    """The latest called number, as large as the TV allows."""


class CallWhere(Label):
    """Where the latest number should go."""


class WindowCell(Label):
    """One window's name and current number."""

    colour = ColorProperty(theme.SURFACE)


class PreviousCalls(Label):
    """The calls before the latest one."""


class Ticker(StencilView):
    """A notice line scrolling right to left, forever."""

    def __init__(self, text: str, **kwargs: Any) -> None:
        super().__init__(size_hint_y=None, height=THEME.fs_body * 1.8, **kwargs)
        self.label = Label(text=text, font_name="NotoSansSC", font_size=THEME.fs_body, color=theme.NUMBER,
                           size_hint=(None, None))
        self.label.bind(texture_size=self.label.setter("size"))
        self.add_widget(self.label)
        self.bind(pos=self._restart, size=self._restart)

    def _restart(self, *_args: Any) -> None:
        Animation.cancel_all(self.label)
        self.label.pos = (self.right, self.y + (self.height - self.label.height) / 2)
        distance = self.width + self.label.width
        animation = Animation(x=self.x - self.label.width, duration=max(distance / 120.0, 1))
        animation.bind(on_complete=lambda *_: self._restart())
        animation.start(self.label)


class BoardScreen(AppScreen):
    """The whole TV picture."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "board")
        self.body.padding = THEME.gap
        top = BoxLayout(size_hint_y=None, height=THEME.fs_title * 1.6)
        top.add_widget(Heading(text=app.hall_config.hall.name, halign="left"))
        self.clock_label = Caption(text="", halign="right")
        top.add_widget(self.clock_label)
        self.body.add_widget(top)
        self.offline = Banner(text="", colour=theme.DANGER, opacity=0)
        self.body.add_widget(self.offline)
        middle = BoxLayout(spacing=THEME.gap * 2)
        calls = BoxLayout(orientation="vertical", size_hint_x=0.4, spacing=THEME.gap)
        self.latest = CallBox()
        self.latest.add_widget(SmallCaption(text="最新叫号"))
        self.latest_number = CallNumber(text="")
        self.latest.add_widget(self.latest_number)
        self.latest_where = CallWhere(text="")
        self.latest.add_widget(self.latest_where)
        calls.add_widget(self.latest)
        self.previous = PreviousCalls(text="", size_hint_y=0.6)
        calls.add_widget(self.previous)
        middle.add_widget(calls)
        self.windows = GridLayout(cols=6, spacing=max(2, THEME.gap // 3), size_hint_x=0.6)
        middle.add_widget(self.windows)
        self.body.add_widget(middle)
        self.tidal = Banner(text="", colour=theme.WARNING, opacity=0)
        self.body.add_widget(self.tidal)
        self.waiting = SmallCaption(text="")
        self.body.add_widget(self.waiting)
        self.body.add_widget(Ticker("　　".join(app.hall_config.hall.notice)))

    @property
    def latest_text(self) -> str:
        """The latest call as one sentence (what the voice says, too)."""
        if not self.latest_number.text:
            return self.latest_where.text
        return f"请 {self.latest_number.text} 号 {self.latest_where.text}"

    def draw(self, board: HallBoard) -> None:
        """Redraw from the board."""
        config = self.app.hall_config
        self.offline.text = "" if board.online else "连接中断 · 正在重新连接，请以窗口叫号为准"
        self.offline.opacity = 0 if board.online else 1
        if board.calls:
            first = board.calls[0]
            self.latest_number.text = first.number
            self.latest_where.text = call_where(first)
        else:
            self.latest_number.text = ""
            self.latest_where.text = "" if board.online else "连接中断"
        self.previous.text = "\n".join(f"{c.number}　→　{window_label(c.window)}" for c in board.calls[1:])
        self.windows.clear_widgets()
        for number, window in sorted(board.windows.items()):
            current = window.get("current")
            if isinstance(current, dict):
                current = current.get("number")
            state = window.get("state")
            shown = "暂停服务" if state == "paused" else "未开放" if state == "closed" else (current or "—")
            size = int(THEME.fs_body * 1.1)
            name = window.get("name") or board.window_names.get(number, "")
            self.windows.add_widget(WindowCell(
                text=f"{cell_title(number, name)}\n[b][size={size}]{shown}[/size][/b]",
                colour=theme.SURFACE if state == "open" else theme.BACKGROUND))
        notices = []
        for number, service in sorted(board.tidal.items()):
            name = config.services[service].name if service in config.services else service
            notices.append(f"{window_label(number)} 临时增开“{name}”（潮汐窗口）")
        self.tidal.text = "　".join(notices)
        self.tidal.opacity = 1 if notices else 0
        busy = [(config.services[c].name, n) for c, n in board.waiting.items() if n and c in config.services]
        self.waiting.text = ("等候人数：" + "　".join(f"{name} {n}人" for name, n in busy)) if busy else (
            "当前各业务无人等候" if board.online else "")


class HallDisplayApp(KioskApp):
    """The hall TV."""

    role = "display"
    home_screen = "board"
    uses_idle_timer = False

    def __init__(self, settings: KioskSettings, config: Any, *, client: ApiClient | None = None,
                 clock: Any = None, **kwargs: Any) -> None:
        super().__init__(settings, config, client=client, **kwargs)
        from queue_server.core.clock import SystemClock

        self.clock = clock or SystemClock()
        self.board = HallBoard()
        self.flashing: Call | None = None
        self.announced: list[Call] = []
        self._flash_event = None
        self.feed = HallFeed(self.client, ["hall"], on_snapshot=self._snapshot, on_event=self._event,
                             on_connection=self._connection)
        self._refresh = Clock.create_trigger(lambda _dt: self.client.call("GET", "/api/hall", self._hall_read), 0.5)
        self._redraw = Clock.create_trigger(lambda _dt: self.screen_board.draw(self.board), 0.05)

    def build_screens(self, screens: ScreenManager) -> None:
        screens.add_widget(BoardScreen(self))

    @property
    def screen_board(self) -> BoardScreen:
        """The one screen of the display."""
        return self.get_screen("board")

    def on_start(self) -> None:
        self.screen_board.draw(self.board)
        self.feed.start()
        self._tick(0)
        Clock.schedule_interval(self._tick, 1)

    def on_stop(self) -> None:
        self.feed.stop()
        super().on_stop()

    def _tick(self, _dt: float) -> None:
        local = self.clock.now().astimezone(self.hall_config.hall.tz)
        self.screen_board.clock_label.text = f"{local:%Y-%m-%d %H:%M:%S}"

    def _snapshot(self, data: dict[str, Any]) -> None:
        self.board.load_snapshot(data)
        self._redraw()

    def _hall_read(self, result: ApiResult) -> None:
        if result.ok and self.board.online:
            self.board.load_snapshot(result.data)
            self._redraw()

    def _event(self, name: str, data: dict[str, Any]) -> None:
        call = self.board.apply(name, data)
        if call is not None:
            self.announced.append(call)
            self.flash(call)
        self._redraw()
        self._refresh()

    def _connection(self, online: bool) -> None:
        if not online:
            self.board.go_offline()
            self._redraw()

    def flash(self, call: Call) -> None:
        """Flash the latest call a few times."""
        self.flashing = call
        if self._flash_event is not None:
            self._flash_event.cancel()
        state = {"left": FLASHES}

        def _blink(_dt: float) -> bool:
            state["left"] -= 1
            self.screen_board.latest.colour = theme.DANGER if state["left"] % 2 else theme.SURFACE
            if state["left"] <= 0:
                self.flashing = None
                return False
            return True

        self.screen_board.latest.colour = theme.DANGER
        self._flash_event = Clock.schedule_interval(_blink, 0.5)
