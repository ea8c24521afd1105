"""A waiting ticket's place in its queue, counted in SQL: the kinds called before it from the trigger-kept
``queue_counts``, the tickets ahead of it within its own kind on the call-order index. Cost stays flat however
long the queue is (see :mod:`queue_server.queue.schema`, m005 and m006)."""
from __future__ import annotations

from sqlite_utils import Database

from queue_server.policy.ordering import OrderRule

#: a ticket in a queue (the partial indexes of migration m005 cover exactly these)
QUEUED = "status in ('waiting', 'transferred')"


def kind_rank(rule: OrderRule, kind: str) -> int:
    """Where ``kind`` stands in the rule's class order (kinds not listed come last, together)."""
    order = rule.class_order
    return order.index(kind) if kind in order else len(order)


def ranked(rule: OrderRule, counts: dict[str, int], kind: str) -> tuple[int, list[str]]:
    """How many of the waiting ``counts`` (per kind) are of kinds called before ``kind``, and the kinds that rank
    with it."""
    rank = kind_rank(rule, kind)
    before = sum(n for k, n in counts.items() if kind_rank(rule, k) < rank)
    return before, sorted({k for k in counts if kind_rank(rule, k) == rank} | {kind})


def people_ahead(db: Database, rule: OrderRule, day: str, ticket_id: int, service: str, kind: str, queue_at: str,
                 target: int | None) -> int:
    """How many are ahead of waiting ticket ``ticket_id`` of business day ``day``, with the key of
    :func:`queue_server.policy.ordering.ahead_of` (a test keeps the two in agreement).

    The kinds called before the ticket's are read from ``queue_counts``; within its own kind the tickets ahead
    are counted on the call-order index. (A ticket about to be issued: :meth:`HallView.place_new`.)
    """
    if target is not None:
        return db.execute(
            f"select count(*) from tickets where business_day = ? and target_window = ? and {QUEUED} and "
            f"(queue_at, id) < (?, ?)", [day, target, queue_at, ticket_id]).fetchone()[0]
    counts = dict(db.execute(
        "select kind, waiting from queue_counts where business_day = ? and service = ? and directed = 0",
        [day, service]).fetchall())
    ahead, same = ranked(rule, counts, kind)
    return ahead + db.execute(
        f"select count(*) from tickets where business_day = ? and service = ? and kind in ({','.join('?' * len(same))}) "
        f"and {QUEUED} and target_window is null and (queue_at, id) < (?, ?)",
        [day, service, *same, queue_at, ticket_id]).fetchone()[0]
