"""What a window is given besides its own services: who is signed in at it, a tidal service (潮汐窗口) and the
day's support plan (每日兼办).

:class:`WindowAssignments` is a part of :class:`queue_server.queue.hall.Hall`: each change is one write (on the
writer's connection, see ``HallView.db``) with its line in ``window_log``.
"""
from __future__ import annotations

import json
from collections.abc import Mapping

from queue_server.core.clock import to_iso
from queue_server.core.db import write_transaction
from queue_server.core.errors import invalid, not_found
from queue_server.core.events import Event
from queue_server.policy.training import hall_cross_training
from queue_server.queue.staffing import record_sign_in

Events = list[Event]


class WindowAssignments:
    """Staff sign-in, tidal service and day plan of the windows, mixed into the hall."""

    def set_staff(self, window: int, staff_no: str | None, staff_name: str | None) -> None:
        """Record who is on duty at a window (shown on the counter tablet; the tide opens only staffed windows)."""
        self._window(window)
        with write_transaction(self.db):
            record_sign_in(self.db, window, staff_no, staff_name, self.clock.now())

    def set_tidal(self, window: int, service: str | None, actor: str, reason: str,
                  trained: tuple[str, ...] = ()) -> Events:
        """Give a window a tidal service (a standby window opening for it, or a regular window's staff taking it up
        as cross-window support when they are ``trained`` for it), or take it away (``service=None``).

        Opening puts the window in service; closing leaves its state alone: its staff stay and go back to their
        own services (a standby window: its whole tidal group)."""
        conf = self.config.windows.get(window)
        if conf is None:
            raise not_found(f"没有 {window} 号窗口")
        if service is not None and service not in conf.tidal_services and service not in trained:
            raise invalid("service", f"{window} 号窗口不能开设 {service} 潮汐业务")
        now = to_iso(self.clock.now())
        with write_transaction(self.db):
            if service is not None:
                self.db.execute("update windows set tidal_service = ?, state = 'open', updated_at = ? where number = ?",
                                [service, now, window])
            else:
                self.db.execute("update windows set tidal_service = null, updated_at = ? where number = ?",
                                [now, window])
            self.db["window_log"].insert({"window": window, "action": "tidal_open" if service else "tidal_close",
                                          "actor": actor, "reason": reason, "at": now,
                                          "data": json.dumps({"service": service}, ensure_ascii=False)})
        return []

    def set_day_plan(self, plan: Mapping[int, str], actor: str, reason: str,
                     trained: Mapping[int, tuple[str, ...]] | None = None) -> Events:
        """Make ``plan`` the day's support plan (每日兼办): each planned regular window serves its planned service
        next to its own for the rest of the day; every other window's plan is cleared. One transaction, with a
        ``window_log`` row per planned window (and per window whose plan is dropped).

        :param plan: window number -> the service its staff take up (empty: clear every plan).
        :param actor: who made the plan.
        :param reason: why, for the window log.
        :param trained: what each regular window's staff are trained for beyond their own services (default: the
            hall's cross-training, :func:`queue_server.policy.training.cross_trained`).
        """
        if trained is None:
            trained = hall_cross_training(self.config)
        for window, service in plan.items():
            conf = self.config.windows.get(window)
            if conf is None:
                raise not_found(f"没有 {window} 号窗口")
            if conf.standby:
                raise invalid("window", f"{window} 号窗口是备用窗口，不参加每日兼办")
            if service not in trained.get(window, ()):
                name = self.config.services[service].name if service in self.config.services else service
                raise invalid("service", f"{window} 号窗口人员未经 {name} 业务培训，不能兼办")
        now = to_iso(self.clock.now())
        with write_transaction(self.db):
            before = dict(self.db.execute("select number, plan_service from windows where plan_service is not null"))
            self.db.execute("update windows set plan_service = null, updated_at = ? where plan_service is not null",
                            [now])
            for window in sorted(set(before) - set(plan)):
                self.db["window_log"].insert({"window": window, "action": "plan_clear", "actor": actor,
                                              "reason": reason, "at": now,
                                              "data": json.dumps({"service": before[window]}, ensure_ascii=False)})
            for window, service in sorted(plan.items()):
                self.db.execute("update windows set plan_service = ?, updated_at = ? where number = ?",
                                [service, now, window])
                self.db["window_log"].insert({"window": window, "action": "plan", "actor": actor, "reason": reason,
                                              "at": now, "data": json.dumps({"service": service}, ensure_ascii=False)})
        return []
