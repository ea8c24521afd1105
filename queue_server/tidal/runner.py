"""The server side of the tidal policy: feed :func:`queue_server.policy.tidal.decide` the live hall, apply its
answer, and handle what people do by hand (a manager opening or closing, standby staff acknowledging).

The policy may also ask a calm regular window whose staff are trained for an overloaded service to take it up
(跨窗口支援, ``figures.support``): the ``tidal.opened`` event then goes to that window's panel and keypad, its staff
acknowledge the same way, and it goes back to its own services when the opening closes. Nobody is added to the hall.

Every change to the hall (a bus event) schedules one run on the event loop, and a timer runs it every
``check_interval_s`` as well (holds and acknowledgement timeouts expire with no event). Each run reads the state,
decides, and for every action writes the window's tidal service (``Hall.set_tidal``), the opening and the audit
log in SQLite, then publishes ``tidal.opened`` / ``tidal.closed`` / ``tidal.escalated`` after the commit.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aiohttp import web
from sqlite_utils import Database

from queue_server.core.clock import Clock, from_iso, to_iso
from queue_server.core.config import HallConfig
from queue_server.core.db import thread_db, write_transaction
from queue_server.core.errors import conflict, invalid, not_found
from queue_server.core.events import Event, EventBus
from queue_server.core.hall_time import business_day, is_open_day
from queue_server.policy.estimate import ServiceLoad, capacities, expected_wait_minutes
from queue_server.policy.tidal import choose_standby, decide
from queue_server.policy.tidal_state import (CLOSE, ESCALATE, OPEN, Action, Decision, ServiceState, TidalSettings,
                                             TidalState, WindowState)
from queue_server.policy.training import hall_cross_training
from queue_server.tidal import store
from queue_server.tidal.day_plan import make_day_plan, plan_reason
from queue_server.tidal.settings import tidal_settings

log = logging.getLogger(__name__)
POLICY_ACTOR = "tidal-policy"
#: in a burst of writes the policy (a run costs several tickets' work) runs at most this often, seconds; see
#: ``Writer.add_batch_hook``: it decides at most this much later, against thresholds in minutes of wait
BATCH_HOOK_INTERVAL_S = 0.05


class TidalRunner:
    """Runs the tidal policy against the live hall.

    :param config: the hall configuration.
    :param db: the hall database (tidal migrations applied).
    :param clock: the injected clock.
    :param hall: the :class:`queue_server.queue.hall.Hall`.
    :param bus: the event bus (events are published after each commit).
    :param settings: the validated ``[tidal]`` rules (default: read from ``config``).
    :param open_all_hours: the hall takes numbers every day (drills, demos): plan closed days too.
    :param writer: the app's :class:`~queue_server.core.writer.Writer`. With it the policy runs inside the batch
        that changed the hall (a batch hook: same transaction, same fsync, its events right after the batch's), and
        the timer and manual runs are writer operations; without it (tools, unit tests) it runs where called.
    """

    def __init__(self, config: HallConfig, db: Database, clock: Clock, hall, bus: EventBus,
                 settings: TidalSettings | None = None, open_all_hours: bool = False, writer=None) -> None:
        self.config = config
        self._db = db
        self.clock = clock
        self.hall = hall
        self.bus = bus
        self.settings = settings or tidal_settings(config)
        # What each regular window's staff are trained for: the day plan uses it, and ``decide`` asks them for
        # cross-window support only when ``cross_window_support`` is on.
        self.trained = hall_cross_training(config)
        self.service_names = {code: s.name for code, s in config.services.items()}  # for the reasons staff read
        self.open_all_hours = open_all_hours
        self._pending = False
        self.writer = writer
        if writer is not None:
            writer.add_batch_hook(self.after_batch, min_interval=BATCH_HOOK_INTERVAL_S, loop_ok=self.day_planned)
        self._plan_day = None  # the business day whose support plan was last checked

    @property
    def db(self) -> Database:
        """The writer's connection inside a write operation, else the read connection (see ``thread_db``)."""
        return thread_db(self._db)

    # -- reading the hall ------------------------------------------------------------------------------------
    def _window_rows(self) -> list[tuple]:
        return self.db.execute(
            "select number, state, current_ticket_id, tidal_service, plan_service from windows").fetchall()

    def state(self) -> TidalState:
        """The policy's view of the hall now."""
        loads: dict[str, ServiceLoad] = self.hall.service_loads()
        rows = [r for r in self._window_rows() if r[0] in self.config.windows]
        serving_without_tidal = [self.hall.window_services(n, None, plan) for n, st, _, tidal, plan in rows
                                 if st == "open" and tidal is None]
        capacity_without = capacities(serving_without_tidal)
        tidal_services = {tidal for _, st, _, tidal, _ in rows if tidal}
        services = {}
        for code, load in loads.items():
            without = None
            if code in tidal_services:
                bare = ServiceLoad(code, load.waiting, capacity_without.get(code, 0.0), load.recent_minutes,
                                   load.default_minutes)
                without = expected_wait_minutes(bare)
            services[code] = ServiceState(code, load.waiting, expected_wait_minutes(load), without)
        windows = {}
        staffed = self.hall.staffed()
        for number, st, current, _tidal, plan in rows:
            conf = self.config.windows[number]
            own = tuple(conf.services) + ((plan,) if plan and plan not in conf.services else ())  # 每日兼办 included
            windows[number] = WindowState(number, conf.standby, conf.tidal_services, own, st or "closed",
                                          current is not None, self.trained.get(number, ()), number in staffed)
        openings = tuple(store.as_opening(r) for r in store.open_rows(self.db))
        return TidalState(self.settings, services, windows, openings,
                          store.blocked_services(self.db, self.clock.now()),
                          self.service_names)

    # -- the policy loop -------------------------------------------------------------------------------------
    def close_stale(self) -> list[Event]:
        """Close openings left from an earlier business day (a tidal window never carries over to the next day)."""
        now = self.clock.now()
        today = business_day(now, self.config.hall)
        events: list[Event] = []
        stale = [r for r in store.open_rows(self.db)
                 if business_day(from_iso(r["opened_at"]), self.config.hall) < today]
        if not stale:
            return events
        reason = "营业日结束，潮汐窗口自动关闭"
        with write_transaction(self.db):
            for row in stale:
                self._close_row(row["service"], row["window"], now, POLICY_ACTOR, reason)
                store.log(self.db, now, "close", row["service"], row["window"], POLICY_ACTOR, reason)
                events.append(Event("tidal.closed", {
                    "window": row["window"], "service": row["service"],
                    "service_name": self.config.services[row["service"]].name, "reason": reason, "manual": False,
                }, frozenset({"hall", f"window:{row['window']}", "admin"})))
        return events

    def day_planned(self) -> bool:
        """Whether today's support plan is already checked: until then the next run reads weeks of history
        (:meth:`plan_day`), so the writer runs it on its own thread, not on the loop."""
        return self._plan_day is not None and self._plan_day.isoformat() == self.hall.today()

    def plan_day(self) -> list[Event]:
        """Once per business day: make, store and apply the day's support plan (每日兼办) when ``day_plan`` is on
        and the hall opens today. With ``day_plan`` off (or a closed day) any plan still on the windows is cleared,
        so a switched-off plan does not linger. A plan already made today (before a restart) stands. Returns the
        events to publish after the commit."""
        now = self.clock.now()
        today = business_day(now, self.config.hall)
        if today == self._plan_day:
            return []
        self._plan_day = today
        day = today.isoformat()
        applied = dict(self.db.execute("select number, plan_service from windows where plan_service is not null"))
        if not (self.settings.day_plan and (self.open_all_hours or is_open_day(today, self.config.hall))):
            if applied:
                self.hall.set_day_plan({}, POLICY_ACTOR, "每日兼办计划清除（新的营业日或已停用）", self.trained)
            return []
        rows = store.day_plan_rows(self.db, day)
        if rows:  # made earlier today: it stands (put back on the windows if it was switched off since)
            planned = {r["window"]: r["service"] for r in rows}
            if planned == applied:
                return []
            self.hall.set_day_plan(planned, POLICY_ACTOR, "每日兼办计划恢复", self.trained)
            return [self._planned_event(r["window"], r["service"],
                                        plan_reason(self.config.services[r["service"]].name, r["work_min"] or 0.0))
                    for r in rows]
        plan = make_day_plan(self.config, self.trained, today, self.db)
        events: list[Event] = []
        with write_transaction(self.db):
            self.hall.set_day_plan(plan.services, POLICY_ACTOR, "每日兼办计划", self.trained)
            store.record_day_plan(self.db, day, now, plan.services, plan.work_min)
            for window, service in sorted(plan.services.items()):
                work = round(plan.work_min.get(service, 0.0), 1)
                reason = plan_reason(self.config.services[service].name, work, plan.basis)
                store.log(self.db, now, "plan", service, window, POLICY_ACTOR, reason,
                          {"work_min": work, "basis": plan.basis})
                events.append(self._planned_event(window, service, reason))
        return events

    def _planned_event(self, window: int, service: str, reason: str) -> Event:
        return Event("tidal.planned", {
            "window": window, "service": service, "service_name": self.config.services[service].name,
            "reason": reason,
        }, frozenset({"hall", f"window:{window}", "admin"}))

    def day_plan_view(self) -> list[dict]:
        """Today's support plan as ``GET /api/tidal`` shows it (none while ``day_plan`` is off)."""
        if not self.settings.day_plan:
            return []
        day = business_day(self.clock.now(), self.config.hall).isoformat()
        return [{"window": r["window"], "service": r["service"],
                 "service_name": self.service_names.get(r["service"], r["service"])}
                for r in store.day_plan_rows(self.db, day)]

    def run_once(self) -> Decision:
        """Plan the day if due, decide and apply here, publish the events; the decision (servers: :meth:`run_now`)."""
        decision, events = self.step()
        self.bus.publish_all(events)
        return decision

    async def run_now(self) -> Decision:
        """Run the policy once as a writer operation (its events published after the commit)."""
        if self.writer is None or not self.writer.running:
            return self.run_once()
        decision, _ = await self.writer.run(lambda db: self.step(), events=lambda done: done[1])
        return decision

    def after_batch(self, db: Database, events: list[Event]) -> list[Event]:
        """The writer's batch hook: after a batch that changed the hall, decide again in the same transaction."""
        if all(e.name.startswith("tidal.") for e in events):
            return []
        return self.step()[1]

    def step(self) -> tuple[Decision, list[Event]]:
        """Plan the day if due, close stale openings, decide and apply; returns the decision and the events to
        publish once this is committed."""
        events: list[Event] = []
        try:
            with write_transaction(self.db):  # a failed plan leaves nothing half-written behind
                events += self.plan_day()
        except Exception:  # the tide must still run: the day goes without a plan, and the log says why
            log.exception("the day's support plan failed")
        events += self.close_stale()
        now = self.clock.now()
        decision = decide(self.state(), now)
        memory = {(o.service, o.window): o for o in decision.openings}
        updates = []
        for row in store.open_rows(self.db):
            op = memory.get((row["service"], row["window"]))
            if op is None:
                continue
            change = {"below_since": to_iso(op.below_since), "escalated_at": to_iso(op.escalated_at)}
            if any(row[k] != v for k, v in change.items()):
                updates.append((row["id"], change))
        if not decision.actions and not updates:
            return decision, events  # nothing to write
        with write_transaction(self.db):
            for action in decision.actions:
                events += self._apply(action, now)
            for row_id, change in updates:
                if self.db["tidal_openings"].get(row_id)["closed_at"] is None:
                    self.db["tidal_openings"].update(row_id, change)
        return decision, events

    def _apply(self, action: Action, now) -> list[Event]:
        service_name = self.config.services[action.service].name
        data = {"window": action.window, "service": action.service, "service_name": service_name,
                "reason": action.reason, "figures": action.figures}
        topics = frozenset({"hall", f"window:{action.window}", "admin"})
        if action.kind == OPEN:
            self.hall.set_tidal(action.window, action.service, POLICY_ACTOR, action.reason,
                                self.trained.get(action.window, ()))
            store.insert_opening(self.db, action.service, action.window, now, POLICY_ACTOR, False, action.reason,
                                 action.figures)
            store.log(self.db, now, "open", action.service, action.window, POLICY_ACTOR, action.reason, action.figures)
            ack_due = now + timedelta(minutes=self.settings.ack_timeout_min)
            return [Event("tidal.opened", data | {"manual": False, "ack_due": to_iso(ack_due)}, topics)]
        if action.kind == CLOSE:
            self._close_row(action.service, action.window, now, POLICY_ACTOR, action.reason)
            store.log(self.db, now, "close", action.service, action.window, POLICY_ACTOR, action.reason, action.figures)
            return [Event("tidal.closed", data | {"manual": False}, topics)]
        if action.kind == ESCALATE:
            store.log(self.db, now, "escalate", action.service, action.window, POLICY_ACTOR, action.reason,
                      action.figures)
            return [Event("tidal.escalated", data, frozenset({"admin", f"window:{action.window}"}))]
        raise ValueError(action.kind)

    def _close_row(self, service: str, window: int, now, actor: str, reason: str) -> None:
        self.hall.set_tidal(window, None, actor, reason)
        self.db.execute(
            "update tidal_openings set closed_at = ?, closed_by = ?, close_reason = ? "
            "where service = ? and window = ? and closed_at is null",
            [to_iso(now), actor, reason, service, window])

    def on_event(self, event: Event) -> None:
        """Bus subscriber: after any hall change, run the policy once soon (tidal events themselves excepted).
        For events the writer publishes the batch hook has already run it, in the change's own transaction."""
        if event.name.startswith("tidal.") or self._pending or (self.writer is not None and self.writer.delivering):
            return
        loop = asyncio.get_running_loop()  # outside a loop (a CLI tool) this raises, and nothing is left pending
        self._pending = True
        loop.call_soon(self._run_pending)

    def _run_pending(self) -> None:
        self._pending = False
        if self.writer is not None and self.writer.running:
            asyncio.ensure_future(self.run_now()).add_done_callback(_log_failure)
            return
        try:
            self.run_once()
        except Exception:
            log.exception("tidal policy run failed")

    async def timer(self) -> None:
        """Run the policy every ``check_interval_s`` (real seconds) until cancelled."""
        while True:
            await asyncio.sleep(self.settings.check_interval_s)
            try:
                await self.run_now()
            except Exception:
                log.exception("tidal policy run failed")

    # -- what people do by hand ------------------------------------------------------------------------------
    # Each returns (the opening as the API shows it, the events to publish after the commit): a writer operation.
    def acknowledge(self, window: int, actor: str) -> tuple[dict, list[Event]]:
        """The standby window's staff confirm they have taken up the tidal service."""
        now = self.clock.now()
        row = next((r for r in store.open_rows(self.db) if r["window"] == window), None)
        if row is None:
            raise conflict(f"{window} 号窗口没有待确认的潮汐开窗")
        if row["acknowledged_at"] is not None:
            raise conflict(f"{window} 号窗口已确认潮汐开窗")
        with write_transaction(self.db):
            self.db["tidal_openings"].update(row["id"], {"acknowledged_at": to_iso(now), "acknowledged_by": actor})
            store.log(self.db, now, "ack", row["service"], window, actor, "窗口人员已确认")
        data = {"window": window, "service": row["service"], "acknowledged_at": to_iso(now), "by": actor}
        return (self.opening_view(self.db["tidal_openings"].get(row["id"])),
                [Event("tidal.acknowledged", data, frozenset({"admin", f"window:{window}"}))])

    def open_by_hand(self, service: str, window: int | None, actor: str, reason: str) -> tuple[dict, list[Event]]:
        """A manager opens a tidal window for ``service`` on ``window`` (a standby window of its group, or a regular
        counter trained for it) or the best free standby one; only where someone works, as the policy opens."""
        if service not in self.config.services:
            raise invalid("service", f"未定义的业务 {service!r}")
        state = self.state()
        taken = {o.window for o in state.openings}
        if window is None:
            chosen = choose_standby(service, state.windows, taken, state.services)
            if chosen is None:
                raise conflict(f"没有可开设 {self.config.services[service].name} 的空闲备用窗口（须有工作人员签到值守）")
            window = chosen.number
        elif window not in self.config.windows:
            raise not_found(f"没有 {window} 号窗口")
        elif window in taken:
            raise conflict(f"{window} 号窗口已开设潮汐业务")
        trained = self.trained.get(window, ())
        if service not in self.config.windows[window].tidal_services and service not in trained:
            raise invalid("window", f"{window} 号窗口不能开设 {self.config.services[service].name} 潮汐业务")
        if not state.windows[window].staffed:
            raise conflict(f"{window} 号窗口无人值守（没有工作人员签到），不能开设潮汐窗口；请先安排工作人员到该窗口签到")
        now = self.clock.now()
        svc = state.services[service]
        figures = {"waiting": svc.waiting, "estimated_wait_min": round(svc.estimated_wait_min, 1)}
        with write_transaction(self.db):
            self.hall.set_tidal(window, service, actor, reason, trained)
            opening_id = store.insert_opening(self.db, service, window, now, actor, True, reason, figures)
            store.log(self.db, now, "manual_open", service, window, actor, reason, figures)
        ack_due = now + timedelta(minutes=self.settings.ack_timeout_min)
        data = {"window": window, "service": service, "service_name": self.config.services[service].name,
                "reason": reason, "figures": figures, "manual": True, "ack_due": to_iso(ack_due)}
        return (self.opening_view(self.db["tidal_openings"].get(opening_id)),
                [Event("tidal.opened", data, frozenset({"hall", f"window:{window}", "admin"}))])

    def close_by_hand(self, window: int, actor: str, reason: str) -> tuple[dict, list[Event]]:
        """A manager closes the tidal window on ``window``; the policy will not reopen that service for a hold
        time."""
        rows = [r for r in store.open_rows(self.db) if r["window"] == window]
        if not rows:
            raise conflict(f"{window} 号窗口没有开设潮汐业务")
        row = rows[0]
        now = self.clock.now()
        hold = self.settings.for_service(row["service"]).hold_min
        with write_transaction(self.db):
            self._close_row(row["service"], window, now, actor, reason)
            store.block(self.db, row["service"], now + timedelta(minutes=hold), actor)
            store.log(self.db, now, "manual_close", row["service"], window, actor, reason)
        data = {"window": window, "service": row["service"],
                "service_name": self.config.services[row["service"]].name, "reason": reason, "manual": True}
        return (self.opening_view(self.db["tidal_openings"].get(row["id"])),
                [Event("tidal.closed", data, frozenset({"hall", f"window:{window}", "admin"}))])

    # -- views -----------------------------------------------------------------------------------------------
    def opening_view(self, row: dict) -> dict:
        """An opening as the API shows it (times in the hall's zone). ``ack_due`` is when the window's staff must
        have acknowledged (as in ``tidal.opened``); ``ack_overdue`` says, by the server's clock, that an open,
        unacknowledged opening is past it (the admin page marks it, whatever the browser's own clock says)."""
        import json

        def local(value):
            return None if value is None else value.astimezone(self.config.hall.tz).isoformat(timespec="seconds")

        ack_due = from_iso(row["opened_at"]) + timedelta(minutes=self.settings.ack_timeout_min)
        overdue = row["acknowledged_at"] is None and row["closed_at"] is None and self.clock.now() >= ack_due
        return {
            "id": row["id"], "service": row["service"], "window": row["window"], "manual": bool(row["manual"]),
            "service_name": self.config.services[row["service"]].name if row["service"] in self.config.services
            else row["service"],
            "ack_due": local(ack_due), "ack_overdue": overdue,
            "opened_at": local(from_iso(row["opened_at"])), "opened_by": row["opened_by"], "reason": row["reason"],
            "figures": json.loads(row["figures"] or "{}"), "acknowledged_at": local(from_iso(row["acknowledged_at"])),
            "acknowledged_by": row["acknowledged_by"], "escalated_at": local(from_iso(row["escalated_at"])),
            "closed_at": local(from_iso(row["closed_at"])), "closed_by": row["closed_by"],
            "close_reason": row["close_reason"],
        }


def _log_failure(task: asyncio.Future) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("tidal policy run failed", exc_info=task.exception())


TIDAL: web.AppKey[TidalRunner] = web.AppKey("tidal")
