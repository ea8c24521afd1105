"""The staff panel app (虚拟呼叫器): log in to a window, then drive it through the window routes of API.md.

It follows ``/api/ws?topics=hall,window:N`` with the staff token: any event refreshes the window view
(``GET /api/windows/{n}``), and a ``tidal.opened`` order for this window shows until staff acknowledge it
(``POST /api/windows/{n}/tidal/ack``). The day's support plan (每日兼办) shows as a calm line, from the window
object (``plan_service_name``) and from ``tidal.planned``.
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
from kiosk.staff.screens import LoginScreen, PanelScreen, PickScreen

PAUSE_REASONS = ("午间休息", "临时离开", "业务培训", "系统故障")
TRANSFER_REASONS = ("非本窗口业务", "需其他窗口协办", "群众申请")
DONE = {"call": "已叫号 {number}", "recall": "已重呼 {number}", "start": "开始办理 {number}",
        "finish": "已办结 {number}", "skip": "已过号 {number}", "hold": "已挂起 {number}",
        "resume": "已回呼 {number}", "transfer": "已转移 {number}", "requeue": "{number} 已重新排队"}


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

    def build_screens(self, screens: ScreenManager) -> None:
        for screen in (LoginScreen(self), PanelScreen(self), PickScreen(self)):
            screens.add_widget(screen)

    def on_stop(self) -> None:
        if self.feed is not None:
            self.feed.stop()
        super().on_stop()

    def window_name(self) -> str:
        """The window's display name."""
        conf = self.hall_config.windows.get(self.window)
        return conf.name if conf else f"{self.window}号窗口"

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
        """One of the panel's buttons."""
        if action == "resume":
            # the server's lists: numbers held or skipped at this window today, whoever did it
            self.go("pick").show("回呼哪个挂起的号码？", [(n, n) for n in self.view.get("held", [])],
                                 lambda number: self.post(action, {"ticket": number}))
        elif action == "requeue":
            self.go("pick").show("哪个过号的群众已到场？（按本大厅规则重新排队）", [(n, n) for n in self.view.get("skipped", [])],
                                 lambda number: self.post(action, {"ticket": number}))
        elif action == "transfer":
            self.go("pick").show("转移到：", [("其他业务", "service"), ("指定窗口", "window")], self._transfer_target)
        else:
            self.post(action, None)

    def _transfer_target(self, kind: str) -> None:
        if kind == "service":
            current = self.view.get("current_service")
            choices = [(s.name, {"to_service": s.code}) for s in self.hall_config.services.values()
                       if s.code != current]
            self.go("pick").show("转移到哪项业务？", choices, self._transfer_reason)
        else:
            choices = [(f"{w.number}号 {w.name}", {"to_window": w.number}) for w in self.hall_config.windows.values()
                       if w.number != self.window]
            self.go("pick").show("转移到哪个窗口？", choices, self._transfer_reason)

    def _transfer_reason(self, target: dict[str, Any]) -> None:
        self.go("pick").show("转移原因", [(r, r) for r in TRANSFER_REASONS],
                             lambda reason: self.post("transfer", {**target, "reason": reason}))

    def toggle_pause(self) -> None:
        """暂停服务 (with a reason) or 恢复服务."""
        if self.view.get("state") == "paused":
            self.post("open", None)
        else:
            self.go("pick").show("暂停原因", [(r, r) for r in PAUSE_REASONS],
                                 lambda reason: self.post("pause", {"reason": reason}))

    def post(self, action: str, body: dict[str, Any] | None) -> None:
        """``POST /api/windows/{n}/{action}``."""
        self.go("panel")
        self.client.call("POST", f"/api/windows/{self.window}/{action}", lambda r: self._acted(action, body, r),
                         json_body=body)

    def _acted(self, action: str, body: dict[str, Any] | None, result: ApiResult) -> None:
        self.last_result = result
        if result.ok:
            number = (result.data or {}).get("number", "") if isinstance(result.data, dict) else ""
            if action == "requeue" and body:
                number = body["ticket"]
            text = DONE.get(action, {"pause": "已暂停服务", "open": "已恢复服务"}.get(action, "完成"))
            self.panel.say(text.format(number=number), theme.PRIORITY)
        elif result.error == "queue_empty":
            self.panel.say("当前没有等候的号码", theme.SURFACE)
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
