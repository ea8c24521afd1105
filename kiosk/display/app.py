"""The hall display app (综合屏) for a 1920×1080 TV: follows ``/api/ws?topics=hall``.

Calls flash briefly when they arrive; waiting counts come from a fresh ``GET /api/hall`` shortly after each event
(events say who was called, the snapshot says how many still wait). A gap in ``seq`` resnapshots (see
:class:`~kiosk.common.ws.HallFeed`), and a lost link blanks the numbers under a 连接中断 notice.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import ScreenManager

from kiosk.common import theme
from kiosk.common.api import ApiClient, ApiResult
from kiosk.common.app_base import KioskApp
from kiosk.common.settings import KioskSettings
from kiosk.common.theme import THEME
from kiosk.common.widgets import Banner, Caption, Heading, load_kv
from kiosk.common.ws import HallFeed
from kiosk.display.board import (MAX_CALLS, PAGE_ROWS, Call, HallBoard, paginate, tidal_notices, waiting_rows,
                                 window_label, window_rows)
from kiosk.display.widgets import CallBox, CallsTable, PagedPanel, Ticker
from kiosk.ticketing.screens import AppScreen

FLASHES = 6
#: seconds each page of the window list / waiting counts stays on show
PAGE_SECONDS = 8
load_kv(Path(__file__).with_name("display.kv"))


class BoardScreen(AppScreen):
    """The whole TV picture: header; newest call | earlier calls | windows and waiting (paged); notice line."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "board")
        self.body.padding = THEME.gap
        self.body.spacing = THEME.gap
        top = BoxLayout(size_hint_y=None, height=THEME.fs_title * 1.4)
        top.add_widget(Heading(text=app.hall_config.hall.name, halign="left"))
        self.clock_label = Caption(text="", halign="right", font_size=THEME.fs_body * 1.2)
        top.add_widget(self.clock_label)
        self.body.add_widget(top)
        self.offline = Banner(text="", colour=theme.DANGER)
        self.body.add_widget(self.offline)
        middle = BoxLayout(spacing=THEME.gap * 2)
        self.latest = CallBox(size_hint_x=0.36)
        middle.add_widget(self.latest)
        self.table = CallsTable(MAX_CALLS - 1, size_hint_x=0.28)
        middle.add_widget(self.table)
        self.panel = PagedPanel(PAGE_ROWS, size_hint_x=0.36)
        middle.add_widget(self.panel)
        self.body.add_widget(middle)
        self.ticker = Ticker(size_hint_y=None, height=THEME.fs_body * 2)
        self.body.add_widget(self.ticker)
        self.notices: list[str] = []
        self.pages: list[tuple[str, list[tuple[str, str, str]]]] = []
        self.page = 0

    # the parts by their old names, for whoever reads the screen
    @property
    def latest_number(self) -> Label:
        """The newest called number."""
        return self.latest.number

    @property
    def latest_text(self) -> str:
        """The latest call as one sentence (what the voice says, too)."""
        if not self.latest.number.text:
            return self.latest.window.text
        return f"请 {self.latest.number.text} 号 到 {self.latest.window.text} 办理"

    def draw(self, board: HallBoard) -> None:
        """Redraw from the board (the panel keeps its page where it can)."""
        config = self.app.hall_config
        names = {code: srv.name for code, srv in config.services.items()}
        self.offline.text = "" if board.online else "连接中断 · 正在重新连接，请以窗口叫号为准"
        if board.calls:
            first = board.calls[0]
            self.latest.number.text = first.number
            self.latest.go_to.text = "请到"
            self.latest.window.text = window_label(first.window)
        else:
            self.latest.number.text = ""
            self.latest.go_to.text = ""
            self.latest.window.text = "" if board.online else "连接中断"
        self.table.show([(c.number, window_label(c.window)) for c in board.calls[1:]])
        self.notices = tidal_notices(board.tidal, names)
        self.ticker.show(self.notices, config.hall.notice)
        self.pages = self._pages(board, names)
        self.page = self.page % len(self.pages) if self.pages else 0
        self._show_page()

    def _pages(self, board: HallBoard, names: dict[str, str]) -> list[tuple[str, list[tuple[str, str, str]]]]:
        if not board.online:
            return []
        windows = paginate(window_rows(board.windows))
        waiting = paginate([(name, count, "") for name, count in waiting_rows(board.waiting, names)])
        waiting = waiting or [[("当前各业务无人等候", "", "")]]
        pages = [(_titled("窗口", i, len(windows)), rows) for i, rows in enumerate(windows)]
        return pages + [(_titled("等候人数", i, len(waiting)), rows) for i, rows in enumerate(waiting)]

    def next_page(self) -> None:
        """Turn the panel to its next page."""
        if self.pages:
            self.page = (self.page + 1) % len(self.pages)
        self._show_page()

    def _show_page(self) -> None:
        title, rows = self.pages[self.page] if self.pages else ("", [])
        self.panel.show(title, rows)


def _titled(title: str, index: int, count: int) -> str:
    return f"{title}（{index + 1}/{count}）" if count > 1 else title


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
        Clock.schedule_interval(lambda _dt: self.screen_board.next_page(), PAGE_SECONDS)

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
