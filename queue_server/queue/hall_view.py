"""Read side of the hall: ticket views, queue positions, estimates and the snapshot of ``GET /api/hall``.

Public views carry ticket numbers and service names only: no names, phones or ID numbers.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlite_utils import Database

from queue_server.core.clock import Clock, from_iso
from queue_server.core.config import HallConfig
from queue_server.core.db import BatchMemo, thread_db
from queue_server.core.hall_time import business_day, business_day_span
from queue_server.policy.estimate import RECENT_SAMPLES, ServiceLoad, capacities, estimate_wait_minutes
from queue_server.policy.ordering import OrderRule, QueuedTicket, window_queue
from queue_server.queue.positions import QUEUED as _QUEUED
from queue_server.queue.positions import kind_rank, people_ahead, ranked
from queue_server.queue.staffing import staffed_windows, ticket_tags

_TICKET_COLUMNS = (
    "id, number, service, status, priority, kind, token, issued_at, called_at, finished_at, window, target_window, "
    "ahead_at_issue, estimate_min_at_issue, business_day, requeues"
)
_TICKET_KEYS = tuple(c.strip() for c in _TICKET_COLUMNS.split(","))


def public_ticket(ticket: dict) -> dict:
    """The fields of a ticket anyone holding its token may see."""
    keys = ("number", "service", "service_name", "status", "ahead", "estimated_wait_min", "window", "called_at",
            "issued_at", "review_url", "kind")
    return {k: ticket.get(k) for k in keys}


#: what makes a ticket the citizen's: its token and the links built on it (status page, review page)
CITIZEN_KEYS = ("token", "status_url", "review_url")


def staff_ticket(ticket: dict) -> dict:
    """A ticket as staff and displays may see it: without the citizen's token and links (API.md).

    With the token, a counter could post the review of its own service on the public route and so pre-empt the
    citizen's (好差评: staff must not see or steer the choice).
    """
    return {k: v for k, v in ticket.items() if k not in CITIZEN_KEYS}


def service_minutes(db: Database, day: str, service: str, limit: int = RECENT_SAMPLES) -> tuple[float, ...]:
    """The last ``limit`` service times (call to 办结, in minutes) of ``service`` on business day ``day``, oldest
    first: a range of the finished-tickets index, which the query's ``status = 'finished'`` lets SQLite use."""
    rows = db.execute(
        "select called_at, finished_at from tickets where business_day = ? and service = ? and status = 'finished' "
        "and called_at is not null order by finished_at desc limit ?", [day, service, limit]).fetchall()
    return tuple((from_iso(f) - from_iso(c)).total_seconds() / 60 for c, f in reversed(rows))


class HallView:
    """Queries over the hall's state, shared by the operations and the read-only routes."""

    def __init__(self, config: HallConfig, db: Database, clock: Clock) -> None:
        self.config = config
        self._db = db
        self.clock = clock
        self.order_rule = OrderRule(config.queue.class_order, config.queue.service_order_first)
        # Asked a dozen times per operation, answered from the last result while it holds. Each is one tuple,
        # replaced whole: the writer thread and the loop share this object.
        self._day: tuple[datetime, datetime, str] | None = None  # (from, until, business day)
        self._capacity: tuple[tuple, dict[str, float]] = ((), {})  # (open windows' rows, capacity per service)
        # window shares and service times read in the writer's batch, kept while nothing is written but new
        # tickets, which cannot change them (see carry_memo)
        self._memo = BatchMemo()

    @property
    def db(self) -> Database:
        """The writer's connection inside a write operation, else the read connection (see ``thread_db``)."""
        return thread_db(self._db)

    def today(self) -> str:
        """Today's business day as ``YYYY-MM-DD`` (by the injected clock; it may move either way in tests)."""
        now, cached = self.clock.now(), self._day
        if cached is not None and cached[0] <= now < cached[1]:
            return cached[2]
        day = business_day(now, self.config.hall)
        # kept in UTC, the clock's zone: comparing datetimes of one tzinfo skips two utcoffset() calls per bound
        start, end = business_day_span(day, self.config.hall)
        self._day = (start.astimezone(timezone.utc), end.astimezone(timezone.utc), day.isoformat())
        return self._day[2]

    # -- tickets ------------------------------------------------------------------------------------------------

    def _ticket_dict(self, row: tuple, position: tuple[int, int | None] | None = None) -> dict:
        ticket = dict(zip(_TICKET_KEYS, row))
        service = self.config.services.get(ticket["service"])
        ticket["service_name"] = service.name if service else ticket["service"]
        base = self.config.hall.public_url
        ticket["status_url"] = f"{base}/t/{ticket['token']}"
        ticket["review_url"] = f"{base}/r/{ticket['token']}"
        for key in ("issued_at", "called_at", "finished_at"):
            ticket[key] = self._local_iso(ticket[key])
        if ticket["status"] in ("waiting", "transferred"):
            ticket["ahead"], ticket["estimated_wait_min"] = position or self.position(ticket["id"])
        else:
            ticket["ahead"], ticket["estimated_wait_min"] = 0, 0 if ticket["status"] in ("called", "serving") else None
        return ticket

    def _local_iso(self, stored: str | None) -> str | None:
        """Stored UTC text as ISO 8601 with the hall's offset, as the API speaks."""
        value = from_iso(stored)
        return None if value is None else value.astimezone(self.config.hall.tz).isoformat(timespec="seconds")

    def ticket_by_id(self, ticket_id: int, position: tuple[int, int | None] | None = None) -> dict:
        """The full ticket; pass ``position`` when it was just computed, to skip computing it again."""
        row = self.db.execute(f"select {_TICKET_COLUMNS} from tickets where id = ?", [ticket_id]).fetchone()
        return self._ticket_dict(row, position)

    def ticket_by_number(self, number: str) -> dict | None:
        """Today's ticket ``number`` (numbers restart each business day), or None."""
        row = self.db.execute(f"select {_TICKET_COLUMNS} from tickets where business_day = ? and number = ? "
                              "order by id desc limit 1", [self.today(), number]).fetchone()
        return None if row is None else self._ticket_dict(row)

    def ticket_by_token(self, token: str) -> dict | None:
        row = self.db.execute(f"select {_TICKET_COLUMNS} from tickets where token = ?", [token]).fetchone()
        return None if row is None else self._ticket_dict(row)

    def waiting_tickets(self, services: list[str] | None = None, window: int | None = None) -> list[QueuedTicket]:
        """Today's waiting tickets; with ``services``/``window``, only those that window could call."""
        sql = ("select id, service, kind, queue_at, target_window from tickets "
               "where business_day = ? and status in ('waiting', 'transferred')")
        params: list = [self.today()]
        if services is not None:
            sql += f" and (service in ({','.join('?' * len(services))}) or target_window = ?)"
            params += [*services, window]
        return [QueuedTicket(*row) for row in self.db.execute(sql, params).fetchall()]

    def queue_heads(self, services: list[str], window: int) -> list[QueuedTicket]:
        """The first ticket of every queue ``window`` may call from: one per (service, kind), plus the tickets
        transferred to the window itself (a handful). :func:`queue_server.policy.ordering.pick_next` ranks a
        queue's tickets by (queue time, id) whichever the rule, so the best of these heads is the best of all
        waiting tickets, found with index seeks whatever the queue's length."""
        today = self.today()
        heads = [QueuedTicket(*row) for row in self.db.execute(
            f"select id, service, kind, queue_at, target_window from tickets where business_day = ? and "
            f"target_window = ? and {_QUEUED}", [today, window]).fetchall()]
        for service in services:
            kinds = self.db.execute("select kind from queue_counts where business_day = ? and service = ? and "
                                    "directed = 0 and waiting > 0", [today, service]).fetchall()
            for (kind,) in kinds:
                row = self.db.execute(
                    f"select id, service, kind, queue_at, target_window from tickets where business_day = ? and "
                    f"service = ? and kind = ? and {_QUEUED} and target_window is null order by queue_at, id limit 1",
                    [today, service, kind]).fetchone()
                if row is not None:
                    heads.append(QueuedTicket(*row))
        return heads

    def waiting_count(self, service: str) -> int:
        """Tickets waiting for ``service`` today (transferred to a window included), from the trigger-kept counts."""
        return self.db.execute(
            "select coalesce(sum(waiting), 0) from queue_counts where business_day = ? and service = ?",
            [self.today(), service]).fetchone()[0]

    def _kind_rank(self, kind: str) -> int:
        return kind_rank(self.order_rule, kind)

    def _queue_counts(self, service: str) -> tuple[dict[str, int], int]:
        """From ``queue_counts``: the tickets waiting in ``service``'s own queue per kind, and all its waiting
        tickets (those transferred to a window included)."""
        rows = self.db.execute("select kind, directed, waiting from queue_counts where business_day = ? and "
                               "service = ?", [self.today(), service]).fetchall()
        return {kind: n for kind, directed, n in rows if not directed}, sum(n for _, _, n in rows)

    def position(self, ticket_id: int) -> tuple[int, int | None]:
        """(people ahead, estimated minutes) for a waiting ticket (see :func:`people_ahead`)."""
        row = self.db.execute(
            "select service, kind, queue_at, target_window, status from tickets where id = ?", [ticket_id]).fetchone()
        if row is None or row[4] not in ("waiting", "transferred"):
            return 0, None
        ahead = people_ahead(self.db, self.order_rule, self.today(), ticket_id, *row[:4])
        return ahead, self.estimate(row[0], ahead)

    def place_new(self, service: str, kind: str, queue_at: str) -> tuple[int, int | None, int]:
        """(people ahead, estimated minutes, tickets waiting for ``service`` with it) for a ticket about to join
        ``service``'s queue as ``kind`` at ``queue_at``: the same figures :meth:`position` gives once it is in.

        Read before its insert: it will have the highest id, so of the tickets that rank with it only those queued
        after ``queue_at`` (usually none) are behind it. Issuing so costs the same with 10 or 10,000 waiting.
        """
        counts, waiting = self._queue_counts(service)
        ahead, same = ranked(self.order_rule, counts, kind)
        behind = self.db.execute(
            f"select count(*) from tickets where business_day = ? and service = ? and kind in "
            f"({','.join('?' * len(same))}) and {_QUEUED} and target_window is null and queue_at > ?",
            [self.today(), service, *same, queue_at]).fetchone()[0]
        ahead += sum(counts.get(k, 0) for k in same) - behind
        return ahead, self.estimate(service, ahead), waiting + 1

    def estimate(self, service: str, ahead: int) -> int | None:
        """Whole minutes until a ticket of ``service`` with ``ahead`` people before it is called (None while no
        open window serves it). The queue's length does not enter: :meth:`service_load` less its count."""
        return estimate_wait_minutes(ahead, self.service_load(service, waiting=ahead))

    def service_load(self, service: str, *, waiting: int | None = None) -> ServiceLoad:
        """One service's queue state (see :meth:`service_loads`), read with targeted queries; ``waiting`` when the
        caller knows it (or does not need it)."""
        return ServiceLoad(service, self.waiting_count(service) if waiting is None else waiting,
                           self._capacities().get(service, 0.0), self._recent(service),
                           self.config.services[service].minutes)

    # -- windows and services -----------------------------------------------------------------------------------

    def window_services(self, window: int, tidal_service: str | None, plan_service: str | None = None) -> list[str]:
        """The services a window calls for: its own in priority order, then the service the day's support plan
        gave it (每日兼办), then its tidal assignment. A standby window's own services are its tidal group (its staff
        serve the group until the tidal policy gives them one service to call first); it is never planned."""
        conf = self.config.windows[window]
        if conf.standby:
            group = list(conf.tidal_services)
            return [tidal_service] + [s for s in group if s != tidal_service] if tidal_service else group
        services = list(conf.services)
        for extra in (plan_service, tidal_service):
            if extra and extra not in services:
                services.append(extra)
        return services

    def current_services(self, window: int) -> list[str]:
        """:meth:`window_services` with the window's planned and tidal services as stored now."""
        row = self.db.execute("select tidal_service, plan_service from windows where number = ?", [window]).fetchone()
        return self.window_services(window, *row) if row else self.window_services(window, None)

    def carry_memo(self, before: tuple[int, int] | None) -> None:
        """Keep the batch's figures past writes that cannot change them (a new waiting ticket and its log line),
        made since ``before`` with nothing else written in between, so the next ticket of the batch reuses them."""
        self._memo.carry(self.db, before)

    def _capacities(self) -> dict[str, float]:
        """Each service's share of the open windows (:func:`queue_server.policy.estimate.capacities`), worked out
        again only when the open windows or their planned and tidal services change (read once per writer batch)."""
        memo = self._memo.figures(self.db)
        if memo is not None and "capacities" in memo:
            return memo["capacities"]
        rows = tuple(self.db.execute("select number, tidal_service, plan_service from windows where state = 'open' "
                                     "order by number").fetchall())
        cached = self._capacity  # one read: the loop may replace it meanwhile, with its own committed view
        if cached[0] != rows:
            cached = self._capacity = (rows, capacities([self.window_services(n, tidal, plan)
                                                         for n, tidal, plan in rows if n in self.config.windows]))
        if memo is not None:
            memo["capacities"] = cached[1]
        return cached[1]

    def set_aside(self, window: int) -> tuple[list[str], list[str]]:
        """Today's numbers this window put on hold (for 回呼) and skipped that may still re-queue (for 过号重排)."""
        rows = self.db.execute(
            "select number, status, requeues from tickets where business_day = ? and window = ? "
            "and status in ('held', 'no_show') order by id", [self.today(), window]).fetchall()
        rules = self.config.queue
        held = [n for n, status, _ in rows if status == "held"]
        skipped = [n for n, status, requeues in rows
                   if status == "no_show" and rules.requeue != "none" and requeues < rules.max_requeues]
        return held, skipped

    def window_queue(self, window: int, limit: int = 50) -> tuple[list[dict], dict | None]:
        """The tickets ``window`` could call, in call order, each with its tag (绿色通道, 预约, 转入) and minutes
        waited; and the same for its current ticket (None without one). Numbers and services only."""
        services = self.current_services(window)
        order = window_queue(self.waiting_tickets(services, window), window, services, self.order_rule)[:limit]
        current = self.db.execute("select current_ticket_id from windows where number = ?", [window]).fetchone()
        current_id = current[0] if current else None
        names = {code: s.name for code, s in self.config.services.items()}
        tags = ticket_tags(self.db, [t.id for t in order] + ([current_id] if current_id else []), names,
                           self.clock.now())
        return [tags[t.id] for t in order], tags.get(current_id) if current_id else None

    def staffed(self) -> dict[int, str]:
        """Window → why it counts as staffed (:func:`queue_server.queue.staffing.staffed_windows`)."""
        return staffed_windows(self.db, self.clock.now())

    def _window_rows(self) -> list[tuple]:
        return self.db.execute(
            "select w.number, w.state, w.current_ticket_id, w.pause_reason, w.tidal_service, w.staff_no, w.staff_name, "
            "t.number, t.service, t.status, w.plan_service, s.photo from windows w left join tickets t on t.id = w.current_ticket_id "
            "left join staff s on s.staff_no = w.staff_no order by w.number"
        ).fetchall()

    def _window_dict(self, row: tuple) -> dict:
        number, state, _, reason, tidal, staff_no, staff_name, current, current_service, current_status, plan, photo = row
        conf = self.config.windows[number]
        plan_service = self.config.services.get(plan) if plan else None
        return {
            "number": number, "name": conf.name, "state": state, "pause_reason": reason,
            "current": current, "current_service": current_service, "current_status": current_status,
            "services": self.window_services(number, tidal, plan), "tidal": tidal, "standby": conf.standby,
            "staff_no": staff_no, "staff_name": staff_name,
            "staff_photo": f"/api/windows/{number}/staff-photo" if staff_no and photo else None,
            "plan_service": plan, "plan_service_name": plan_service.name if plan_service else None,
        }

    def window_view(self, window: int) -> dict:
        row = next(r for r in self._window_rows() if r[0] == window)
        return self._window_dict(row)

    def service_loads(self) -> dict[str, ServiceLoad]:
        """The queue state of every service: waiting count, fractional open capacity, recent service times.

        Recent service times are read for services with a queue only: an empty queue's wait is nought whatever
        they are (the tide reads this after every write; most of a hall's services have nobody waiting)."""
        counts: dict[str, int] = dict(self.db.execute(
            "select service, sum(waiting) from queue_counts where business_day = ? group by service",
            [self.today()]).fetchall())
        shares = self._capacities()
        return {
            code: ServiceLoad(code, counts.get(code, 0), shares.get(code, 0.0),
                              self._recent(code) if counts.get(code) else (), srv.minutes)
            for code, srv in self.config.services.items()
        }

    def _recent(self, service: str) -> tuple[float, ...]:
        """Today's :func:`service_minutes` of the service, kept for the writer's batch."""
        memo, key = self._memo.figures(self.db), (service, self.today(), "recent")
        if memo is not None and key in memo:
            return memo[key]
        recent = service_minutes(self.db, key[1], service)
        if memo is not None:
            memo[key] = recent
        return recent

    def priority_ahead(self) -> dict[str, int]:
        """Per service, how many a new 绿色通道 ticket would find ahead of it: the waiting tickets whose class goes
        first or ties with ``priority`` (a priority ticket passes the walk-ins, so the walk-in count overstates its
        wait). Read from ``queue_counts``, like every waiting count."""
        rank = self._kind_rank("priority")
        ahead: dict[str, int] = {}
        for service, kind, waiting in self.db.execute(
                "select service, kind, waiting from queue_counts where business_day = ? and directed = 0 and waiting > 0",
                [self.today()]).fetchall():
            if self._kind_rank(kind) <= rank:
                ahead[service] = ahead.get(service, 0) + waiting
        return ahead

    def snapshot(self, *, staff_numbers: bool = True) -> dict:
        """``GET /api/hall``: services with waits (also the 绿色通道 lane's), windows with their current numbers, the
        latest calls.

        :param staff_numbers: include who is logged in by 工号; the public snapshot leaves it out (a list of live
            account names is a login guesser's first step), the hall's own devices keep it (the counter tablet
            shows the 工号 by rule).
        """
        loads = self.service_loads()
        now = self.clock.now()
        oldest = dict(self.db.execute(
            "select service, min(issued_at) from tickets where business_day = ? and status in ('waiting', "
            "'transferred') group by service", [self.today()]).fetchall())
        priority = self.priority_ahead()
        services = []
        for code, srv in self.config.services.items():
            load = loads[code]
            ahead = priority.get(code, 0)
            services.append({
                "code": code, "name": srv.name, "prefix": srv.prefix, "department": srv.department,
                "department_name": self.config.departments[srv.department].name,
                "waiting": load.waiting, "estimated_wait_min": estimate_wait_minutes(load.waiting, load),
                "priority_waiting": ahead, "priority_estimated_wait_min": estimate_wait_minutes(ahead, load),
                # how long the longest waiter of this service has waited so far (the overview's service level)
                "longest_wait_min": int((now - from_iso(oldest[code])).total_seconds() // 60) if code in oldest else None,
            })
        staffed = self.staffed()
        windows = [{**self._window_dict(r), "staffed": r[0] in staffed}
                   for r in self._window_rows() if r[0] in self.config.windows]
        if not staff_numbers:
            windows = [{**w, "staff_no": None} for w in windows]
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
