"""The tidal policy as pure code: thresholds, hysteresis, standby choice, acknowledgement and escalation."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from queue_server.core.clock import FakeClock
from queue_server.policy.tidal import decide
from queue_server.policy.tidal_state import (CLOSE, ESCALATE, OPEN, Opening, ServiceState, Thresholds, TidalSettings,
                                             TidalState, WindowState)

START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai, a Monday

STANDBY = {
    31: WindowState(31, True, ("bdc", "tax"), (), "closed"),
    32: WindowState(32, True, ("si", "mi", "bdc"), (), "closed"),
    1: WindowState(1, False, (), ("bdc",), "open", True),
}


def state(services: dict[str, tuple[int, float]], openings=(), windows=STANDBY, settings=None, blocked=frozenset()):
    return TidalState(
        settings or TidalSettings(),
        {code: ServiceState(code, n, w) for code, (n, w) in services.items()},
        windows, tuple(openings), frozenset(blocked),
    )


def test_opens_only_strictly_above_either_upper_threshold():
    """GIVEN the defaults (20 min, 10 waiting) WHEN a service sits exactly on them THEN nothing opens;
    one minute or one ticket more opens a window."""
    assert decide(state({"bdc": (10, 20.0)}), START).actions == ()
    by_wait = decide(state({"bdc": (3, 20.5)}), START)
    by_count = decide(state({"bdc": (11, 5.0)}), START)
    assert [(a.kind, a.service) for a in by_wait.actions] == [(OPEN, "bdc")]
    assert [(a.kind, a.service) for a in by_count.actions] == [(OPEN, "bdc")]
    assert "超过 20 分钟" in by_wait.actions[0].reason and "超过 10 人" in by_count.actions[0].reason
    assert by_wait.actions[0].figures["estimated_wait_min"] == 20.5
    assert by_count.openings[0] == Opening("bdc", 31, START)


def test_per_service_override_applies_only_to_that_service():
    settings = TidalSettings(overrides={"tax": Thresholds(open_waiting=4, close_waiting=1)})
    d = decide(state({"tax": (5, 8.0), "bdc": (5, 8.0)}, settings=settings), START)
    assert [(a.service, a.window) for a in d.actions] == [("tax", 31)]


def test_closes_only_after_the_hold_time_below_the_lower_threshold():
    clock = FakeClock(START)
    openings = decide(state({"bdc": (12, 30.0)}), clock.now()).openings
    openings = (replace(openings[0], acknowledged_at=START),)
    for _ in range(10):  # calm from minute 1 to minute 10: nine minutes below, still open
        clock.advance(60)
        d = decide(state({"bdc": (2, 4.0)}, openings), clock.now())
        assert d.actions == ()
        openings = d.openings
    assert openings[0].below_since == START.replace(minute=1)
    clock.advance(60)
    d = decide(state({"bdc": (2, 4.0)}, openings), clock.now())
    assert [(a.kind, a.window) for a in d.actions] == [(CLOSE, 31)]
    assert d.openings == ()
    assert d.actions[0].figures["below_min"] == 10.0


def test_a_blip_above_the_lower_threshold_restarts_the_hold():
    clock = FakeClock(START)
    openings = (Opening("bdc", 31, START, acknowledged_at=START),)
    waits = [4.0] * 8 + [12.0] + [4.0] * 10  # a 12-minute blip (above close_wait_min=10) after 8 calm minutes
    for wait in waits:
        clock.advance(60)
        d = decide(state({"bdc": (2, wait)}, openings), clock.now())
        assert d.actions == ()
        openings = d.openings
    clock.advance(60)
    assert [a.kind for a in decide(state({"bdc": (2, 4.0)}, openings), clock.now()).actions] == [CLOSE]


def test_the_wait_without_the_tidal_window_keeps_it_open():
    """A queue that is short only thanks to the tidal window does not count as calm."""
    openings = (Opening("bdc", 31, START, acknowledged_at=START, below_since=START),)
    calm_only_with_help = TidalState(
        TidalSettings(), {"bdc": ServiceState("bdc", 3, 6.0, wait_without_tidal_min=25.0)}, STANDBY, openings
    )
    later = START.replace(minute=30)
    d = decide(calm_only_with_help, later)
    assert d.actions == () and d.openings[0].below_since is None


def test_no_flapping_on_a_noisy_queue():
    """GIVEN a queue wandering randomly between 8 and 24 minutes for three hours WHEN the policy runs every
    minute THEN the window opens once and never closes, although the wait crosses 20 minutes dozens of times."""
    rng = random.Random(7)
    clock = FakeClock(START)
    openings: tuple = ()
    kinds = []
    crossings = 0
    previous = 0.0
    for _ in range(180):
        wait = rng.uniform(8.0, 24.0) if openings else 21.0
        crossings += (previous > 20) != (wait > 20)
        previous = wait
        d = decide(state({"bdc": (int(wait / 3), wait)}, openings), clock.now())
        kinds += [a.kind for a in d.actions if a.kind != ESCALATE]
        openings = tuple(replace(o, acknowledged_at=o.acknowledged_at or clock.now()) for o in d.openings)
        clock.advance(60)
    assert crossings > 30
    assert kinds == [OPEN]


def test_standby_choice_prefers_a_staffed_idle_window_then_the_specialist_then_the_lower_number():
    windows = {
        31: WindowState(31, True, ("bdc", "tax"), (), "closed"),
        32: WindowState(32, True, ("si", "mi", "bdc"), (), "closed"),
        33: WindowState(33, True, ("bdc",), (), "paused"),
        34: WindowState(34, True, ("bdc", "si"), (), "open", busy=True),
        35: WindowState(35, True, ("bdc", "si", "mi"), (), "open"),
        36: WindowState(36, True, ("si",), (), "open"),  # idle and staffed, but not qualified
        5: WindowState(5, False, (), ("bdc",), "open"),  # a regular window is never taken
    }
    pick = lambda ws: decide(state({"bdc": (20, 40.0)}, windows=ws), START).actions[0].window  # noqa: E731
    assert pick(windows) == 35
    del windows[35]
    assert pick(windows) == 34
    del windows[34]
    assert pick(windows) == 33
    del windows[33]
    assert pick(windows) == 31  # qualified for 2 services rather than 3
    windows[30] = WindowState(30, True, ("tax", "bdc"), (), "closed")
    assert pick(windows) == 30  # same rank and breadth: the lower number


def test_no_qualified_free_window_means_no_action_and_busiest_service_goes_first():
    d = decide(state({"bdc": (12, 25.0), "tax": (30, 60.0), "si": (40, 80.0)}), START)
    # si is worst and gets 32 (only 32 is qualified); tax next gets 31; bdc is left without a free window.
    assert [(a.service, a.window) for a in d.actions] == [("si", 32), ("tax", 31)]
    openings = d.openings
    assert decide(state({"bdc": (12, 25.0), "tax": (30, 60.0), "si": (40, 80.0)}, openings), START).actions == ()


def test_unacknowledged_opening_escalates_once_at_the_timeout():
    clock = FakeClock(START)
    openings = decide(state({"bdc": (12, 30.0)}), clock.now()).openings
    clock.advance(179)
    d = decide(state({"bdc": (12, 30.0)}, openings), clock.now())
    assert d.actions == ()
    clock.advance(1)
    d = decide(state({"bdc": (12, 30.0)}, d.openings), clock.now())
    assert [(a.kind, a.window) for a in d.actions] == [(ESCALATE, 31)]
    assert "未确认" in d.actions[0].reason
    assert d.openings[0].escalated_at == clock.now()
    clock.advance(600)
    assert decide(state({"bdc": (12, 30.0)}, d.openings), clock.now()).actions == ()


def test_acknowledged_opening_never_escalates():
    clock = FakeClock(START)
    openings = decide(state({"bdc": (12, 30.0)}), clock.now()).openings
    clock.advance(100)
    openings = (replace(openings[0], acknowledged_at=clock.now()),)
    clock.advance(3600)
    assert decide(state({"bdc": (12, 30.0)}, openings), clock.now()).actions == ()


def test_manual_openings_stay_and_blocked_services_do_not_open():
    manual = (Opening("bdc", 31, START, manual=True, acknowledged_at=START),)
    later = START.replace(hour=3)
    assert decide(state({"bdc": (0, 0.0)}, manual), later).actions == ()
    assert decide(state({"tax": (30, 60.0)}, blocked={"tax"}), START).actions == ()
    assert decide(state({"tax": (30, 60.0)}, settings=TidalSettings(enabled=False)), START).actions == ()


def test_a_second_window_for_one_service_waits_a_hold_time():
    settings = TidalSettings(max_windows_per_service=2)
    clock = FakeClock(START)
    d = decide(state({"bdc": (30, 60.0)}, settings=settings), clock.now())
    assert [a.window for a in d.actions] == [31]
    clock.advance(9 * 60)
    d2 = decide(state({"bdc": (30, 60.0)}, d.openings, settings=settings), clock.now())
    assert [a.kind for a in d2.actions] == [ESCALATE]
    clock.advance(60)
    d3 = decide(state({"bdc": (30, 60.0)}, d2.openings, settings=settings), clock.now())
    assert [(a.kind, a.window) for a in d3.actions] == [(OPEN, 32)]


def test_a_calm_tidal_window_moves_to_an_overloaded_service_with_no_free_window():
    """GIVEN window 31 on tax, whose queue is calm again (inside its hold), and bdc overloaded with 32 taken
    WHEN the policy runs THEN 31 closes for tax and opens for bdc at once; a busy tax, or the setting off, keeps it."""
    openings = (
        Opening("tax", 31, START, acknowledged_at=START, below_since=START),
        Opening("si", 32, START, acknowledged_at=START),
    )
    later = START.replace(minute=4)
    d = decide(state({"tax": (1, 3.0), "si": (30, 60.0), "bdc": (12, 25.0)}, openings), later)
    assert [(a.kind, a.service, a.window) for a in d.actions] == [(CLOSE, "tax", 31), (OPEN, "bdc", 31)]
    assert "转去支援" in d.actions[0].reason
    assert sorted((o.service, o.window) for o in d.openings) == [("bdc", 31), ("si", 32)]
    busy_tax = decide(state({"tax": (8, 12.0), "si": (30, 60.0), "bdc": (12, 25.0)}, openings), later)
    assert busy_tax.actions == ()
    off = TidalSettings(move_calm_windows=False)
    assert decide(state({"tax": (1, 3.0), "si": (30, 60.0), "bdc": (12, 25.0)}, openings, settings=off), later).actions == ()


def test_cross_window_support_takes_the_calmest_trained_counter_and_returns_when_its_own_queue_rises():
    """GIVEN no standby window for 'loan' and two regular counters trained for it WHEN 'loan' passes its upper
    threshold THEN the counter whose own services are calmest takes it up (never one whose own queue is above its
    lower threshold, never an untrained or paused one); WHEN that counter's own service passes its upper threshold
    THEN the support closes at once, whatever the hold time."""
    windows = {
        30: WindowState(30, False, (), ("intake",), "open", support_services=("loan",)),
        31: WindowState(31, False, (), ("card",), "open", support_services=("loan",)),
        32: WindowState(32, False, (), ("idle",), "open"),  # calm, but not trained
        33: WindowState(33, False, (), ("quiet",), "paused", support_services=("loan",)),  # staff away
    }
    busy = {"loan": (3, 30.0), "intake": (1, 4.0), "card": (0, 0.0), "idle": (0, 0.0), "quiet": (0, 0.0)}
    d = decide(state(busy, windows=windows), START)
    assert [(a.kind, a.service, a.window) for a in d.actions] == [(OPEN, "loan", 31)]
    assert d.actions[0].figures["support"] is True and "跨窗口支援" in d.actions[0].reason
    not_calm = busy | {"card": (6, 12.0)}  # above card's lower threshold: 31 must not go, 30 may
    assert [a.window for a in decide(state(not_calm, windows=windows), START).actions] == [30]
    off = TidalSettings(cross_window_support=False)
    assert decide(state(busy, windows=windows, settings=off), START).actions == ()
    later = START.replace(minute=2)
    risen = busy | {"card": (11, 25.0)}
    d2 = decide(replace(state(risen, d.openings, windows=windows), service_names={"card": "社保卡办理"}), later)
    assert (d2.actions[0].kind, d2.actions[0].window) == (CLOSE, 31)
    assert d2.actions[0].reason.startswith("本窗口社保卡办理业务回升") and "结束支援" in d2.actions[0].reason
    assert d2.actions[0].figures["supported"] == "loan"
    assert [(a.kind, a.window) for a in d2.actions[1:]] == [(OPEN, 30)]  # the next calmest takes over


def test_cross_trained_counters_know_their_department_and_the_standby_groups_that_share_their_items():
    from queue_server.policy.training import cross_trained

    windows = {
        7: (False, ("si_card",), ()), 9: (False, ("si_pension",), ()), 14: (False, ("id_card",), ()),
        32: (True, (), ("si_card", "mi_enroll")),
    }
    department = {"si_card": "rsj", "si_pension": "rsj", "mi_enroll": "ybj", "id_card": "hj"}
    assert cross_trained(windows, department) == {
        7: ("si_pension", "mi_enroll"), 9: ("si_card",), 14: (),
    }


def test_items_every_standby_group_shares_do_not_make_a_counter_trained_for_a_group():
    """GIVEN standby groups that all include 综合受理 (intake) besides their own family of items THEN the 综合受理
    counter is not trained for the families through intake alone, while a 社保 counter still is for its family."""
    from queue_server.policy.training import cross_trained

    windows = {
        7: (False, ("si_card",), ()), 27: (False, ("intake",), ()), 30: (False, ("intake", "si_card"), ()),
        32: (True, (), ("si_card", "mi_enroll", "intake")), 34: (True, (), ("id_card", "intake")),
    }
    department = {"si_card": "rsj", "mi_enroll": "ybj", "id_card": "hj", "intake": "zhsl"}
    assert cross_trained(windows, department) == {7: ("mi_enroll",), 27: (), 30: ("mi_enroll",)}


def test_look_ahead_opens_before_the_queue_builds_and_keeps_a_window_before_a_known_surge():
    """GIVEN a calm queue now but a projected wait over the upper threshold (history says citizens are coming)
    THEN a window opens, with the projection in the reason; a tidal window does not close while the projection is
    above the lower threshold."""
    from queue_server.policy.estimate import ServiceLoad, projected_wait_minutes

    load = ServiceLoad("bdc", 2, 1.0, (), 10.0)
    assert projected_wait_minutes(load, 0.0, 15) == pytest.approx(5.0)  # 20 min of work, 15 served: 5 left
    assert projected_wait_minutes(load, 0.3, 15) == pytest.approx(50.0)  # + 4.5 tickets × 10 min
    calm_now = TidalState(TidalSettings(), {"bdc": ServiceState("bdc", 2, 20.0, None, 50.0)}, STANDBY)
    d = decide(calm_now, START)
    assert [(a.kind, a.service) for a in d.actions] == [(OPEN, "bdc")]
    assert "往日同时段" in d.actions[0].reason and d.actions[0].figures["projected_wait_min"] == 50.0
    later = START.replace(minute=30)
    surge_coming = TidalState(TidalSettings(), {"bdc": ServiceState("bdc", 0, 0.0, 0.0, 12.0)}, STANDBY, d.openings)
    assert decide(surge_coming, later).openings[0].below_since is None


def test_a_window_nobody_works_at_is_never_chosen_for_a_tidal_or_support_opening():
    """GIVEN an overloaded service whose best standby window and best trained counter have nobody signed in (a
    restart dropped them, or they never came) WHEN the policy decides THEN it takes the staffed ones, and with none
    staffed it opens nothing: the display must never send citizens to an empty counter (issue 14)."""
    windows = {
        35: WindowState(35, True, ("bdc",), (), "open", staffed=False),  # the best rank, but empty
        31: WindowState(31, True, ("bdc", "tax", "si"), (), "closed"),
        7: WindowState(7, False, (), ("quiet",), "open", support_services=("loan",), staffed=False),
        8: WindowState(8, False, (), ("calm",), "open", support_services=("loan",)),
    }
    d = decide(state({"bdc": (20, 40.0), "loan": (12, 45.0), "quiet": (0, 0.0), "calm": (1, 3.0)},
                     windows=windows), START)
    assert sorted((a.service, a.window) for a in d.actions) == [("bdc", 31), ("loan", 8)]
    nobody = {n: replace(w, staffed=False) for n, w in windows.items()}
    assert decide(state({"bdc": (20, 40.0), "loan": (12, 45.0)}, windows=nobody), START).actions == ()
