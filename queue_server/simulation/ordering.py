"""Which waiting ticket a simulated window calls next.

The simulator keeps each service's queue as one FIFO per ticket class (priority, appointment, walk-in), so the
candidates a window weighs are the heads of those FIFOs; the choice among them is the hall's call order.
"""
from __future__ import annotations

from collections import deque
from typing import Mapping, Sequence

from queue_server.simulation.model import SimTicket


def pick_next(
    serves: Sequence[str], queues: Mapping[str, Mapping[str, deque[SimTicket]]], class_order: Sequence[str]
) -> SimTicket | None:
    """Remove and return the ticket a window serving ``serves`` calls next, or None when none waits.

    :param serves: the window's services in priority order.
    :param queues: per service, per class, the waiting tickets oldest first.
    :param class_order: ticket classes, first served first.
    """
    best: tuple[int, float] | None = None
    best_queue: deque[SimTicket] | None = None
    for service in serves:
        per_class = queues[service]
        for rank, kind in enumerate(class_order):
            q = per_class[kind]
            if q:
                key = (rank, q[0].arrival)
                if best is None or key < best:
                    best, best_queue = key, q
                break
    return best_queue.popleft() if best_queue is not None else None
