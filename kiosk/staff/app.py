"""The staff panel app (虚拟呼叫器): log in to a window, then drive it through the window routes of API.md.

It follows ``/api/ws?topics=hall,window:N`` with the staff token: any event refreshes the window view
(``GET /api/windows/{n}``), and a ``tidal.opened`` order for this window shows until staff acknowledge it
(``POST /api/windows/{n}/tidal/ack``). The day's support plan (每日兼办) shows as a calm line, from the window
object (``plan_service_name``) and from ``tidal.planned``. 服务举措 and 受理承诺件 open the duty screens
(:mod:`kiosk.staff.duty_screens`) for the ticket at the counter or the one this panel finished last.
"""
from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.uix.screenmanager import ScreenManager

from kiosk.common import theme
from kiosk.common.api import ApiClient, ApiResult
from kiosk.common.app_base import KioskApp
from kiosk.common.settings import KioskSettings
from kiosk.common.ws import HallFeed
from kiosk.staff.duties import Duties
from kiosk.staff.duty_screens import CaseScreen, PracticesScreen
from kiosk.staff.screens import LoginScreen, PanelScreen, PickScreen
from kiosk.staff.strip import ACTIONS, PAUSE_KEY, STRIP_KEY, StripScreen, bind_keys, strip_size

DUTY_SCREENS = ("practices", "case")
PAUSE_REASONS = ("午间休息", "临时离开", "业务培训", "系统故障")
TRANSFER_REASONS = ("非本窗口业务", "需其他窗口协办", "群众申请")
DONE = {"call": "已叫号 {number}", "recall": "已重呼 {number}", "start": "开始办理 {number}",
        "finish": "已办结 {number}", "skip": "已过号 {number}", "hold": "已挂起 {number}",
        "resume": "已回呼 {number}", "transfer": "已转移 {number}", "requeue": "{number} 已重新排队",
        "finish_next": "已办结并叫号 {number}"}


class StaffPanelApp(KioskApp):
    """The counter staff's panel on a staff PC (or a tablet)."""

    role = "staff"
    home_screen = "login"
    uses_idle_timer = False

    def __init__(self, settings: KioskSettings, config: Any, *, client: ApiClient | None = None,
                 **kwargs: Any) -> None:
        super().__init__(settings, config, client=client, **kwargs)
        self.window: int = settings.window
        self.view: dict[str, Any] = {}
        self.tidal_order: dict[str, Any] | None = None
        self.feed: HallFeed | None = None
        self.last_result: ApiResult | None = None
        self._refresh = Clock.create_trigger(lambda _dt: self.refresh(), 0.2)
        self.busy = False  # a request is in flight: every button waits (a double press must not act twice)
        self.full_size: tuple[int, int] | None = None  # the panel's window size while the strip is shown
        # the number (and service) this panel finished last: its duties can still be recorded after the next call
        self.previous: dict[str, str] | None = None
        self.duties = Duties(self, self._duties_changed)

    def build_screens(self, screens: ScreenManager) -> None:
        for screen in (LoginScreen(self), PanelScreen(self), PickScreen(self), StripScreen(self),
                       PracticesScreen(self), CaseScreen(self)):
            screens.add_widget(screen)
        bind_keys(self)

    def on_stop(self) -> None:
        if self.feed is not None:
            self.feed.stop()
        super().on_stop()

    def window_name(self) -> str:
        """The window's display name."""
        conf = self.hall_config.windows.get(self.window)
        return conf.name if conf else f"{self.window}号窗口"

    def service_name(self, code: str) -> str:
        """A service's name (its code when unknown)."""
        service = self.hall_config.services.get(code)
        return service.name if service else code

    @property
    def panel(self) -> PanelScreen:
        """The panel screen."""
        return self.get_screen("panel")

    # -- login -------------------------------------------------------------------------------------------
    def log_in(self, staff_no: str, password: str, window: int) -> None:
        """``POST /api/login`` with 工号, password and window."""
        body = {"staff_no": staff_no, "password": password, "window": window}
        self.client.call("POST", "/api/login", lambda r: self._logged_in(window, r), json_body=body)

    def _logged_in(self, window: int, result: ApiResult) -> None:
        login = self.get_screen("login")
        if not result.ok:
            login.show_problem("无法连接服务器，请稍后重试" if result.unreachable else
                               "工号或密码错误" if result.status == 401 else result.message or "登录失败")
            return
        if result.data.get("role") != "staff" or result.data.get("window") != window:
            login.show_problem("该账号不是窗口工作人员账号")
            return
        login.show_problem("")
        login.password.text = ""
        self.window = window
        self.client.token = result.data["token"]
        self.feed = HallFeed(self.client, ["hall", f"window:{window}"], on_snapshot=lambda _d: self._refresh(),
                             on_event=self._event, on_connection=self._connection)
        self.feed.start()
        self.go("panel")
        self.panel.say(f"{result.data.get('name', '')} 已登录{self.window_name()}")
        self.refresh()

    # -- window view -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the window (current ticket, waiting counts, state)."""
        self.client.call("GET", f"/api/windows/{self.window}", self._window_read)

    def _window_read(self, result: ApiResult) -> None:
        if result.ok:
            self.view = result.data
            self.panel.show(self.view)
            self.show_enabled()
            self.duties.follow()

    def enabled(self) -> dict[str, bool]:
        """Which actions can apply now, from the window view (and nothing while a request is in flight)."""
        v = self.view
        if self.busy or not v:
            return {}
        is_open, current, waiting = v.get("state") == "open", bool(v.get("current")), v.get("waiting_total", 0) > 0
        return {"call": is_open and not current and waiting, "finish_next": is_open and (current or waiting),
                "recall": current, "start": current and v.get("current_status") == "called", "finish": current,
                "skip": current, "hold": current, "transfer": current,
                "resume": not current and bool(v.get("held")), "requeue": bool(v.get("skipped"))}

    def show_enabled(self) -> None:
        """Grey out what cannot apply, on the panel and the strip."""
        enabled = self.enabled()
        self.panel.enable(enabled)
        self.get_screen("strip").show(self.view, enabled)
        for name in DUTY_SCREENS:
            self.get_screen(name).enable(enabled)

    def _duties_changed(self) -> None:
        """What the duties show changed (a new target, its records, the kinds): the panel's line, the screen."""
        self.panel.show_duties(self.duties.target(), self.duties.names())
        if self.screens is not None and self.screens.current in DUTY_SCREENS:
            self.screen.show()

    def _connection(self, online: bool) -> None:
        if not online:
            self.panel.say("连接中断，正在重连……", theme.DANGER)
        else:
            self.panel.say("已连接")

    def _event(self, name: str, data: dict[str, Any]) -> None:
        if data.get("window") == self.window:
            if name == "tidal.opened":
                self.tidal_order = data
                reason = f"（{data['reason']}）" if data.get("reason") else ""
                self.panel.show_tidal(f"潮汐窗口：请开始办理“{data.get('service_name') or data.get('service')}”{reason}")
            elif name == "tidal.planned":
                self.panel.show_plan(data.get("service_name") or data.get("service"))
            elif name in ("tidal.acknowledged", "tidal.closed"):
                self.tidal_order = None
                self.panel.show_tidal(None)
                if name == "tidal.closed":
                    self.panel.say("潮汐业务已关闭")
        self._refresh()

    # -- actions -----------------------------------------------------------------------------------------
    def act(self, action: str) -> None:
        """One of the panel's (or the strip's) buttons, or its F-key."""
        if action == "resume":
            # the server's lists: numbers held or skipped at this window today, whoever did it
            self.go("pick").show("回呼哪个挂起的号码？", [(n, n) for n in self.view.get("held", [])],
                                 lambda number: self.post(action, {"ticket": number}))
        elif action == "requeue":
            self.go("pick").show("哪个过号的群众已到场？（按本大厅规则重新排队）", [(n, n) for n in self.view.get("skipped", [])],
                                 lambda number: self.post(action, {"ticket": number}))
        elif action == "transfer":
            self.transfer_targets()
        elif action == "skip":  # a 过号 cannot be undone at the counter: ask once
            number = self.view.get("current") or ""
            self.go("pick").show(f"确认 {number} 未到场，过号？", [(f"确认过号 {number}", "skip")],
                                 lambda _v: self.post("skip", {"reason": "未到场"}))
        elif action == "finish_next":
            self.post("finish_next", {"finish_current": True, "expect": self.view.get("current")})
        else:
            self.post(action, None)

    def transfer_targets(self, everything: bool = False) -> None:
        """One screen: the reason chips (the first chosen) over the targets, so a common target is one tap after
        转移; the current number stays in the heading. Common targets first: 综合受理 and the services of the
        windows the hall has open, then 更多…"""
        number, current = self.view.get("current") or "", self.view.get("current_service")
        general = self.settings.general_service
        services = [s for s in self.hall_config.services.values() if s.code != current]
        if not everything:
            common = {general} | {code for w in self.hall_config.windows.values() if w.number != self.window
                                  for code in (w.services or ())[:1]}
            services = [s for s in services if s.code in common]
        choices = [(s.name, {"to_service": s.code}) for s in services]
        if everything:
            choices += [(f"{w.number}号窗口 {w.name}", {"to_window": w.number})
                        for w in self.hall_config.windows.values() if w.number != self.window]
        else:
            choices.append(("更多业务和指定窗口…", "more"))

        def picked(target: Any) -> None:
            if target == "more":
                self.transfer_targets(everything=True)
            else:
                self.post("transfer", {**target, "reason": self.get_screen("pick").reason})
        self.go("pick").show(f"把 {number} 转移到：", choices, picked, reasons=TRANSFER_REASONS)

    def press_key(self, number: int) -> bool:
        """An F-key: the action it is shown on, if that action can apply now."""
        if number == STRIP_KEY:
            self.toggle_strip()
            return True
        if number == PAUSE_KEY:
            self.toggle_pause()
            return True
        action = next((a for a, (_name, key) in ACTIONS.items() if key == number), None)
        if action is None or not self.enabled().get(action):
            return False
        self.act(action)
        return True

    def toggle_strip(self) -> None:
        """Full panel ↔ the compact always-on-top strip (条形模式) over the business system."""
        from kivy.core.window import Window

        if self.screens.current != "strip":
            self.full_size = tuple(Window.size)
            Window.always_on_top = True
            Window.size = strip_size(self.full_size)
            self.go("strip")
        else:
            Window.always_on_top = False
            if self.full_size:
                Window.size = self.full_size
            self.go("panel")
        self.show_enabled()

    def confirm_logout(self) -> None:
        """交班/退出: the next clerk logs in at the same window; the server forgets this session."""
        name = self.view.get("staff_name") or ""
        self.go("pick").show(f"{name} 交班退出？下一位工作人员请重新登录。", [("确认交班退出", "out")],
                             lambda _v: self.log_out())

    def log_out(self) -> None:
        """``POST /api/logout``, then back to the login screen (whatever the answer: the clerk is leaving)."""
        def done(_result: ApiResult) -> None:
            if self.feed is not None:
                self.feed.stop()
                self.feed = None
            self.client.token = None
            self.view, self.tidal_order, self.previous, self.duties.chosen = {}, None, None, None
            self.duties.follow()
            self.get_screen("login").show_problem("")
            self.go("login")
        self.client.call("POST", "/api/logout", done)

    def toggle_pause(self) -> None:
        """暂停服务 (with a reason) or 恢复服务."""
        if self.view.get("state") == "paused":
            self.post("open", None)
        else:
            self.go("pick").show("暂停原因", [(r, r) for r in PAUSE_REASONS],
                                 lambda reason: self.post("pause", {"reason": reason}))

    def post(self, action: str, body: dict[str, Any] | None) -> None:
        """``POST /api/windows/{n}/{action}`` (办结并叫下一位 is the call with ``finish_current``)."""
        if self.screens.current != "strip":
            self.go("panel")
        self.busy = True
        self.show_enabled()
        path = "call" if action == "finish_next" else action
        # who is at the counter as the action starts (a WebSocket event may refresh the view before the answer)
        before = {"number": self.view.get("current"), "service": self.view.get("current_service") or ""}
        self.client.call("POST", f"/api/windows/{self.window}/{path}",
                         lambda r: self._acted(action, body, r, before), json_body=body)

    def _acted(self, action: str, body: dict[str, Any] | None, result: ApiResult,
               before: dict[str, Any] | None = None) -> None:
        self.last_result = result
        self.busy = False
        # a finish stands even when nobody waits (queue_empty): that citizen is the one "just finished"
        if action in ("finish", "finish_next") and (result.ok or result.error == "queue_empty") \
                and before and before["number"]:
            self.previous, self.duties.chosen = before, None
        if result.ok:
            number = (result.data or {}).get("number", "") if isinstance(result.data, dict) else ""
            if action == "requeue" and body:
                number = body["ticket"]
            text = DONE.get(action, {"pause": "已暂停服务", "open": "已恢复服务"}.get(action, "完成"))
            self.panel.say(text.format(number=number), theme.PRIORITY)
        elif result.error == "queue_empty":
            self.panel.say(result.message if action == "finish_next" else "当前没有等候的号码", theme.SURFACE)
        elif result.unreachable:
            self.panel.say("连接中断，操作未完成，请稍后重试", theme.DANGER)
        else:
            self.panel.say(result.message or "操作失败", theme.DANGER)
        self.refresh()

    def acknowledge_tidal(self) -> None:
        """Staff acknowledge the tidal order."""
        self.client.call("POST", f"/api/windows/{self.window}/tidal/ack", self._acknowledged)

    def _acknowledged(self, result: ApiResult) -> None:
        if result.ok:
            self.tidal_order = None
            self.panel.show_tidal(None)
            self.panel.say("已确认潮汐业务", theme.PRIORITY)
        else:
            self.panel.say(result.message or "确认失败，请重试", theme.DANGER)
