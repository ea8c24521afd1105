"""Which waiting ticket a simulated window calls next, decided by the server's own rule.

The simulator keeps each service's queue as one FIFO per ticket class (priority, appointment, walk-in). Within one
FIFO the server's rule (:func:`queue_server.policy.ordering.pick_next`) always prefers the oldest ticket, so the
only candidates a window needs to weigh are the FIFOs' heads; the choice among those heads is made by the very
function the live server uses.
"""
from __future__ import annotations

from collections import deque
from typing import Mapping, Sequence

from queue_server.policy.ordering import OrderRule, QueuedTicket
from queue_server.policy.ordering import pick_next as server_pick_next
from queue_server.simulation.model import SimTicket


def pick_next(
    window: int, serves: Sequence[str], queues: Mapping[str, Mapping[str, deque[SimTicket]]], rule: OrderRule
) -> SimTicket | None:
    """Remove and return the ticket window ``window`` (serving ``serves``) calls next, or None when none waits.

    :param window: the window number.
    :param serves: the window's services in priority order.
    :param queues: per service, per class, the waiting tickets oldest first.
    :param rule: the hall's call-order rule.
    """
    heads: dict[int, deque[SimTicket]] = {}
    candidates = []
    for service in serves:
        for q in queues[service].values():
            if q:
                head = q[0]
                heads[head.id] = q
                candidates.append(QueuedTicket(head.id, head.service, head.kind, head.arrival))
    if not candidates:
        return None
    chosen = server_pick_next(candidates, window, serves, rule)
    return heads[chosen.id].popleft() if chosen is not None else None
