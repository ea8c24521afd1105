"""Taking a number end to end: printer check, the server's ticket, the printout — in that order.

Rules (issue 4): never show a number the server has not recorded; check the printer before taking a number; if
printing fails after the server issued the ticket, the number is still shown with a clear instruction. All of it
runs on the API client's loop (printer I/O in a worker thread), and the :class:`IssueOutcome` comes back on the
UI thread.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from devices.printer.ticket import ticket_print_from_api
from kiosk.common.api import ApiClient, ApiResult

log = logging.getLogger(__name__)

# Citizen-facing messages (Chinese UI text).
MSG_UNREACHABLE = "系统暂时无法连接，无法取号。\n请到咨询台由工作人员为您取号。"
MSG_PRINTER = "取号机暂时无法打印号票（{reason}）。\n请到咨询台取号，或使用其他取号机。"
MSG_PRINT_FAILED = ("号票打印失败，但您的号码已登记。\n请记下上面的号码或用手机扫描二维码，"
                    "留意叫号；如需纸质号票请到咨询台。")
MSG_REFUSED = "暂时无法取号：{message}\n如有疑问请到咨询台咨询。"


@dataclass
class IssueOutcome:
    """How taking a number ended.

    :param kind: ``printed`` (ticket issued and printed), ``print_failed`` (issued, show it on screen),
        ``refused`` (no ticket: printer not ready, server refused or unreachable)
    :param ticket: the server's ticket (API.md shape) when one was issued
    :param message: Chinese text for the citizen (empty when all went well)
    :param problem: machine-readable cause (``paper_out``, ``unreachable``, ``closed``, …)
    :param detail: the server's own message when it refused
    """

    kind: str
    ticket: dict[str, Any] | None = None
    message: str = ""
    problem: str | None = None
    detail: str = ""


def _outcome(future: Any) -> IssueOutcome:
    """The future's outcome; an unexpected failure becomes a refusal (the kiosk must never hang on 请稍候)."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - logged, and the citizen is sent to the desk
        log.exception("taking a number failed")
        return IssueOutcome("refused", message=MSG_UNREACHABLE, problem="error")


class TicketIssuer:
    """Takes numbers for one kiosk.

    :param client: the kiosk's API client (kiosk token)
    :param printer: a ``devices.printer.base.TicketPrinter``, or None for a kiosk without printer
    :param config: the hall config (names, notice lines, time zone)
    """

    def __init__(self, client: ApiClient, printer: Any, config: Any) -> None:
        self.client = client
        self.printer = printer
        self.config = config

    def take(self, service: str, on_done: Callable[[IssueOutcome], None], *, priority: str | None = None) -> None:
        """Take a walk-in (or priority) number for ``service``; ``on_done`` runs on the UI thread."""
        body: dict[str, Any] = {"service": service, "request_id": uuid.uuid4().hex}
        if priority:
            body["priority"] = priority
        self._start(lambda: self._post("/api/tickets", body), on_done)

    def check_in(self, code: str, on_done: Callable[[IssueOutcome], None]) -> None:
        """Check in appointment ``code`` and print its ticket; ``on_done`` runs on the UI thread."""
        self._start(lambda: self._post(f"/api/appointments/{code}/check-in", None), on_done)

    def _start(self, post: Callable[[], Any], on_done: Callable[[IssueOutcome], None]) -> None:
        future = self.client.submit(self._issue(post))
        future.add_done_callback(lambda f: self.client.deliver(lambda: on_done(_outcome(f))))

    async def _post(self, path: str, body: dict[str, Any] | None) -> ApiResult:
        result = await self.client.request("POST", path, json_body=body)
        if result.unreachable and body is not None:
            # One retry with the same request_id: the server answers with the same ticket if the first got through.
            await asyncio.sleep(0.2)
            result = await self.client.request("POST", path, json_body=body)
        return result

    async def _issue(self, post: Callable[[], Any]) -> IssueOutcome:
        loop = asyncio.get_running_loop()
        if self.printer is not None:
            status = await loop.run_in_executor(None, self.printer.status)
            if not status.ok:
                return IssueOutcome("refused", message=MSG_PRINTER.format(reason=status.message),
                                    problem=status.problem or "printer")
        result: ApiResult = await post()
        if result.unreachable:
            return IssueOutcome("refused", message=MSG_UNREACHABLE, problem="unreachable")
        if not result.ok:
            return IssueOutcome("refused", message=MSG_REFUSED.format(message=result.message or result.error),
                                problem=result.error, detail=result.message)
        ticket = result.data
        if self.printer is None:
            return IssueOutcome("print_failed", ticket, MSG_PRINT_FAILED, "no_printer")
        try:
            document = ticket_print_from_api(ticket, self.config)
            await loop.run_in_executor(None, self.printer.print_ticket, document)
        except Exception as exc:  # noqa: BLE001 - any printing failure leaves the citizen with the on-screen number
            return IssueOutcome("print_failed", ticket, MSG_PRINT_FAILED, getattr(exc, "problem", "error"))
        return IssueOutcome("printed", ticket)
