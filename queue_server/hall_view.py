"""Read side of the hall: ticket views, queue positions, estimates and the snapshot of ``GET /api/hall``.

Public views carry ticket numbers and service names only: no names, phones or ID numbers.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlite_utils import Database

from .clock import Clock, from_iso
from .config import HallConfig
from .hall_time import business_day
from .policy.estimate import ServiceLoad, capacity_share, estimate_wait_minutes
from .policy.ordering import OrderRule, QueuedTicket, ahead_of

_TICKET_COLUMNS = (
    "id, number, service, status, priority, kind, token, issued_at, called_at, finished_at, window, target_window, "
    "ahead_at_issue, estimate_min_at_issue, business_day, requeues"
)


def public_ticket(ticket: dict) -> dict:
    """The fields of a ticket anyone holding its token may see."""
    keys = ("number", "service", "service_name", "status", "ahead", "estimated_wait_min", "window", "called_at",
            "issued_at", "review_url", "kind")
    return {k: ticket.get(k) for k in keys}


class HallView:
    """Queries over the hall's state, shared by the operations and the read-only routes."""

    def __init__(self, config: HallConfig, db: Database, clock: Clock) -> None:
        self.config = config
        self.db = db
        self.clock = clock
        self.order_rule = OrderRule(config.queue.class_order, config.queue.service_order_first)

    def today(self) -> str:
        return business_day(self.clock.now(), self.config.hall).isoformat()

    # -- tickets ------------------------------------------------------------------------------------------------

    def _ticket_dict(self, row: tuple) -> dict:
        cols = [c.strip() for c in _TICKET_COLUMNS.split(",")]
        ticket = dict(zip(cols, row))
        service = self.config.services.get(ticket["service"])
        ticket["service_name"] = service.name if service else ticket["service"]
        base = self.config.hall.public_url
        ticket["status_url"] = f"{base}/t/{ticket['token']}"
        ticket["review_url"] = f"{base}/r/{ticket['token']}"
        for key in ("issued_at", "called_at", "finished_at"):
            ticket[key] = self._local_iso(ticket[key])
        if ticket["status"] in ("waiting", "transferred"):
            ticket["ahead"], ticket["estimated_wait_min"] = self.position(ticket["id"])
        else:
            ticket["ahead"], ticket["estimated_wait_min"] = 0, 0 if ticket["status"] in ("called", "serving") else None
        return ticket

    def _local_iso(self, stored: str | None) -> str | None:
        """Stored UTC text as ISO 8601 with the hall's offset, as the API speaks."""
        value = from_iso(stored)
        return None if value is None else value.astimezone(self.config.hall.tz).isoformat(timespec="seconds")

    def ticket_by_id(self, ticket_id: int) -> dict:
        row = self.db.execute(f"select {_TICKET_COLUMNS} from tickets where id = ?", [ticket_id]).fetchone()
        return self._ticket_dict(row)

    def ticket_by_token(self, token: str) -> dict | None:
        row = self.db.execute(f"select {_TICKET_COLUMNS} from tickets where token = ?", [token]).fetchone()
        return None if row is None else self._ticket_dict(row)

    def waiting_tickets(self) -> list[QueuedTicket]:
        rows = self.db.execute(
            "select id, service, kind, queue_at, target_window from tickets "
            "where business_day = ? and status in ('waiting', 'transferred')", [self.today()],
        ).fetchall()
        return [QueuedTicket(*row) for row in rows]

    def waiting_count(self, service: str) -> int:
        return self.db.execute(
            "select count(*) from tickets where business_day = ? and service = ? and status in ('waiting', 'transferred')",
            [self.today(), service]).fetchone()[0]

    def position(self, ticket_id: int) -> tuple[int, int | None]:
        """(people ahead, estimated minutes) for a waiting ticket."""
        waiting = self.waiting_tickets()
        ticket = next((t for t in waiting if t.id == ticket_id), None)
        if ticket is None:
            return 0, None
        ahead = ahead_of(ticket, waiting, self.order_rule)
        load = self.service_loads(waiting).get(ticket.service)
        return ahead, estimate_wait_minutes(ahead, load) if load else None

    # -- windows and services -----------------------------------------------------------------------------------

    def window_services(self, window: int, tidal_service: str | None = ...) -> list[str]:  # type: ignore[assignment]
        """The services a window calls for now: its own, plus a tidal assignment."""
        if tidal_service is ...:
            row = self.db.execute("select tidal_service from windows where number = ?", [window]).fetchone()
            tidal_service = row[0] if row else None
        services = list(self.config.windows[window].services)
        if tidal_service and tidal_service not in services:
            services.append(tidal_service)
        return services

    def _window_rows(self) -> list[tuple]:
        return self.db.execute(
            "select w.number, w.state, w.current_ticket_id, w.pause_reason, w.tidal_service, w.staff_no, w.staff_name, "
            "t.number, t.service, t.status from windows w left join tickets t on t.id = w.current_ticket_id order by w.number"
        ).fetchall()

    def _window_dict(self, row: tuple) -> dict:
        number, state, _, reason, tidal, staff_no, staff_name, current, current_service, current_status = row
        conf = self.config.windows[number]
        return {
            "number": number, "name": conf.name, "state": state, "pause_reason": reason,
            "current": current, "current_service": current_service, "current_status": current_status,
            "services": self.window_services(number, tidal), "tidal": tidal, "standby": conf.standby,
            "staff_no": staff_no, "staff_name": staff_name,
        }

    def window_view(self, window: int) -> dict:
        row = next(r for r in self._window_rows() if r[0] == window)
        return self._window_dict(row)

    def service_loads(self, waiting: list[QueuedTicket] | None = None) -> dict[str, ServiceLoad]:
        """The queue state of every service: waiting count, fractional open capacity, recent service times."""
        waiting = self.waiting_tickets() if waiting is None else waiting
        counts: dict[str, int] = defaultdict(int)
        for t in waiting:
            counts[t.service] += 1
        open_services = [self.window_services(r[0], r[4]) for r in self._window_rows() if r[1] == "open" and r[0] in self.config.windows]
        recent: dict[str, list[float]] = defaultdict(list)
        rows = self.db.execute(
            "select service, called_at, finished_at from tickets where business_day = ? and status = 'finished' "
            "and called_at is not null order by finished_at", [self.today()]).fetchall()
        for service, called, finished in rows:
            recent[service].append((from_iso(finished) - from_iso(called)).total_seconds() / 60)
        return {
            code: ServiceLoad(code, counts[code], capacity_share(open_services, code), tuple(recent[code]), srv.minutes)
            for code, srv in self.config.services.items()
        }

    def snapshot(self) -> dict:
        """``GET /api/hall``: services with waits, windows with their current numbers, the latest calls."""
        waiting = self.waiting_tickets()
        loads = self.service_loads(waiting)
        services = []
        for code, srv in self.config.services.items():
            load = loads[code]
            services.append({
                "code": code, "name": srv.name, "prefix": srv.prefix, "department": srv.department,
                "department_name": self.config.departments[srv.department].name,
                "waiting": load.waiting, "estimated_wait_min": estimate_wait_minutes(load.waiting, load),
            })
        windows = [self._window_dict(r) for r in self._window_rows() if r[0] in self.config.windows]
        calls = self.db.execute(
            "select t.number, l.window, l.at, t.service from ticket_log l join tickets t on t.id = l.ticket_id "
            "where l.action in ('call', 'recall', 'resume') and t.business_day = ? order by l.id desc limit 10", [self.today()],
        ).fetchall()
        return {
            "hall": {"name": self.config.hall.name, "business_day": self.today(), "now": self._now_local()},
            "services": services,
            "windows": windows,
            "recent_calls": [{"number": n, "window": w, "at": self._local_iso(at), "service": s} for n, w, at, s in calls],
        }

    def _now_local(self) -> str:
        now: datetime = self.clock.now()
        return now.astimezone(self.config.hall.tz).isoformat(timespec="seconds")
