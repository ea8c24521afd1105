"""What every kiosk app shares: settings, the API client, the theme, a screen manager and the idle timer.

An app is a :class:`KioskApp` subclass that adds its screens in :meth:`KioskApp.build_screens`. Apps can run
normally (``app.run()``) or be driven frame by frame by tests and benchmarks (``app.start_embedded()`` then
``EventLoop.idle()``), which is how the test harness taps through them offscreen.
"""
from __future__ import annotations

import logging
from typing import Any

from kivy.app import App
from kivy.core.window import Window
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from kiosk.common import segmenter
from kiosk.common.api import ApiClient
from kiosk.common.idle import IdleTimer
from kiosk.common.settings import KioskSettings
from kiosk.common.theme import THEME
from kiosk.common.widgets import load_theme

log = logging.getLogger(__name__)

#: what each app is called in the hall, first in its window title so a desktop shows which is which;
#: ``{window}`` is the counter window it serves
ROLE_NAMES = {"ticket": "取号机", "display": "综合屏", "staff": "{window}号窗口呼叫器", "review": "{window}号窗口评价器"}


class KioskApp(App):
    """Base of the four kiosk apps.

    :param settings: the validated ``[kiosk]`` settings (plus command-line overrides)
    :param config: the hall config (``HallConfig``), for names, departments and the time zone
    :param client: an API client (default: one for ``settings.server`` and ``settings.token``)
    """

    role = "kiosk"
    home_screen = "home"
    uses_idle_timer = True

    def __init__(self, settings: KioskSettings, config: Any, *, client: ApiClient | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.hall_config = config
        self.client = client or ApiClient(settings.server, settings.token or None)
        self.screens: ScreenManager | None = None
        self.idle: IdleTimer | None = None
        self._factories: dict[str, Any] = {}

    # -- life cycle ----------------------------------------------------------------------------------------
    def build(self) -> ScreenManager:
        segmenter.start_loading()  # jieba's dictionary loads beside the first frame, not before it
        load_theme()
        THEME.fit_window(*Window.size)
        THEME.elder = self.settings.elder_mode
        self.title = f"{self.role_name()} · {self.hall_config.hall.name}"
        self.screens = ScreenManager(transition=NoTransition())
        self.build_screens(self.screens)
        self.screens.current = self.home_screen
        if self.uses_idle_timer:
            self.idle = IdleTimer(self.settings.idle_seconds, self.on_idle)
        return self.screens

    def role_name(self) -> str:
        """What this app is called in the hall: 取号机, 综合屏, 3号窗口呼叫器 … (窗口呼叫器 with no window set)."""
        name = ROLE_NAMES.get(self.role, self.role)
        return name.format(window=self.settings.window) if self.settings.window else name.replace("{window}号", "")

    def build_screens(self, screens: ScreenManager) -> None:
        """Add the app's screens (subclasses), directly or with :meth:`lazy_screen`."""
        raise NotImplementedError

    def lazy_screen(self, name: str, factory: Any) -> None:
        """Register a screen built on first use (keeps the cold start to the first frame short)."""
        self._factories[name] = factory

    def get_screen(self, name: str) -> Screen:
        """Screen ``name``, building it now if it was registered lazily."""
        assert self.screens is not None
        if not self.screens.has_screen(name):
            self.screens.add_widget(self._factories.pop(name)(self))
        return self.screens.get_screen(name)

    def on_start(self) -> None:
        """Start network activity (subclasses extend)."""

    def on_stop(self) -> None:
        """Stop network activity and the client thread."""
        if self.idle is not None:
            self.idle.stop()
        self.client.close()

    def start_embedded(self) -> None:
        """Build and start the app without entering Kivy's main loop (tests and benchmarks pump frames)."""
        self._run_prepare()

    def stop_embedded(self) -> None:
        """Counterpart of :meth:`start_embedded`."""
        self.dispatch("on_stop")
        if self.root is not None and self.root.parent is not None:
            Window.remove_widget(self.root)

    # -- navigation ----------------------------------------------------------------------------------------
    @property
    def screen(self) -> Screen:
        """The screen on show."""
        assert self.screens is not None
        return self.screens.current_screen

    def go(self, name: str) -> Screen:
        """Show screen ``name`` and return it."""
        assert self.screens is not None
        screen = self.get_screen(name)
        self.screens.current = name
        entered = getattr(screen, "entered", None)
        if entered is not None:
            entered()
        return screen

    def go_home(self) -> None:
        """Back to the home screen, forgetting anything half-entered."""
        self.go(self.home_screen)

    def on_idle(self) -> None:
        """Nobody touched the screen for ``idle_seconds``: go home (and leave elder mode as configured)."""
        if self.screens is not None and self.screens.current != self.home_screen:
            log.info("idle: back to %s", self.home_screen)
            THEME.elder = self.settings.elder_mode
            self.go_home()
