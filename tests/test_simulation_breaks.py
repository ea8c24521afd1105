"""The simulated hall's break plan: planned spans after the rush, departments never all away, the same plan for every
policy, and the unplanned default (breaks across the middle of each session)."""
from __future__ import annotations

import tomllib
from collections import defaultdict

from queue_server.core.config import DEMO_CONFIG_PATH, parse_config
from queue_server.simulation.runner import break_plan, sessions_of, windows_for

SPANS = ((660.0, 720.0), (960.0, 1050.0))  # 11:00–12:00 and 16:00–17:30


def demo():
    return parse_config(tomllib.loads(DEMO_CONFIG_PATH.read_text(encoding="utf-8")), "hall.toml")


def test_planned_breaks_fall_in_their_span_and_a_department_keeps_a_counter_open():
    config = demo()
    sessions = sessions_of(config)
    plan = break_plan(config, sessions, 15.0, SPANS)
    assert set(plan) == set(config.windows)
    for number, breaks in plan.items():
        assert len(breaks) == 2, number
        (morning, m), (afternoon, a) = breaks
        assert m == a == 15.0
        assert 660 <= morning and morning + 15 <= 720
        assert 960 <= afternoon and afternoon + 15 <= 1050
    by_department = defaultdict(list)
    for w in config.windows.values():
        key = "standby" if w.standby else config.services[w.services[0]].department
        by_department[key].append(w.number)
    for key, numbers in by_department.items():
        starts = [plan[n][0][0] for n in numbers]
        assert len(set(starts)) == min(len(numbers), 4), (key, starts)  # 4 slots of 15 minutes in 11:00–12:00
    per_slot = defaultdict(int)
    for breaks in plan.values():
        per_slot[breaks[0][0]] += 1
    assert max(per_slot.values()) - min(per_slot.values()) <= 3  # the hall loses about as many counters per slot


def test_without_a_plan_breaks_spread_over_the_middle_of_each_session_as_before():
    config = demo()
    sessions = sessions_of(config)
    plan = break_plan(config, sessions, 15.0)
    for breaks in plan.values():
        for (start, minutes), (s, e) in zip(breaks, sessions):
            assert s + 0.25 * (e - s) <= start <= s + 0.75 * (e - s)
    morning = [b[0][0] for b in plan.values()]
    assert sum(1 for t in morning if 9 * 60 <= t < 11 * 60) > len(morning) / 2  # most of them in the rush
    assert break_plan(config, sessions, 0.0, SPANS) == {}


def test_every_policy_with_the_same_people_gets_the_same_break_plan():
    config = demo()
    sessions = sessions_of(config)
    plans = {p: windows_for(config, p, sessions, 15.0, SPANS) for p in ("static", "tidal", "crosstrained")}
    breaks = {p: {w.number: w.breaks for w in ws} for p, ws in plans.items()}
    assert breaks["static"] == breaks["tidal"] == breaks["crosstrained"]
    regular = {w.number: w.breaks for w in windows_for(config, "regular", sessions, 15.0, SPANS)}
    assert all(regular[n] == () for n, w in config.windows.items() if w.standby)
