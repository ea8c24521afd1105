"""The counter review tablet app (评价器), bound to one window with a ``tablet`` token.

It follows ``/api/ws?topics=hall,window:N``. When staff finish a ticket (``ticket.finished`` on its window, which
carries the ticket's token for that window's devices) the review opens; a choice is posted to ``POST /api/reviews``
with channel ``tablet``. Without a choice for ``review_timeout_seconds`` the ticket stays unrated — nothing is
sent, so the server counts it as unrated rather than a made-up review. Opening a review says
"请您对本次服务进行评价" aloud (:mod:`kiosk.review.voice`), as commercial 评价器 do.
"""
from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.uix.screenmanager import ScreenManager

from kiosk.common.api import ApiClient, ApiResult
from kiosk.common.app_base import KioskApp
from kiosk.common.settings import KioskSettings
from kiosk.common.ws import HallFeed
from kiosk.review.idle import IdleScreen, window_title
from kiosk.review.screens import LevelsScreen, ReasonsScreen, ThanksScreen, countdown_text
from kiosk.review.voice import ReviewPrompt
from queue_server.reviews.levels import BAD_LEVELS, LEVELS
from queue_server.reviews.settings import load_review_settings

THANKS_SECONDS = 3


class ReviewTabletApp(KioskApp):
    """The 10-inch counter tablet of window ``settings.window``."""

    role = "review"
    home_screen = "idle"
    uses_idle_timer = False

    def __init__(self, settings: KioskSettings, config: Any, *, client: ApiClient | None = None,
                 prompt: ReviewPrompt | None = None, **kwargs: Any) -> None:
        super().__init__(settings, config, client=client, **kwargs)
        self.prompt = prompt or ReviewPrompt()
        if settings.window not in config.windows:
            raise ValueError(f"review tablet needs a window of the hall, not {settings.window}")
        self.window = settings.window
        self.levels = dict(LEVELS)
        self.bad_reasons = list(load_review_settings(config).bad_reasons)
        self.window_state: dict[str, Any] | None = None
        self.online = False
        self.pending: dict[str, Any] | None = None   # the finished ticket awaiting a review
        self.level: str | None = None
        self.unrated: list[str] = []                  # numbers left unrated by timeout (for the log)
        self.submitted: list[dict[str, Any]] = []
        self._deadline_left = 0
        self._tick = None
        self._back = None
        self.feed = HallFeed(self.client, ["hall", f"window:{self.window}"], on_snapshot=self._snapshot,
                             on_event=self._event, on_connection=self._connection)
        self._refresh = Clock.create_trigger(lambda _dt: self.client.call("GET", "/api/hall", self._hall_read), 0.2)

    def build_screens(self, screens: ScreenManager) -> None:
        for screen in (IdleScreen(self), LevelsScreen(self), ReasonsScreen(self), ThanksScreen(self)):
            screens.add_widget(screen)
        self.show_idle()

    def on_start(self) -> None:
        self.feed.start()

    def on_stop(self) -> None:
        self.feed.stop()
        self._stop_countdown()
        self.prompt.stop()
        super().on_stop()

    # -- feed --------------------------------------------------------------------------------------------
    def _snapshot(self, data: dict[str, Any]) -> None:
        self.window_state = next((w for w in data.get("windows", []) if w.get("number") == self.window), None)
        self.show_idle(refresh_only=True)

    def _hall_read(self, result: ApiResult) -> None:
        if result.ok:
            self._snapshot(result.data)

    def _connection(self, online: bool) -> None:
        self.online = online
        self.show_idle(refresh_only=True)

    def _event(self, name: str, data: dict[str, Any]) -> None:
        if name == "ticket.finished" and data.get("window") == self.window and data.get("ticket_token"):
            self.open_review(data)
        self._refresh()

    # -- review flow -------------------------------------------------------------------------------------
    def show_idle(self, refresh_only: bool = False) -> None:
        """The idle screen (or just refresh it when another screen shows)."""
        self.get_screen("idle").show(self.window_state, self.online)
        if not refresh_only:
            self.pending = None
            self._stop_countdown()
            self.go("idle")

    def served_by(self) -> str:
        """Who served, as the levels screen names them: 3号窗口 张三（工号 1001）."""
        window = self.window_state or {}
        name = window.get("staff_name")
        who = f"{name}（工号 {window.get('staff_no') or '—'}）" if name else ""
        return f"{window_title(self.window)} {who}".strip()

    def open_review(self, finished: dict[str, Any]) -> None:
        """A ticket of this window was finished: ask for its review."""
        if self.pending is not None:
            self.unrated.append(self.pending["number"])  # a new finish replaces an unanswered review
        self.pending = finished
        self.level = None
        self.go("levels").show(finished["number"], self.served_by())
        self._start_countdown()
        self.prompt.play()

    def reopen_levels(self) -> None:
        """Back from the reasons to the five levels."""
        if self.pending is not None:
            self.go("levels")
            self.touched()

    def choose_level(self, level: str) -> None:
        """A level was tapped; a bad one asks for reasons first."""
        if self.pending is None:
            return
        self.level = level
        if level in BAD_LEVELS:
            self.go("reasons").show(self.levels[level])
            self.touched()
        else:
            self.submit_review([], "")

    def submit_review(self, reasons: list[str], comment: str) -> None:
        """Send the review for the pending ticket."""
        if self.pending is None or self.level is None:
            return
        if self.level in BAD_LEVELS and not reasons:
            return
        body = {"ticket_token": self.pending["ticket_token"], "level": self.level, "reasons": reasons,
                "comment": comment.strip(), "channel": "tablet"}
        self._stop_countdown()
        self.client.call("POST", "/api/reviews", lambda r, b=body: self._posted(b, r), json_body=body)

    def _posted(self, body: dict[str, Any], result: ApiResult) -> None:
        self.pending = None
        thanks = self.get_screen("thanks")
        if result.ok:
            self.submitted.append(body)
            thanks.show(True, "您的意见是我们改进工作的动力")
        elif result.error == "conflict":
            thanks.show(True, "本次服务已评价过，谢谢")
        elif result.unreachable:
            thanks.show(False, "网络中断，请稍后扫描号票上的二维码评价")
        else:
            thanks.show(False, result.message or "请稍后扫描号票上的二维码评价")
        self.go("thanks")
        self._back = Clock.schedule_once(lambda _dt: self.screens.current == "thanks" and self.show_idle(),
                                         THANKS_SECONDS)

    # -- countdown (UI time) -----------------------------------------------------------------------------
    def touched(self) -> None:
        """The citizen is choosing: restart the countdown."""
        self._deadline_left = self.settings.review_timeout_seconds
        self._show_countdown()

    def _start_countdown(self) -> None:
        self._stop_countdown()
        self.touched()
        self._tick = Clock.schedule_interval(self._count, 1)

    def _stop_countdown(self) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def _count(self, _dt: float) -> None:
        self._deadline_left -= 1
        if self._deadline_left <= 0:
            if self.pending is not None:
                self.unrated.append(self.pending["number"])
            self.show_idle()
        else:
            self._show_countdown()

    def _show_countdown(self) -> None:
        # both choosing screens show it: a citizen reading the reasons must know the review will close
        for name in ("levels", "reasons"):
            self.get_screen(name).countdown.text = countdown_text(self._deadline_left)
