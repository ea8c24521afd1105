"""The ticket kiosk app (取号机): wires its screens to the server, the printer and the hall feed."""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from kivy.clock import Clock
from kivy.uix.screenmanager import ScreenManager

from kiosk.common.api import ApiClient, ApiResult
from kiosk.common.app_base import KioskApp
from kiosk.common.settings import KioskSettings
from kiosk.common.theme import THEME
from kiosk.common.voice import VoicePrompts
from kiosk.common.ws import HallFeed
from kiosk.guide.screens import GuideHomeScreen, GuideListScreen, GuideScreen, GuideSearchScreen
from kiosk.guide.content import notice_slip
from kiosk.ticketing.checkin import CheckInScreen, ProgressScreen
from kiosk.ticketing.departments import DepartmentsScreen, department_services
from kiosk.ticketing.issuer import IssueOutcome, TicketIssuer
from kiosk.ticketing.phone import PhoneScreen
from kiosk.ticketing.screens import (ConfirmScreen, ErrorScreen, HomeScreen, OfflineScreen, PriorityScreen,
                                     ServicesScreen, TicketScreen, WorkingScreen)


#: seconds between printer reports (the server counts a kiosk silent for 60 s as down)
REPORT_SECONDS = 20
PRINTER_PROBLEMS = ("paper_out", "cover_open", "offline", "error", "print_failed")
#: screens that need the server: when the link drops there, the kiosk says so at once (the offline screen)
NEEDS_SERVER = ("departments", "services", "priority", "confirm", "checkin", "phone")


class TicketKioskApp(KioskApp):
    """The 1080×1920 portrait ticket kiosk.

    :param printer: the kiosk's ``TicketPrinter`` (None: no printer, numbers are shown on screen only)
    :param clock: a ``queue_server.core.clock.Clock`` for printed times (default: the system clock)
    :param voice: the 适老模式 voice prompts (default: the hall's files in ``assets/sounds/prompts/``)
    """

    role = "ticket"

    def __init__(self, settings: KioskSettings, config: Any, *, printer: Any = None, clock: Any = None,
                 client: ApiClient | None = None, voice: VoicePrompts | None = None, **kwargs: Any) -> None:
        super().__init__(settings, config, client=client, **kwargs)
        self.voice = voice or VoicePrompts()
        from queue_server.core.clock import SystemClock

        self.printer = printer
        self.clock = clock or SystemClock()
        self.issuer = TicketIssuer(self.client, printer, config)
        self.snapshot: dict[str, Any] | None = None
        self.online = False
        self.outcomes: list[IssueOutcome] = []
        self.priority: str | None = None
        """the 绿色通道 category of the number being chosen (None: a walk-in)"""
        self.department: str | None = None
        """the department whose services are on show"""
        self._choice: tuple[str, str | None] | None = None
        self._back_to_guide = False  # the confirm step was reached from a guide page (取号办理)
        self._busy = False
        self.sms_offer: dict[str, Any] | None = None
        """``GET /api/phone-reminders`` when the hall sends SMS reminders (the ticket screen then offers them)"""
        self.feed = HallFeed(self.client, ["hall"], on_snapshot=self._snapshot, on_event=self._event,
                             on_connection=self._connection)
        self._refresh = Clock.create_trigger(self.refresh_snapshot, 0.3)

    def build_screens(self, screens: ScreenManager) -> None:
        screens.add_widget(HomeScreen(self))
        for name, factory in (("departments", DepartmentsScreen), ("services", ServicesScreen), ("priority", PriorityScreen), ("confirm", ConfirmScreen),
                              ("working", WorkingScreen), ("ticket", TicketScreen), ("error", ErrorScreen),
                              ("offline", OfflineScreen),
                              ("checkin", CheckInScreen), ("progress", ProgressScreen), ("phone", PhoneScreen),
                              ("guides", GuideHomeScreen),
                              ("guide_list", GuideListScreen), ("guide_search", GuideSearchScreen),
                              ("guide", GuideScreen)):
            self.lazy_screen(name, factory)
        self.get_screen("home").set_online(False)

    def on_start(self) -> None:
        self.feed.start()
        self.report_devices()
        self._reporting = Clock.schedule_interval(self.report_devices, REPORT_SECONDS)

    def on_stop(self) -> None:
        if getattr(self, "_reporting", None) is not None:
            self._reporting.cancel()
        self.feed.stop()
        super().on_stop()

    def report_devices(self, *_args: Any) -> None:
        """Tell the server how the printer is (paper, cover, link); the report is also this kiosk's heartbeat,
        so ``/api/health`` and the admin page show a kiosk that went silent."""
        printer = self.printer

        async def _report() -> None:
            if printer is None:
                devices = [{"device": "取号机", "kind": "kiosk", "ok": True, "detail": "未配置打印机"}]
            else:
                status = await asyncio.get_running_loop().run_in_executor(None, printer.status)
                devices = [{"device": "取号机打印机", "kind": "printer", "ok": status.ok,
                            "detail": None if status.ok else status.message}]
            await self.client.request("POST", "/api/devices/report", json_body={"devices": devices})

        self.client.submit(_report())

    # -- hall feed ---------------------------------------------------------------------------------------
    def _snapshot(self, data: dict[str, Any]) -> None:
        self.snapshot = data

    def _event(self, _name: str, _data: dict[str, Any]) -> None:
        self._refresh()

    def _connection(self, online: bool) -> None:
        self.online = online
        if online:  # the hall may have turned SMS on or off since: ask again at every (re)connection
            self.client.call("GET", "/api/phone-reminders", self._offer_read)
        self.get_screen("home").set_online(online)
        if not online and self.screens is not None and self.screens.current in NEEDS_SERVER:
            self.go("offline")  # the counts on show are stale and no number can be taken: say so now

    # -- screens and voice -------------------------------------------------------------------------------
    def go(self, name: str) -> Any:
        """Show screen ``name``; in 适老模式 its voice prompt plays."""
        screen = super().go(name)
        if THEME.elder:
            self.voice.play(name)
        return screen

    def on_idle(self) -> None:
        self.voice.stop()
        super().on_idle()

    def refresh_snapshot(self, *_args: Any) -> None:
        """Re-read ``GET /api/hall`` (waiting counts change with every event)."""
        self.client.call("GET", "/api/hall", self._hall_read)

    def _hall_read(self, result: ApiResult) -> None:
        if result.ok:
            self.snapshot = result.data
            if self.screens.current == "departments":  # only a screen on show is refilled
                self.get_screen("departments").show(self.priority, self.loads(), keep_scroll=True)
            elif self.screens.current == "services" and self.department is not None:
                self.get_screen("services").show(self.department, self.priority, self.loads(), keep_scroll=True)

    def loads(self) -> dict[str, dict[str, Any]]:
        """Service code → the snapshot's service entry (waiting, estimated wait)."""
        return {s["code"]: s for s in (self.snapshot or {}).get("services", [])}

    # -- taking a number ---------------------------------------------------------------------------------
    def toggle_elder(self) -> None:
        """Switch 适老模式 (larger type, one-column pages, voice prompts) on or off."""
        THEME.elder = not THEME.elder
        if THEME.elder:
            self.voice.play(self.screens.current if self.screens is not None else "home")
        else:
            self.voice.stop()

    def _server_needed(self) -> bool:
        """False, after showing the offline screen, when the server cannot be reached."""
        if not self.online:
            self.go("offline")
        return self.online

    def show_services(self, priority: str | None = None) -> None:
        """取号 starts here: the department grid, for a walk-in or for 绿色通道 category ``priority``."""
        if not self._server_needed():
            return
        self.priority = priority
        self.department = None
        self._choice = None
        self._back_to_guide = False
        self.go("departments").show(priority, self.loads())
        self.refresh_snapshot()

    def show_departments(self) -> None:
        """Back to the department grid from a department's services, keeping the 绿色通道 category and the place."""
        self.department = None
        self.go("departments").show(self.priority, self.loads(), keep_scroll=True)
        self.refresh_snapshot()

    def show_department(self, department: str) -> None:
        """A department was tapped: its services; a department with a single service goes to the confirm step."""
        services = self._services_of(department)
        self.department = department
        if len(services) == 1:
            self.choose_service(services[0], confirm=True)
            return
        self.go("services").show(department, self.priority, self.loads())
        self.refresh_snapshot()

    def take_number_from_guide(self, service: str) -> None:
        """取号办理 on a guide page: the service's confirm step; 返回 comes back to the guide."""
        self.priority = None
        self.department = None
        self._back_to_guide = True
        self.choose_service(service, confirm=True)

    def choose_general(self, service: str) -> None:
        """The 综合受理 tile of the department grid: its confirm step; 返回 comes back to the grid."""
        self.department = None
        self.choose_service(service, confirm=True)

    def _services_of(self, department: str) -> list[str]:
        return next((codes for code, _name, codes in department_services(self.hall_config) if code == department),
                    [])

    def show_priority(self) -> None:
        """绿色通道 (on the home screen): choose the category first."""
        if self._server_needed():
            self.go("priority")

    def choose_service(self, service: str, confirm: bool = False) -> None:
        """A service was chosen: the number is taken at once (the 绿色通道 category was chosen and its documents
        named on the category screen); ``confirm`` (a department's only service, 综合受理, a guide's item) asks
        first which service the number is for."""
        priority = self.priority
        if confirm:
            self._choice = (service, priority)
            self.go("confirm").show(self.hall_config.services[service].name,
                                    self.hall_config.priority_categories[priority] if priority else None,
                                    self.loads().get(service), bool(priority))
        else:
            self.take_number(service, priority)

    def confirm_choice(self) -> None:
        """The citizen confirmed the ticket on the confirm screen."""
        if self._choice is not None:
            service, priority = self._choice
            self._choice = None
            self._back_to_guide = False
            self.take_number(service, priority)

    def back_from_confirm(self) -> None:
        """返回 on the confirm screen: to the department's services, or to the grid for a one-service department."""
        self._choice = None
        if self._back_to_guide:
            self._back_to_guide = False
            self.go("guide")
        elif self.department is not None and len(self._services_of(self.department)) > 1:
            self.go("services").show(self.department, self.priority, self.loads(), keep_scroll=True)
        else:
            self.show_departments()

    def take_number(self, service: str, priority: str | None) -> None:
        """Check the printer, ask the server for a number, print it; then show the outcome."""
        if self._busy:
            return  # a double tap must not take two numbers
        self._busy = True
        self.go("working")
        self.issuer.take(service, self._issued, priority=priority)

    def check_in(self, code: str) -> None:
        """Check in an appointment and print its ticket."""
        if self._busy:
            return
        self._busy = True
        self.issuer.check_in(code, self._checked_in)

    def _checked_in(self, outcome: IssueOutcome) -> None:
        if outcome.kind == "refused" and outcome.problem in ("not_found", "invalid", "conflict"):
            self._busy = False
            text = "未找到该预约，请核对预约号后重试" if outcome.problem == "not_found" else outcome.detail
            self.get_screen("checkin").show_problem(text or outcome.message)
            return
        self._issued(outcome)

    def _issued(self, outcome: IssueOutcome) -> None:
        self._busy = False
        self.outcomes.append(outcome)
        if outcome.problem in PRINTER_PROBLEMS:
            self.report_devices()  # staff learn of paper out at once, not at the next heartbeat
        if outcome.ticket is not None:
            self.go("ticket").show(outcome)
        else:
            self.go("error").show(outcome.message)
        if self.idle is not None:
            self.idle.reset()

    # -- the phone for SMS reminders --------------------------------------------------------------------
    def _offer_read(self, result: ApiResult) -> None:
        self.sms_offer = result.data if result.ok and isinstance(result.data, dict) and result.data.get("offered") \
            else None

    def show_phone(self) -> None:
        """留手机号接收到号提醒 on the ticket screen: the numeric pad for the ticket on show."""
        if self.sms_offer and self._server_needed():
            self.go("phone").show(self.get_screen("ticket").ticket, self.sms_offer)

    def leave_phone(self, token: str, phone: str, on_done: Callable[[ApiResult], None]) -> None:
        """Send the typed number for the ticket (``POST /api/tickets/{token}/phone``); ``on_done`` on the UI thread."""
        self.client.call("POST", f"/api/tickets/{token}/phone", on_done, json_body={"phone": phone})

    def phone_left(self, masked: str) -> None:
        """Back to the ticket, which now shows the masked number."""
        self.go("ticket").phone_left(masked)

    def skip_phone(self) -> None:
        """跳过: back to the ticket, no number left."""
        self.go("ticket")

    # -- progress and guides -----------------------------------------------------------------------------
    def show_check_in(self) -> None:
        """预约签到."""
        if self._server_needed():
            self.go("checkin")

    def show_progress(self) -> None:
        """查询进度: type a number; the windows serving now, from the live snapshot."""
        self.go("progress")

    def look_up(self, number: str, on_done: Callable[[ApiResult], None]) -> None:
        """Today's ticket ``number`` (``GET /api/tickets/by-number/…``); ``on_done`` runs on the UI thread."""
        self.client.call("GET", f"/api/tickets/by-number/{number}", on_done)

    def show_guides(self) -> None:
        """办事指南 home."""
        self.go("guides")

    def show_guide_search(self) -> None:
        """The pinyin-initials keypad."""
        self.go("guide_search")

    def show_guide_department(self, department: str, name: str) -> None:
        """The guides of one department."""
        self.client.call("GET", "/api/guides", lambda r: self.go("guide_list").show(name, r, department),
                         params={"department": department})

    def show_guide(self, code: str) -> None:
        """One guide's page."""
        self.client.call("GET", f"/api/guides/{code}", lambda r: self.go("guide").show(r))

    def print_slip(self, guide: dict[str, Any], on_done: Callable[[bool, str], None]) -> None:
        """Print the 一次性告知单 of ``guide`` on the kiosk printer."""
        if self.printer is None:
            on_done(False, "本机未连接打印机，请到咨询台打印")
            return
        document = notice_slip(guide, self.hall_config.hall.name, self.clock.now(), self.hall_config.hall.tz)

        async def _print() -> tuple[bool, str]:
            status = await asyncio.get_running_loop().run_in_executor(None, self.printer.status)
            if not status.ok:
                return False, f"{status.message}，请到咨询台打印"
            try:
                await asyncio.get_running_loop().run_in_executor(None, self.printer.print_document, document)
            except Exception as exc:  # noqa: BLE001 - any failure is told to the citizen
                return False, f"{getattr(exc, 'message', '打印失败')}，请到咨询台打印"
            return True, "告知单已打印，请取走"

        future = self.client.submit(_print())
        future.add_done_callback(lambda f: self.client.deliver(lambda: on_done(*f.result())))
