"""The pure call-order rule, and the server's SQL position count kept in agreement with it."""
from __future__ import annotations

import random

from queue_server.core.db import write_transaction
from queue_server.policy.ordering import OrderRule, QueuedTicket, ahead_of, pick_next, service_queue
from queue_server.queue.hall import Hall

RULE = OrderRule()


def t(id, service="a", kind="walk_in", at=None, target=None):
    return QueuedTicket(id, service, kind, at if at is not None else float(id), target)


def test_priority_then_appointment_then_oldest():
    waiting = [t(1), t(2, kind="appointment"), t(3, kind="priority"), t(4, service="b", kind="priority")]
    assert pick_next(waiting, 1, ["a"], RULE).id == 3
    assert pick_next(waiting, 1, ["a", "b"], RULE).id == 3  # older priority first across services
    assert [x.id for x in service_queue(waiting, "a", RULE)] == [3, 2, 1]


def test_service_order_first_empties_the_first_service():
    rule = OrderRule(service_order_first=True)
    waiting = [t(1, service="b"), t(2, service="a")]
    assert pick_next(waiting, 1, ["a", "b"], rule).id == 2
    assert pick_next(waiting, 1, ["a", "b"], RULE).id == 1


def test_transferred_to_a_window_goes_first_there_and_nowhere_else():
    waiting = [t(1, kind="priority"), t(2, target=5)]
    assert pick_next(waiting, 5, ["a"], RULE).id == 2
    assert pick_next(waiting, 6, ["a"], RULE).id == 1
    assert pick_next([t(2, target=5)], 6, ["a"], RULE) is None


def test_custom_class_order():
    rule = OrderRule(class_order=("appointment", "priority", "walk_in"))
    assert pick_next([t(1, kind="priority"), t(2, kind="appointment")], 1, ["a"], rule).id == 2


def test_sql_position_agrees_with_the_pure_rule(hall_config, db_path, clock):
    from queue_server.app import open_database

    db = open_database(db_path)
    hall = Hall(hall_config, db, clock)
    rng = random.Random(7)
    services = ["si_card", "si_enroll"]
    for i in range(120):
        kind = rng.choice(["walk_in", "walk_in", "walk_in", "appointment", "priority"])
        hall.issue_ticket(rng.choice(services), f"r{i}", "elderly" if kind == "priority" else None, "test",
                          kind=kind if kind != "priority" else None)
        clock.advance(rng.choice([0, 1, 30]))
    with write_transaction(db):  # a few transfers to windows and equal queue times
        db.execute("update tickets set target_window = 8, status = 'transferred' where id % 17 = 0")
        db.execute("update tickets set queue_at = (select queue_at from tickets where id = 3) where id in (4, 5, 6)")
    waiting = hall.waiting_tickets()
    for ticket in waiting:
        assert hall.position(ticket.id)[0] == ahead_of(ticket, waiting, RULE), ticket
    db.close()
