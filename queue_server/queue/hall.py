"""The queue operations of the hall: issue, check in, call, recall, skip, hold, resume, transfer, pause, finish.

Every operation runs in one write transaction, writes a line to the ticket's log (who, which window, when, why)
and returns the events it caused; the caller publishes them after the commit. Reads that build the hall's
snapshot and ticket views live in :mod:`queue_server.queue.hall_view`.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlite_utils import Database

from queue_server.core.clock import Clock, from_iso, to_iso
from queue_server.core.config import HallConfig
from queue_server.core.db import batch_point, write_transaction
from queue_server.core.errors import ApiError, conflict, invalid, not_found
from queue_server.core.events import Event
from queue_server.core.hall_time import business_day
from queue_server.policy.ordering import pick_next
from queue_server.queue.appointments import AppointmentDesk
from queue_server.queue.assignments import WindowAssignments
from queue_server.queue.hall_view import HallView, public_ticket
from queue_server.queue.staffing import reconcile_sign_ins
from queue_server.web.json_io import dumps

WAITING = ("waiting", "transferred")
AT_WINDOW = ("called", "serving")
OPEN_STATES = WAITING + AT_WINDOW + ("held", "no_show")

Events = list[Event]

#: the URL-safe characters in ASCII order, so a token's leading characters sort as the time they encode
_SORTED_URLSAFE = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def ticket_token(at: datetime) -> str:
    """A citizen's key to a ticket: the issue time in milliseconds as 7 characters that sort in time order, then 128
    random bits (``secrets.token_urlsafe(16)``), 29 URL-safe characters in all.

    The random part alone makes it unguessable; the time part keeps the unique index on ``tickets.token`` growing
    at its end as tickets are issued (as a ULID or UUIDv7 does), so a batch of new tickets dirties one or two index
    pages rather than one random page each. Nothing reads the time back: the printed ticket shows it anyway.
    """
    ms = int(at.timestamp() * 1000)
    head = "".join(_SORTED_URLSAFE[(ms >> shift) & 63] for shift in range(36, -1, -6))
    return head + secrets.token_urlsafe(16)


class Hall(AppointmentDesk, WindowAssignments, HallView):
    """The hall's queue state machine over the database.

    :param config: the validated hall configuration.
    :param db: the open database.
    :param clock: the injected clock.
    """

    def __init__(self, config: HallConfig, db: Database, clock: Clock) -> None:
        super().__init__(config, db, clock)
        self._rolled_day: str | None = None
        with write_transaction(db):
            for number, window in config.windows.items():
                db.execute(
                    "insert or ignore into windows (number, state, updated_at) values (?, ?, ?)",
                    [number, "closed" if window.standby else "open", to_iso(clock.now())],
                )
            # sign-ins survive a restart (they are rows), but not the sessions that ended while the server was down
            reconcile_sign_ins(db, clock.now())
        self.roll_day()

    # -- day boundary -------------------------------------------------------------------------------------------

    def needs_roll(self) -> bool:
        """Whether :meth:`roll_day` has work to do (a cheap check the loop makes before asking the writer)."""
        return self.today() != self._rolled_day

    def roll_day(self) -> None:
        """At a new business day, expire yesterday's open tickets and free windows still holding them."""
        today = self.today()
        if today == self._rolled_day:
            return
        now = to_iso(self.clock.now())
        with write_transaction(self.db):
            stale = self.db.execute(
                f"select id from tickets where business_day < ? and status in ({','.join('?' * len(OPEN_STATES))})",
                [today, *OPEN_STATES],
            ).fetchall()
            for (ticket_id,) in stale:
                self._log(ticket_id, "expire", None, "system", "营业日结束", now)
            self.db.execute(
                f"update tickets set status = 'expired' where business_day < ? and status in ({','.join('?' * len(OPEN_STATES))})",
                [today, *OPEN_STATES],
            )
            self.db.execute(
                "update windows set current_ticket_id = null where current_ticket_id in "
                "(select id from tickets where business_day < ?)", [today],
            )
        self._rolled_day = today

    # -- issuing ------------------------------------------------------------------------------------------------

    def issue_ticket(self, service: str, request_id: str, priority: str | None, actor: str,
                     *, kind: str | None = None, appointment_code: str | None = None) -> tuple[dict, bool, Events]:
        """Take a number. The same ``request_id`` again returns the ticket it already made (``created`` False)."""
        if service not in self.config.services:
            raise invalid("service", f"未知的业务代码 {service!r}")
        if priority is not None and priority not in self.config.priority_categories:
            raise invalid("priority", f"未知的优先类别 {priority!r}，可选：{', '.join(self.config.priority_categories)}")
        self.roll_day()
        existing = self.db.execute("select id, service from tickets where request_id = ?", [request_id]).fetchone()
        if existing:
            if existing[1] != service:
                raise conflict(f"request_id {request_id!r} 已用于另一项业务的取号")
            return self.ticket_by_id(existing[0]), False, []
        kind = kind or ("priority" if priority else "walk_in")
        srv = self.config.services[service]
        issued = self.clock.now()
        now = to_iso(issued)
        today = self.today()
        # Inside the writer's operation this block takes no savepoint of its own: nobody catches a failure of
        # issuing and carries on in the same operation, and the operation's own savepoint rolls it back.
        with write_transaction(self.db, own_savepoint=False):
            # its place is worked out before it is stored, so the row is written once, with it
            point = batch_point(self.db)
            ahead, estimate, waiting = self.place_new(service, kind, now)
            seq = self.db.execute(
                "insert into ticket_counters (prefix, business_day, last_seq) values (?, ?, 1) "
                "on conflict (prefix, business_day) do update set last_seq = last_seq + 1 returning last_seq",
                [srv.prefix, today],
            ).fetchone()[0]
            number = f"{srv.prefix}{seq:0{self.config.hall.number_digits}d}"
            token = ticket_token(issued)
            cursor = self.db.execute(
                "insert into tickets (number, service, prefix, seq, business_day, status, priority, kind, request_id, "
                "token, issued_at, queue_at, appointment_code, ahead_at_issue, estimate_min_at_issue) "
                "values (?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [number, service, srv.prefix, seq, today, priority, kind, request_id, token,
                 now, now, appointment_code, ahead, estimate],
            )
            ticket_id = cursor.lastrowid
            self._log(ticket_id, "issue", None, actor, None, now, {"kind": kind, "priority": priority})
        self.carry_memo(point)
        # the row as just written (the same columns ticket_by_id reads), not read back
        ticket = self._ticket_dict((ticket_id, number, service, "waiting", priority, kind, token, now, None, None,
                                    None, None, ahead, estimate, today, 0), (ahead, estimate))
        event = Event("ticket.issued", {
            "number": number, "service": service, "service_name": srv.name, "kind": kind,
            "waiting": waiting, "at": ticket["issued_at"],
        })
        return ticket, True, [event]

    # -- window operations --------------------------------------------------------------------------------------

    def call_next(self, window: int, actor: str) -> tuple[dict, Events]:
        """Call the ticket that should go first at ``window``."""
        self.roll_day()
        state = self._window(window)
        if state["state"] != "open":
            raise conflict("窗口已暂停，请先恢复服务" if state["state"] == "paused" else "窗口未开放，请先开启窗口")
        if state["current_ticket_id"] is not None:
            current = self.ticket_by_id(state["current_ticket_id"])
            raise conflict(f"当前号码 {current['number']} 尚未办结，请先办结、过号或挂起")
        services = self.current_services(window)
        chosen = pick_next(self.queue_heads(services, window), window, services, self.order_rule)
        if chosen is None:
            raise conflict("当前没有等候的号码", code="queue_empty")
        now = to_iso(self.clock.now())
        with write_transaction(self.db):
            self.db.execute(
                "update tickets set status = 'called', window = ?, target_window = null, "
                "called_at = coalesce(called_at, ?) where id = ?", [window, now, chosen.id])
            self.db.execute("update windows set current_ticket_id = ?, updated_at = ? where number = ?", [chosen.id, now, window])
            self._log(chosen.id, "call", window, actor, None, now)
        return self._at_window_result(chosen.id, window, "ticket.called", now)

    def finish_and_call(self, window: int, actor: str, expect: str | None = None) -> tuple[dict, Events, bool]:
        """办结并叫下一位: finish the current ticket and call the next in one transaction; without a current ticket, a
        plain call. ``expect`` (the number the clerk saw) turns a double press into a 409 rather than finishing the
        citizen just called. Answers (ticket, events, called): with nobody waiting the finish stands, ``called`` is
        False and the ticket is the finished one."""
        state = self._window(window)
        if state["current_ticket_id"] is None:
            return (*self.call_next(window, actor), True)
        if state["state"] != "open":  # checked first: a paused window would finish, then fail to call
            raise conflict("窗口已暂停，请先恢复服务" if state["state"] == "paused" else "窗口未开放，请先开启窗口")
        current = self.ticket_by_id(state["current_ticket_id"])
        if expect is not None and current["number"] != expect:
            raise conflict(f"当前号码已是 {current['number']}，未重复办结")
        with write_transaction(self.db):
            finished, events = self.finish(window, actor)
            try:
                called, more = self.call_next(window, actor)
            except ApiError as exc:
                if exc.code != "queue_empty":
                    raise
                return finished, events, False
        return called, events + more, True

    def recall(self, window: int, actor: str) -> tuple[dict, Events]:
        """Call the current ticket again (重呼)."""
        ticket = self._current(window)
        now = to_iso(self.clock.now())
        with write_transaction(self.db):
            self.db.execute("update tickets set recalls = recalls + 1 where id = ?", [ticket["id"]])
            self._log(ticket["id"], "recall", window, actor, None, now)
        return self._at_window_result(ticket["id"], window, "ticket.recalled", now)

    def start(self, window: int, actor: str) -> tuple[dict, Events]:
        """The citizen has arrived at the counter (开始办理)."""
        ticket = self._current(window)
        if ticket["status"] == "serving":
            return ticket, []
        now = to_iso(self.clock.now())
        with write_transaction(self.db):
            self.db.execute("update tickets set status = 'serving', started_at = ? where id = ?", [now, ticket["id"]])
            self._log(ticket["id"], "start", window, actor, None, now)
        return self._at_window_result(ticket["id"], window, "ticket.started", now)

    def finish(self, window: int, actor: str) -> tuple[dict, Events]:
        """Finish the current ticket (办结); the counter tablet then opens the review."""
        return self._release(window, actor, "finished", "finish", None, "ticket.finished")

    def skip(self, window: int, actor: str, reason: str | None) -> tuple[dict, Events]:
        """The called citizen did not come (过号)."""
        return self._release(window, actor, "no_show", "skip", reason or "未到场", "ticket.skipped")

    def hold(self, window: int, actor: str, reason: str | None) -> tuple[dict, Events]:
        """Put the current ticket aside (挂起), e.g. while the citizen fetches a missing paper."""
        return self._release(window, actor, "held", "hold", reason or "挂起", "ticket.held")

    def resume(self, window: int, number: str, actor: str) -> tuple[dict, Events]:
        """Bring a held ticket back to this window (回呼)."""
        state = self._window(window)
        if state["current_ticket_id"] is not None:
            raise conflict("请先办结、过号或挂起当前号码")
        row = self.db.execute("select id, status, window from tickets where business_day = ? and number = ?",
                              [self.today(), number]).fetchone()
        if row is None:
            raise not_found(f"今天没有号码 {number}")
        if row[1] != "held" or row[2] != window:
            raise conflict(f"号码 {number} 不是本窗口挂起的号码")
        now = to_iso(self.clock.now())
        with write_transaction(self.db):
            self.db.execute("update tickets set status = 'called' where id = ?", [row[0]])
            self.db.execute("update windows set current_ticket_id = ?, updated_at = ? where number = ?", [row[0], now, window])
            self._log(row[0], "resume", window, actor, None, now)
        return self._at_window_result(row[0], window, "ticket.called", now)

    def requeue(self, window: int, number: str, actor: str) -> tuple[dict, Events]:
        """A late citizen whose number was skipped queues again under the hall's re-queue rule (过号重排)."""
        rules = self.config.queue
        if rules.requeue == "none":
            raise conflict("本大厅过号无效，请重新取号")
        row = self.db.execute("select id, status, requeues, service, kind, window from tickets where business_day = ? and number = ?",
                              [self.today(), number]).fetchone()
        if row is None:
            raise not_found(f"今天没有号码 {number}")
        ticket_id, status, requeues, service, kind, skipped_at = row
        if status != "no_show":
            raise conflict(f"号码 {number} 不是过号状态")
        if skipped_at != window:  # another counter's no-show is theirs to re-queue (and to answer for)
            raise conflict(f"号码 {number} 不是本窗口过号的号码")
        if requeues >= rules.max_requeues:
            raise conflict(f"号码 {number} 已重排 {requeues} 次，请重新取号")
        now = self.clock.now()
        queue_at = to_iso(now)
        if rules.requeue == "after":
            same = [t for t in self.waiting_tickets([service], -1) if t.service == service and t.kind == kind and t.target_window is None]
            same.sort(key=lambda t: (t.queue_at, t.id))
            if len(same) > rules.requeue_after and rules.requeue_after > 0:
                queue_at = to_iso(from_iso(same[rules.requeue_after - 1].queue_at) + timedelta(microseconds=1))
            elif rules.requeue_after == 0 and same:
                queue_at = to_iso(from_iso(same[0].queue_at) - timedelta(microseconds=1))
        with write_transaction(self.db):
            self.db.execute("update tickets set status = 'waiting', queue_at = ?, requeues = requeues + 1 where id = ?",
                            [queue_at, ticket_id])
            self._log(ticket_id, "requeue", window, actor, "过号重排", to_iso(now))
        ticket = self.ticket_by_id(ticket_id)
        return ticket, [Event("ticket.requeued", {"number": number, "service": service, "window": window})]

    def transfer(self, window: int, actor: str, reason: str, to_service: str | None, to_window: int | None) -> tuple[dict, Events]:
        """Send the current ticket to another service's queue or to one window (转移); it keeps its place in time."""
        if (to_service is None) == (to_window is None):
            raise invalid("to_service", "请指定 to_service 或 to_window 其中之一")
        if to_service is not None and to_service not in self.config.services:
            raise invalid("to_service", f"未知的业务代码 {to_service!r}")
        if to_window is not None:
            if to_window not in self.config.windows:
                raise invalid("to_window", f"没有 {to_window} 号窗口")
            if to_window == window:
                raise invalid("to_window", "不能转移到本窗口")
            if self._window(to_window)["state"] == "closed":  # nobody there today: the citizen would wait for ever
                raise conflict(f"{to_window} 号窗口未开放，不能转入；请转到其他窗口或业务")
        ticket = self._current(window)
        now = to_iso(self.clock.now())
        with write_transaction(self.db):
            self.db.execute(
                "update tickets set status = 'transferred', service = coalesce(?, service), target_window = ? where id = ?",
                [to_service, to_window, ticket["id"]])
            self.db.execute("update windows set current_ticket_id = null, updated_at = ? where number = ?", [now, window])
            self._log(ticket["id"], "transfer", window, actor, reason, now,
                      {"from_service": ticket["service"], "to_service": to_service, "to_window": to_window})
        moved = self.ticket_by_id(ticket["id"])
        return moved, [Event("ticket.transferred", {
            "number": moved["number"], "from_window": window, "service": moved["service"], "to_window": to_window,
        }, frozenset({"hall", f"window:{window}"} | ({f"window:{to_window}"} if to_window else set())))]

    def pause(self, window: int, actor: str, reason: str) -> tuple[dict, Events]:
        """Stop calling at this window (暂停), with a reason shown to managers."""
        self._window(window)
        return self._set_window_state(window, "paused", reason, actor, "window.paused")

    def open(self, window: int, actor: str) -> tuple[dict, Events]:
        """(Re)open the window for calling."""
        self._window(window)
        return self._set_window_state(window, "open", None, actor, "window.opened")

    # -- internals ----------------------------------------------------------------------------------------------

    def _window(self, window: int) -> dict:
        if window not in self.config.windows:
            raise not_found(f"没有 {window} 号窗口")
        row = self.db.execute("select state, current_ticket_id, tidal_service from windows where number = ?", [window]).fetchone()
        return {"state": row[0], "current_ticket_id": row[1], "tidal_service": row[2]}

    def _current(self, window: int) -> dict:
        state = self._window(window)
        if state["current_ticket_id"] is None:
            raise conflict("本窗口当前没有正在办理的号码")
        return self.ticket_by_id(state["current_ticket_id"])

    def _release(self, window: int, actor: str, status: str, action: str, reason: str | None, event: str) -> tuple[dict, Events]:
        ticket = self._current(window)
        now = to_iso(self.clock.now())
        with write_transaction(self.db):
            self.db.execute(
                "update tickets set status = ?, finished_at = case when ? = 'finished' then ? else finished_at end where id = ?",
                [status, status, now, ticket["id"]])
            self.db.execute("update windows set current_ticket_id = null, updated_at = ? where number = ?", [now, window])
            self._log(ticket["id"], action, window, actor, reason, now)
        return self._at_window_result(ticket["id"], window, event, now)

    def _set_window_state(self, window: int, state: str, reason: str | None, actor: str, event: str) -> tuple[dict, Events]:
        now = to_iso(self.clock.now())
        with write_transaction(self.db):
            self.db.execute("update windows set state = ?, pause_reason = ?, updated_at = ? where number = ?",
                            [state, reason, now, window])
            self.db["window_log"].insert({"window": window, "action": state, "actor": actor, "reason": reason, "at": now})
        data = {"window": window, "state": state, "reason": reason, "at": self._local_iso(now)}
        return self.window_view(window), [Event(event, data, frozenset({"hall", f"window:{window}"}))]

    def _at_window_result(self, ticket_id: int, window: int, name: str, at: str) -> tuple[dict, Events]:
        ticket = self.ticket_by_id(ticket_id)
        conf = self.config.windows[window]
        data = {
            "number": ticket["number"], "service": ticket["service"], "service_name": ticket["service_name"],
            "window": window, "window_name": conf.name, "at": self._local_iso(at),
            "voice": self.config.queue.voice_template.format(number=ticket["number"], window=window),
        }
        private = {"ticket_token": ticket["token"], "ticket_id": ticket_id}
        return ticket, [Event(name, data, frozenset({"hall", f"window:{window}"}), private)]

    def _log(self, ticket_id: int, action: str, window: int | None, actor: str, reason: str | None, at: str,
             data: dict | None = None) -> None:
        self.db.execute(
            "insert into ticket_log (ticket_id, action, window, actor, reason, at, data) values (?, ?, ?, ?, ?, ?, ?)",
            [ticket_id, action, window, actor, reason, at, dumps(data).decode() if data else None])


__all__ = ["Hall", "public_ticket", "WAITING", "AT_WINDOW", "business_day"]
