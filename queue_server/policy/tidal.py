"""The tidal-window policy (潮汐窗口): one pure decision from the hall's state and the time.

``decide(state, now)`` looks at every service's waiting count and estimated wait and at the tidal windows already
open, and answers what to do now: open a standby window for an overloaded service, close a tidal window whose
service has stayed calm for the hold time, or escalate an opening nobody acknowledged in time. It has no I/O, no
SQL and reads no clock: the queue server and the hall simulator feed it the same state and apply its answer, and
persist the returned openings (with their ``below_since`` memory) for the next call.

Staff flow with the tide; nobody is added. An opening goes first to a qualified standby window (its staff are at it
all day, serving their group; the opening gives them one service to call first). With none free, it goes to the
calmest staffed regular window whose staff are trained for the service
(:func:`queue_server.policy.training.cross_trained`) and whose own services are all under their lower thresholds
(跨窗口支援); that support ends at once when one of the window's own services passes its upper threshold.

Hysteresis: a service opens above the *upper* threshold (wait over ``open_wait_min`` **or** more than
``open_waiting`` waiting) and closes only after it has stayed at or under the *lower* threshold (wait at most
``close_wait_min`` **and** at most ``close_waiting`` waiting) for ``hold_min`` minutes without interruption.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Mapping

from queue_server.policy.tidal_state import (CLOSE, ESCALATE, OPEN, Action, Decision, Opening, ServiceState,
                                             Thresholds, TidalSettings, TidalState, WindowState)


def is_over(service: ServiceState, th: Thresholds) -> bool:
    """Whether ``service`` passes the upper threshold (strictly above either bound).

    :param service: the service's queue.
    :param th: its thresholds.
    """
    projected = service.projected_wait_min
    return (service.estimated_wait_min > th.open_wait_min or service.waiting > th.open_waiting
            or (projected is not None and projected > th.open_wait_min))


def is_below(service: ServiceState, th: Thresholds) -> bool:
    """Whether ``service`` is at or under the lower threshold on both figures (the wait as if without its tidal
    windows, when known).

    :param service: the service's queue.
    :param th: its thresholds.
    """
    return service.calm_wait_min <= th.close_wait_min and service.waiting <= th.close_waiting


def _figures(service: ServiceState, th: Thresholds) -> dict:
    return {
        "waiting": service.waiting,
        "estimated_wait_min": round(service.estimated_wait_min, 1),
        "wait_without_tidal_min": (
            None if service.wait_without_tidal_min is None else round(service.wait_without_tidal_min, 1)
        ),
        "projected_wait_min": None if service.projected_wait_min is None else round(service.projected_wait_min, 1),
        "open_wait_min": th.open_wait_min,
        "open_waiting": th.open_waiting,
        "close_wait_min": th.close_wait_min,
        "close_waiting": th.close_waiting,
        "hold_min": th.hold_min,
    }


def open_reason(service: ServiceState, th: Thresholds) -> str:
    """The Chinese reason recorded when ``service`` triggers an opening.

    :param service: the service's queue.
    :param th: its thresholds.
    """
    parts = []
    if service.estimated_wait_min > th.open_wait_min:
        parts.append(f"预计等候 {service.estimated_wait_min:.0f} 分钟，超过 {th.open_wait_min:g} 分钟")
    if service.waiting > th.open_waiting:
        parts.append(f"等候 {service.waiting} 人，超过 {th.open_waiting} 人")
    if not parts and service.projected_wait_min is not None:
        parts.append(f"按往日同时段来人推算，预计等候将达 {service.projected_wait_min:.0f} 分钟，超过 {th.open_wait_min:g} 分钟")
    return "；".join(parts)


def choose_standby(
    service: str, windows: Mapping[int, WindowState], taken: set[int], services: Mapping[str, ServiceState]
) -> WindowState | None:
    """The standby window to open for ``service``, or None when no qualified, staffed window is free (a window
    nobody works at is never chosen).

    Preference: a staffed (open) idle window, then an open busy one, then paused, then closed (its staff must be
    fetched); among equals the one whose own services have the fewest waiting, then the one qualified for the
    fewest services (keep generalists free), then the lowest number.

    :param service: the overloaded service.
    :param windows: every window.
    :param taken: windows already holding a tidal opening.
    :param services: every service's queue (to weigh what a window would leave behind).
    """
    state_rank = {"open": 0, "paused": 2, "closed": 3}
    best: tuple | None = None
    chosen: WindowState | None = None
    for w in windows.values():
        if not w.standby or not w.staffed or w.number in taken or service not in w.tidal_services:
            continue
        rank = state_rank.get(w.state, 3) + (1 if w.state == "open" and w.busy else 0)
        left_behind = sum(services[s].waiting for s in w.services if s in services)
        key = (rank, left_behind, len(w.tidal_services), w.number)
        if best is None or key < best:
            best, chosen = key, w
    return chosen


def own_pressure(window: WindowState, services: Mapping[str, ServiceState]) -> tuple[float, int]:
    """The worst estimated wait and the total waiting count over a window's own services.

    :param window: the window.
    :param services: every service's queue.
    """
    own = [services[s] for s in window.services if s in services]
    return max((s.estimated_wait_min for s in own), default=0.0), sum(s.waiting for s in own)


def choose_support(
    service: str, windows: Mapping[int, WindowState], taken: set[int], services: Mapping[str, ServiceState],
    settings: TidalSettings,
) -> WindowState | None:
    """The calmest staffed regular window trained for ``service`` whose own services are all at or under their lower
    thresholds (so its own citizens do not pay for the help), or None.

    :param service: the overloaded service.
    :param windows: every window.
    :param taken: windows already holding a tidal opening.
    :param services: every service's queue.
    :param settings: the hall's tidal rules (the lower thresholds of the window's own services).
    """
    best: tuple | None = None
    chosen: WindowState | None = None
    for w in windows.values():
        if w.standby or not w.staffed or w.number in taken or w.state != "open" or service not in w.support_services:
            continue
        own = [services[s] for s in w.services if s in services]
        if any(not is_below(s, settings.for_service(s.code)) for s in own):
            continue
        wait, waiting = own_pressure(w, services)
        key = (wait, waiting, w.busy, w.number)
        if best is None or key < best:
            best, chosen = key, w
    return chosen


def _own_overloaded(window: WindowState | None, state: TidalState) -> ServiceState | None:
    """A supporting regular window's own service that has passed its upper threshold (time to go back), if any."""
    if window is None or window.standby:
        return None
    for code in window.services:
        svc = state.services.get(code)
        if svc is not None and is_over(svc, state.settings.for_service(code)):
            return svc
    return None


def _calm_window_to_move(service: str, kept: list[Opening], state: TidalState, now: datetime) -> WindowState | None:
    """A policy-opened tidal window, qualified for ``service``, whose own service is at or under its lower threshold
    now (the calmest first): moving it serves the hall better than holding it for its full hold time."""
    best: tuple | None = None
    chosen = None
    for op in kept:
        w = state.windows.get(op.window)
        if op.manual or w is None or not w.may_take(service):
            continue
        calm = state.services.get(op.service, ServiceState(op.service, 0, 0.0))
        if not is_below(calm, state.settings.for_service(op.service)):
            continue
        key = (calm.calm_wait_min, calm.waiting, op.window)
        if best is None or key < best:
            best, chosen = key, w
    return chosen


def decide(state: TidalState, now: datetime) -> Decision:
    """Decide what to open, close and escalate now.

    :param state: the hall's queues, windows, open tidal windows and settings.
    :param now: the current time (aware).
    """
    settings = state.settings
    actions: list[Action] = []
    kept: list[Opening] = []
    ack_timeout = timedelta(minutes=settings.ack_timeout_min)
    for op in state.openings:
        svc = state.services.get(op.service, ServiceState(op.service, 0, 0.0))
        th = settings.for_service(op.service)
        home = None if op.manual else _own_overloaded(state.windows.get(op.window), state)
        if home is not None:
            figures = _figures(home, settings.for_service(home.code)) | {"supported": op.service}
            reason = f"本窗口{state.name(home.code)}业务回升（预计 {home.estimated_wait_min:.0f} 分钟，{home.waiting} 人），结束支援"
            actions.append(Action(CLOSE, op.service, op.window, reason, figures))
            continue
        if not op.manual and is_below(svc, th):
            since = op.below_since or now
            if now - since >= timedelta(minutes=th.hold_min):
                figures = _figures(svc, th) | {"below_min": round((now - since).total_seconds() / 60, 1)}
                reason = f"等候已连续 {th.hold_min:g} 分钟低于下限（预计 {svc.calm_wait_min:.0f} 分钟，{svc.waiting} 人）"
                actions.append(Action(CLOSE, op.service, op.window, reason, figures))
                continue
            op = replace(op, below_since=since)
        elif op.below_since is not None:
            op = replace(op, below_since=None)
        if op.acknowledged_at is None and op.escalated_at is None and now - op.opened_at >= ack_timeout:
            reason = f"{op.window}号窗口 {settings.ack_timeout_min:g} 分钟内未确认潮汐开窗，请值班长协调"
            figures = _figures(svc, th) | {"opened_at": op.opened_at.isoformat()}
            actions.append(Action(ESCALATE, op.service, op.window, reason, figures))
            op = replace(op, escalated_at=now)
        kept.append(op)

    if settings.enabled:
        taken = {op.window for op in kept} | {a.window for a in actions if a.kind == CLOSE}
        pressing = sorted(
            (s for s in state.services.values() if s.code not in state.blocked),
            key=lambda s: (-s.estimated_wait_min, -s.waiting, s.code),
        )
        for svc in pressing:
            th = settings.for_service(svc.code)
            if not is_over(svc, th):
                continue
            mine = [op for op in kept if op.service == svc.code]
            if len(mine) >= settings.max_windows_per_service:
                continue
            # A further window for the same service only after the previous one had a hold time to take effect.
            if mine and now - max(op.opened_at for op in mine) < timedelta(minutes=th.hold_min):
                continue
            window = choose_standby(svc.code, state.windows, taken, state.services)
            if window is None and settings.move_calm_windows:
                window = _calm_window_to_move(svc.code, kept, state, now)
                if window is not None:
                    moved = next(op for op in kept if op.window == window.number)
                    kept.remove(moved)
                    calm = state.services.get(moved.service, ServiceState(moved.service, 0, 0.0))
                    reason = f"转去支援{state.name(svc.code)}：本业务已低于下限（预计 {calm.calm_wait_min:.0f} 分钟，{calm.waiting} 人）"
                    actions.append(Action(CLOSE, moved.service, moved.window, reason,
                                          _figures(calm, settings.for_service(moved.service))))
            reason, figures = open_reason(svc, th), _figures(svc, th)
            if window is None and settings.cross_window_support:
                window = choose_support(svc.code, state.windows, taken, state.services, settings)
                if window is not None:
                    wait, waiting = own_pressure(window, state.services)
                    reason += f"；{window.number}号窗口本业务平稳（预计 {wait:.0f} 分钟，{waiting} 人），跨窗口支援"
                    figures |= {"support": True, "own_wait_min": round(wait, 1), "own_waiting": waiting}
            if window is None:
                continue
            taken.add(window.number)
            actions.append(Action(OPEN, svc.code, window.number, reason, figures))
            kept.append(Opening(svc.code, window.number, now))
    return Decision(tuple(actions), tuple(kept))
