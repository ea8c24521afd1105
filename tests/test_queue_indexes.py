"""What a new ticket writes (issue 20): time-ordered tokens, and the indexes m009 narrowed serving the queries
that need them (a plan that fell back to a scan would pass every other test and only show as a slow hall)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from queue_server.app import open_database
from queue_server.core.clock import FakeClock
from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.phones.reminders import review_due_events
from queue_server.phones.settings import ReminderSettings
from queue_server.queue.hall import Hall, ticket_token
from queue_server.reviews.records import last_finished_at_window
from tests.conftest import MONDAY_9AM
from tests.query_plans import record_plans


def test_tokens_sort_by_issue_time_and_keep_128_random_bits() -> None:
    """GIVEN tickets issued a millisecond to a year apart THEN their tokens sort in issue order by their first 7
    characters, are 29 URL-safe characters, and two issued in the same millisecond still differ."""
    start = datetime(2026, 12, 6, 1, 2, 3, tzinfo=timezone.utc)
    steps = [timedelta(milliseconds=1), timedelta(seconds=1), timedelta(hours=9), timedelta(days=365)]
    instants = [start]
    for step in steps * 3:
        instants.append(instants[-1] + step)
    tokens = [ticket_token(at) for at in instants]
    assert [t[:7] for t in tokens] == sorted(t[:7] for t in tokens) and len({t[:7] for t in tokens}) == len(tokens)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{29}", t) for t in tokens)
    same = {ticket_token(start) for _ in range(100)}
    assert len(same) == 100 and len({t[:7] for t in same}) == 1


def test_the_day_roll_and_service_times_read_the_narrow_indexes(tmp_path) -> None:
    """GIVEN yesterday's open tickets and today's finished ones WHEN the day rolls over and a new ticket's estimate
    reads the service's recent times THEN SQLite answers from m009's ``(status, business_day)`` and
    finished-tickets-only indexes."""
    db = open_database(tmp_path / "h.db")
    clock = FakeClock(MONDAY_9AM)
    hall = Hall(load_config(DEMO_CONFIG_PATH), db, clock)
    hall.issue_ticket("si_card", "yesterday", None, "kiosk:test")
    plans = record_plans(db, lambda sql: "roll" if "business_day < ?" in sql
                         else "recent" if "status = 'finished'" in sql else None)
    clock.advance(24 * 3600)
    hall.roll_day()
    hall.issue_ticket("si_card", "today", None, "kiosk:test")
    assert any("idx_tickets_status_day" in p for p in plans["roll"]), plans["roll"]
    assert any("idx_tickets_finished" in p for p in plans["recent"]), plans["recent"]
    assert not any(p.startswith("SCAN tickets") for p in plans["roll"] + plans["recent"])
    assert db.execute("select status from tickets where request_id = 'yesterday'").fetchone()[0] == "expired"


def test_the_review_link_sweep_reads_only_the_last_days_finished_tickets(tmp_path) -> None:
    """The phones' minutely sweep for review links due (on the writer thread) seeks the last two days' finished
    tickets on ``(status, business_day)``: it used to read every finished ticket the hall ever had."""
    db = open_database(tmp_path / "h.db")
    plans = record_plans(db)
    review_due_events(db, ReminderSettings(offered=True), MONDAY_9AM)
    assert any("idx_tickets_status_day (status=? AND business_day>?)" in p for p in plans["all"]), plans


def test_a_tablets_last_finished_ticket_is_sought_in_the_last_days_only(tmp_path) -> None:
    """The counter tablet's "this window's last finished ticket" (read on the loop at every tablet review) seeks
    the last two days' finished tickets; it used to sort every finished ticket the hall ever had."""
    db = open_database(tmp_path / "h.db")
    plans = record_plans(db, method="query")
    assert last_finished_at_window(db, 3, MONDAY_9AM) is None
    assert any("business_day>?" in p for p in plans["all"]), plans
