"""Which waiting ticket a window calls next: the hall's call-order rule as a pure function.

The same code orders the live server's queue and the simulator's, so a policy proven in simulation is the policy the
hall runs.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class QueuedTicket:
    """What ordering needs to know of a waiting ticket.

    :param id: ticket id, the last tie-breaker (issue order).
    :param service: the service code it waits for.
    :param kind: ``priority`` (绿色通道), ``appointment`` (checked-in 预约) or ``walk_in``.
    :param queue_at: sortable queue time (UTC ISO text or seconds); a re-queued ticket gets a later one.
    :param target_window: set when the ticket was transferred to one window: only that window calls it, first.
    """

    id: int
    service: str
    kind: str
    queue_at: str | float
    target_window: int | None = None


@dataclass(frozen=True)
class OrderRule:
    """The configurable call order.

    :param class_order: ticket kinds, first served first (default priority, appointment, walk_in).
    :param service_order_first: when true a window empties its first service's queue before its second.
    """

    class_order: Sequence[str] = ("priority", "appointment", "walk_in")
    service_order_first: bool = False


def _rank(ticket: QueuedTicket, window: int, services: Sequence[str], rule: OrderRule) -> tuple:
    directed = 0 if ticket.target_window == window else 1
    kind = rule.class_order.index(ticket.kind) if ticket.kind in rule.class_order else len(rule.class_order)
    service = services.index(ticket.service) if ticket.service in services else len(services)
    if rule.service_order_first:
        return (directed, service, kind, ticket.queue_at, ticket.id)
    return (directed, kind, ticket.queue_at, service, ticket.id)


def callable_by(ticket: QueuedTicket, window: int, services: Sequence[str]) -> bool:
    """A window may call tickets of its services, and tickets transferred to it; a ticket directed elsewhere is not its."""
    if ticket.target_window is not None:
        return ticket.target_window == window
    return ticket.service in services


def pick_next(waiting: Iterable[QueuedTicket], window: int, services: Sequence[str], rule: OrderRule) -> QueuedTicket | None:
    """The ticket ``window`` (serving ``services`` in priority order) should call now, or ``None``."""
    candidates = [t for t in waiting if callable_by(t, window, services)]
    if not candidates:
        return None
    return min(candidates, key=lambda t: _rank(t, window, services, rule))


def window_queue(waiting: Iterable[QueuedTicket], window: int, services: Sequence[str],
                 rule: OrderRule) -> list[QueuedTicket]:
    """Every ticket ``window`` could call, in the order it would call them (the staff panel's queue list): the
    first is what :func:`pick_next` answers."""
    candidates = [t for t in waiting if callable_by(t, window, services)]
    candidates.sort(key=lambda t: _rank(t, window, services, rule))
    return candidates


def service_queue(waiting: Iterable[QueuedTicket], service: str, rule: OrderRule) -> list[QueuedTicket]:
    """The tickets waiting for ``service`` (not directed to a window), in the order they will be called."""
    queue = [t for t in waiting if t.service == service and t.target_window is None]
    queue.sort(key=lambda t: _rank(t, -1, (service,), rule))
    return queue


def ahead_of(ticket: QueuedTicket, waiting: Iterable[QueuedTicket], rule: OrderRule) -> int:
    """How many tickets of the same queue will be called before ``ticket``."""
    if ticket.target_window is not None:
        directed = [t for t in waiting if t.target_window == ticket.target_window]
        directed.sort(key=lambda t: (t.queue_at, t.id))
        return next((i for i, t in enumerate(directed) if t.id == ticket.id), len(directed))
    queue = service_queue(waiting, ticket.service, rule)
    return next((i for i, t in enumerate(queue) if t.id == ticket.id), len(queue))
