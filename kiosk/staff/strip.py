"""The staff panel's compact strip (条形模式) and its keyboard shortcuts.

On the clerk's business PC the panel shares the screen with the 业务系统 where the case is actually keyed in: the
strip is a thin always-on-top bar (current number and its tag, how many wait, the four rush buttons) that stays
in view over that system; F12 switches between it and the full panel. Every action has an F-key, shown on its
button, so a clerk whose hands are on the keyboard never reaches for the mouse.
"""
from __future__ import annotations

from typing import Any

from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout

from kiosk.common import theme
from kiosk.common.theme import THEME
from kiosk.common.widgets import BigButton, Caption, KioskScreen

#: action → (label, F-key number); the order is the panel's button order
ACTIONS = {"call": ("叫号", 1), "finish_next": ("办结并叫下一位", 2), "recall": ("重呼", 3), "start": ("开始办理", 4),
           "finish": ("办结", 5), "skip": ("过号", 6), "hold": ("挂起", 7), "resume": ("回呼", 8),
           "transfer": ("转移", 9), "requeue": ("过号重排", 10)}
PAUSE_KEY, STRIP_KEY = 11, 12
#: SDL key codes of F1…F12 as Kivy reports them
F_KEYS = {282 + n - 1: n for n in range(1, 13)}
#: the strip's height in design pixels of the full panel (it keeps the panel's type sizes)
STRIP_HEIGHT = 0.62


def label(action: str, stacked: bool = False) -> str:
    """A button's text with its shortcut: ``叫号 F1``, or with the key on a line of its own (``stacked``: the
    panel's grid buttons, where 办结并叫下一位 would otherwise wrap inside a word)."""
    name, key = ACTIONS[action]
    return f"{name}\nF{key}" if stacked else f"{name} F{key}"


def bind_keys(app: Any) -> None:
    """Route F1…F12 to the app's actions (only while a clerk is logged in)."""
    def on_key(_window: Any, key: int, *_args: Any) -> bool:
        number = F_KEYS.get(key)
        if number is None or not app.client.token:
            return False
        return app.press_key(number)
    Window.bind(on_key_down=on_key)


class StripScreen(KioskScreen):
    """One row: 窗口 · current number and tag · 等候 N 人 · 叫号 · 办结并叫下一位 · 重呼 · 过号 · 展开."""

    RUSH = ("call", "finish_next", "recall", "skip")

    def __init__(self, app: Any) -> None:
        super().__init__(name="strip")
        self.app = app
        row = BoxLayout(spacing=THEME.gap * 0.5, padding=THEME.gap * 0.4)
        self.number = Caption(text="—", bold=True, size_hint_x=0.9, shorten=True, halign="left")
        self.number.font_size = THEME.fs_button
        row.add_widget(self.number)
        self.info = Caption(text="", size_hint_x=0.9, halign="left")
        row.add_widget(self.info)
        self.buttons: dict[str, BigButton] = {}
        for action in self.RUSH:
            colour = {"call": theme.PRIORITY, "finish_next": theme.PRIORITY, "skip": theme.DANGER}.get(action, theme.PRIMARY)
            button = BigButton(text=label(action), colour=colour, size_hint_x=1.3 if action == "finish_next" else 0.8)
            button.size_hint_y = 1
            button.font_size = THEME.fs_small * 1.1
            button.bind(on_release=lambda _b, a=action: app.act(a))
            self.buttons[action] = button
            row.add_widget(button)
        self.expand = BigButton(text=f"展开 F{STRIP_KEY}", colour=theme.SURFACE, size_hint_x=0.6)
        self.expand.size_hint_y = 1
        self.expand.font_size = THEME.fs_small * 1.1
        self.expand.bind(on_release=lambda _b: app.toggle_strip())
        row.add_widget(self.expand)
        self.add_widget(row)

    def show(self, view: dict[str, Any], enabled: dict[str, bool]) -> None:
        """Fill in from the window view; ``enabled`` says which actions can apply now."""
        current = view.get("current_ticket") or {}
        tag = f" {current['tag']}" if current.get("tag") else ""
        self.number.text = f"{self.app.window}号 {view.get('current') or '—'}{tag}"
        self.info.text = f"等候 {view.get('waiting_total', 0)} 人"
        for action, button in self.buttons.items():
            button.disabled = not enabled.get(action, False)


def strip_size(full: tuple[int, int]) -> tuple[int, int]:
    """The strip window's size for a panel of ``full`` size: the same width, a thin bar."""
    return full[0], int(THEME.button_h * STRIP_HEIGHT + THEME.gap)
