"""The review tablet's idle screen: who serves at this window (photo, name, 工号), the window's number and the
ticket being served.

Staff at a government counter work under their own name (亮证亮照上岗): the tablet shows the photo recorded with
``govhall staff photo`` (``staff_photo`` in the window's entry of ``/api/hall``), or, without one, a round avatar
with the first character of the name, never a stranger's face or a blank box. Citizens' names never appear here.
"""
from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Ellipse, Line
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.image import AsyncImage
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.common import theme
from kiosk.common.theme import THEME
from kiosk.common.widgets import Banner, Caption, Heading, NumberLabel, SmallCaption
from kiosk.ticketing.screens import AppScreen


def window_title(number: int) -> str:
    """The window as the sign over the counter and the voice name it: 3号窗口 (not its internal name)."""
    return f"{number}号窗口"


class StaffAvatar(FloatLayout):
    """The staff member's photo (3:4, as ID photos are), or a circle with the name's first character."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.photo = AsyncImage(source="", fit_mode="contain", opacity=0, size_hint=(1, 1),
                                pos_hint={"x": 0, "y": 0})
        self.photo.bind(on_load=self._photo_loaded, on_error=self._photo_failed)
        self.initial = Label(text="", font_name="NotoSansSC", bold=True, color=theme.TEXT,
                             pos_hint={"center_x": 0.5, "center_y": 0.5})
        self.add_widget(self.photo)
        self.add_widget(self.initial)
        self.url = ""
        self.name = ""
        self.bind(pos=self._draw, size=self._draw)

    def show(self, name: str | None, url: str) -> None:
        """Show ``url`` (an absolute photo address, or "" for none) for staff member ``name`` (None: nobody)."""
        if url != self.url:
            self.url = url
            self.photo.opacity = 0  # until the new photo has loaded: never the previous person's face
            self.photo.source = url
        self.name = name or ""
        self.initial.text = "" if self.showing_photo else self.name[:1]
        self._draw()

    @property
    def showing_photo(self) -> bool:
        """Whether the recorded photo (not the placeholder) is on show."""
        return bool(self.url) and self.photo.opacity == 1

    def _photo_loaded(self, *_args: Any) -> None:
        if self.url and self.photo.source == self.url:
            self.photo.opacity = 1
            self.initial.text = ""
            self._draw()

    def _photo_failed(self, *_args: Any) -> None:
        # a photo that cannot be fetched leaves the placeholder: the name and 工号 still say who serves
        self.photo.opacity = 0
        self.initial.text = self.name[:1]
        self._draw()

    def _draw(self, *_args: Any) -> None:
        self.canvas.before.clear()
        self.initial.font_size = max(1, min(self.width, self.height) * 0.45)
        if self.showing_photo or not self.initial.text:
            return
        side = min(self.width, self.height) * 0.9
        x, y = self.center_x - side / 2, self.center_y - side / 2
        with self.canvas.before:
            Color(*theme.PRIMARY)
            Ellipse(pos=(x, y), size=(side, side))
            Color(*theme.TEXT_DIM)
            Line(circle=(self.center_x, self.center_y, side / 2), width=2)


class IdleScreen(AppScreen):
    """Left: the staff card (photo, name, 工号). Right: N号窗口, the number being served, pauses and link state."""

    def __init__(self, app: Any) -> None:
        super().__init__(app, "idle")
        columns = BoxLayout(spacing=THEME.gap * 2)
        card = BoxLayout(orientation="vertical", size_hint_x=0.4, spacing=THEME.gap / 2)
        self.avatar = StaffAvatar(size_hint_y=1)
        card.add_widget(self.avatar)
        self.staff_name = Heading(text="")
        card.add_widget(self.staff_name)
        self.staff_no = Caption(text="")
        card.add_widget(self.staff_no)
        columns.add_widget(card)
        side = BoxLayout(orientation="vertical", spacing=THEME.gap / 2)
        self.window = Heading(text="", font_size=THEME.fs_number * 0.6)
        side.add_widget(self.window)
        side.add_widget(Widget(size_hint_y=0.3))
        side.add_widget(SmallCaption(text="正在办理"))
        self.current = NumberLabel(text="—", halign="center")
        side.add_widget(self.current)
        self.service = Caption(text="")
        side.add_widget(self.service)
        side.add_widget(Widget())
        self.banner = Banner(text="", colour=theme.WARNING)
        side.add_widget(self.banner)
        columns.add_widget(side)
        self.body.add_widget(columns)
        self.body.add_widget(SmallCaption(text="办结后请您对本次服务进行评价"))

    @property
    def staff(self) -> str:
        """Name and 工号 as one line (for logs and tests)."""
        return f"{self.staff_name.text}　{self.staff_no.text}".strip()

    def show(self, window: dict[str, Any] | None, online: bool) -> None:
        """Fill in from the window's entry of the hall snapshot."""
        self.window.text = window_title(self.app.window)
        window = window or {}
        name = window.get("staff_name")
        if name:
            self.staff_name.text = name
            self.staff_no.text = f"工号：{window.get('staff_no') or '—'}"
        else:
            self.staff_name.text, self.staff_no.text = "暂无工作人员登录", ""
        photo = window.get("staff_photo") if name else None
        self.avatar.show(name, self.app.client.base_url + photo if photo else "")
        current = window.get("current")
        if isinstance(current, dict):
            current = current.get("number")
        self.current.text = current or "—"
        service = self.app.hall_config.services.get(window.get("current_service") or "")
        self.service.text = service.name if service and current else ""
        if not online:
            self.banner.text = "连接中断"
        elif window.get("state") == "paused":
            self.banner.text = f"暂停服务 {window.get('pause_reason') or ''}".strip()
        else:
            self.banner.text = ""
