"""What the tidal policy reads and answers: each service's queue and thresholds, each window, the openings it
remembers between runs, and the actions it decides (see :mod:`queue_server.policy.tidal`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

OPEN = "open"
CLOSE = "close"
ESCALATE = "escalate"


@dataclass(frozen=True)
class Thresholds:
    """When one service gets (and loses) a tidal window.

    :param open_wait_min: open when the estimated wait for a newcomer exceeds this many minutes.
    :param open_waiting: open when more than this many tickets wait.
    :param close_wait_min: the lower threshold on the estimated wait.
    :param close_waiting: the lower threshold on the waiting count.
    :param hold_min: how long the service must stay at or under both lower thresholds before the window closes.
    """

    open_wait_min: float = 20.0
    open_waiting: int = 10
    close_wait_min: float = 10.0
    close_waiting: int = 5
    hold_min: float = 10.0


@dataclass(frozen=True)
class TidalSettings:
    """The hall's tidal rules (the validated ``[tidal]`` config section).

    :param enabled: when false the policy never opens a window by itself (manual openings still work).
    :param defaults: thresholds for every service without an override.
    :param overrides: per-service thresholds, by service code.
    :param ack_timeout_min: minutes the standby staff have to acknowledge before the hall manager is alerted.
    :param max_windows_per_service: how many tidal windows one service may hold at once.
    :param check_interval_s: how often the server re-runs the policy when nothing happens.
    :param move_calm_windows: when an overloaded service finds no free standby window, take one whose own tidal
        service is already under its lower threshold (closing that opening early) instead of waiting for its hold.
    :param cross_window_support: when no standby window can take an overloaded service, ask the calmest regular
        window whose staff are trained for it (跨窗口支援) to take it up first; nobody is added to the hall.
    :param lookahead_min: how far ahead the policy projects each service's wait from arrivals-by-hour history
        (0: no look-ahead; the simulator only).
    :param day_plan: before the hall opens, give every trained regular window the trained service with the most
        expected work for the whole day (每日兼办, :mod:`queue_server.policy.day_plan`); the tide acts on top.
    """

    enabled: bool = True
    defaults: Thresholds = field(default_factory=Thresholds)
    overrides: Mapping[str, Thresholds] = field(default_factory=dict)
    ack_timeout_min: float = 3.0
    max_windows_per_service: int = 1
    check_interval_s: float = 30.0
    move_calm_windows: bool = True
    cross_window_support: bool = True
    lookahead_min: float = 0.0
    day_plan: bool = False

    def for_service(self, service: str) -> Thresholds:
        """The thresholds that apply to ``service``.

        :param service: a service code.
        """
        return self.overrides.get(service, self.defaults)


@dataclass(frozen=True)
class ServiceState:
    """One service's queue as the policy sees it.

    :param code: the service code.
    :param waiting: tickets waiting (not yet called).
    :param estimated_wait_min: the estimated wait of a ticket taken now.
    :param wait_without_tidal_min: the same estimate as if the service's tidal windows were gone; a tidal window
        closes only when this too is calm, so closing it does not at once bring the queue back (no flapping).
        None when the service has no tidal window or the caller cannot tell.
    :param projected_wait_min: the estimated wait ``lookahead_min`` from now at the arrival rate the hall's history
        shows for this time of day (:func:`queue_server.policy.estimate.projected_wait_minutes`); None without
        look-ahead. It opens a window before the queue builds and keeps one open before a known surge.
    """

    code: str
    waiting: int
    estimated_wait_min: float
    wait_without_tidal_min: float | None = None
    projected_wait_min: float | None = None

    @property
    def calm_wait_min(self) -> float:
        """The wait the closing rule looks at: the largest of the estimates (now, without tidal help, projected)."""
        return max(w for w in (self.estimated_wait_min, self.wait_without_tidal_min, self.projected_wait_min)
                   if w is not None)


@dataclass(frozen=True)
class WindowState:
    """One window as the policy sees it.

    :param number: the window number.
    :param standby: whether it stands by for tidal duty.
    :param tidal_services: services a standby window may be opened for.
    :param services: the window's own services.
    :param state: ``open``, ``paused`` or ``closed``.
    :param busy: whether it is serving or calling a ticket right now.
    :param support_services: services a regular window's staff are trained for beyond their own (see
        :func:`queue_server.policy.training.cross_trained`); the policy may ask them to take one up when their own
        queues are calm.
    :param staffed: whether someone works there (signed in, a keypad in use, or a number at the counter; see
        :mod:`queue_server.queue.staffing`). The policy never opens a tidal window where nobody works: the display
        would send citizens to an empty counter.
    """

    number: int
    standby: bool
    tidal_services: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    state: str = "closed"
    busy: bool = False
    support_services: tuple[str, ...] = ()
    staffed: bool = True

    def may_take(self, service: str) -> bool:
        """Whether this window may hold a tidal opening for ``service``.

        :param service: a service code.
        """
        return self.staffed and (service in self.tidal_services or service in self.support_services)


@dataclass(frozen=True)
class Opening:
    """A tidal window currently open for a service.

    :param service: the service it was opened for.
    :param window: the standby window's number.
    :param opened_at: when it opened (aware datetime).
    :param manual: opened by the hall manager; the policy never closes it by itself.
    :param acknowledged_at: when the window's staff acknowledged, if they did.
    :param escalated_at: when the hall manager was alerted about a missing acknowledgement.
    :param below_since: since when the service has been at or under the lower threshold without interruption.
    """

    service: str
    window: int
    opened_at: datetime
    manual: bool = False
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None
    below_since: datetime | None = None


@dataclass(frozen=True)
class TidalState:
    """Everything ``decide`` needs.

    :param settings: the hall's tidal rules.
    :param services: every service's queue, by code.
    :param windows: every window, by number.
    :param openings: the tidal windows open now.
    :param blocked: services the policy must not open by itself now (e.g. a manager just closed one by hand).
    :param service_names: each service's name, for the reasons staff read (the code where missing).
    """

    settings: TidalSettings
    services: Mapping[str, ServiceState]
    windows: Mapping[int, WindowState]
    openings: tuple[Opening, ...] = ()
    blocked: frozenset[str] = frozenset()
    service_names: Mapping[str, str] = field(default_factory=dict)

    def name(self, service: str) -> str:
        """What staff call ``service``."""
        return self.service_names.get(service, service)


@dataclass(frozen=True)
class Action:
    """One thing to do: open, close or escalate a tidal window.

    :param kind: ``open``, ``close`` or ``escalate``.
    :param service: the service concerned.
    :param window: the standby window concerned.
    :param reason: why, in Chinese, for the audit log and the staff's screens.
    :param figures: the numbers that triggered it (waiting, estimated wait, thresholds, minutes below).
    """

    kind: str
    service: str
    window: int
    reason: str
    figures: dict


@dataclass(frozen=True)
class Decision:
    """The policy's answer.

    :param actions: what to do now, in order (closes and escalations first, then openings).
    :param openings: the openings after applying ``actions``, with updated ``below_since``; persist these.
    """

    actions: tuple[Action, ...]
    openings: tuple[Opening, ...]
