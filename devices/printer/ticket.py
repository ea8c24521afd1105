"""From the server's ticket JSON (API.md) and the hall's config to a :class:`TicketPrint`, for kiosks."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from devices.printer.document import TicketPrint
from queue_server.core.config import HallConfig


def windows_text(numbers: Iterable[int], limit: int = 4) -> str | None:
    """Window numbers as a citizen reads them, e.g. ``1、2、3号窗口`` (None for none): the ticket and the kiosk's
    screen say it the same way.

    :param limit: name at most this many windows; more become ``1、2、3、4等窗口``
    """
    numbers = sorted(numbers)
    if not numbers:
        return None
    shown = "、".join(str(n) for n in numbers[:limit])
    return f"{shown}号窗口" if len(numbers) <= limit else f"{shown}等窗口"


def window_hint(config: HallConfig, service: str, limit: int = 4) -> str | None:
    """Where a service is served (:func:`windows_text`; None when no window lists it, e.g. a tidal-only service)."""
    return windows_text(config.windows_serving(service), limit)


def ticket_print_from_api(ticket: dict[str, Any], config: HallConfig) -> TicketPrint:
    """What to print for a ticket the server issued (``POST /api/tickets`` answer).

    :param ticket: the ticket JSON (``number``, ``service``, ``ahead``, ``estimated_wait_min``, ``issued_at``,
        ``status_url``, ``priority``)
    :param config: the hall's config (names, time zone, notice lines)
    """
    service = config.services.get(ticket["service"])
    priority = ticket.get("priority")
    return TicketPrint(
        hall_name=config.hall.name,
        service_name=service.name if service else ticket["service"],
        number=ticket["number"],
        ahead=int(ticket.get("ahead") or 0),
        estimated_wait_min=ticket.get("estimated_wait_min"),
        issued_at=datetime.fromisoformat(ticket["issued_at"]),
        tz=config.hall.tz,
        status_url=ticket["status_url"],
        notice=list(config.hall.notice),
        priority_label=config.priority_categories.get(priority, priority) if priority else None,
        window_hint=window_hint(config, ticket["service"]),
    )
