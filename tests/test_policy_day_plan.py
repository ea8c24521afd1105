"""The day's support plan (每日兼办) as pure code, and in the simulator."""
from __future__ import annotations

from datetime import date

from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.policy.day_plan import expected_from_history, plan_day_support
from queue_server.simulation.runner import draw_day, run_day
from queue_server.tidal.settings import simulation_profile, tidal_settings

SERVES = {1: ("si",), 2: ("si",), 3: ("hpf",), 4: ("tax",), 31: ("si", "mi", "hpf")}


def test_each_trained_counter_takes_the_service_with_the_most_work_per_window():
    """GIVEN 社保 with two counters and 医保 with none but a share of the standby window WHEN counters trained for
    both are planned THEN 医保 (more work per window) goes first, and the second counter, seeing it already helped,
    takes the next-busiest one."""
    trained = {1: ("mi", "hpf"), 2: ("mi", "hpf"), 4: ()}
    work = {"si": 600.0, "mi": 300.0, "hpf": 200.0}
    # mi: 300 / (1/3 + 1) = 225; hpf: 200 / (1 + 1/3 + 1) = 86; after counter 1: mi 300 / (1/3 + 0.5 + 1) = 164
    assert plan_day_support(SERVES, trained, work) == {1: "mi", 2: "mi"}
    assert plan_day_support(SERVES, trained, {"mi": 200.0, "hpf": 400.0}) == {1: "hpf", 2: "mi"}


def test_untrained_counters_and_their_own_services_are_left_alone_and_ties_are_reproducible():
    assert plan_day_support(SERVES, {4: (), 3: ("hpf",)}, {"hpf": 900.0}) == {}
    tie = plan_day_support({1: ("si",)}, {1: ("a", "b")}, {"a": 50.0, "b": 50.0})
    assert tie == {1: "b"} == plan_day_support({1: ("si",)}, {1: ("b", "a")}, {"a": 50.0, "b": 50.0})


def test_past_days_teach_the_expected_tickets_with_their_surges_taken_out_and_todays_put_in():
    """GIVEN 30 社保 tickets on a Monday (surge ×1.5) and 20 on a Wednesday, and no 医保 on the Wednesday WHEN a
    month-start day (×1.3 for 社保 only) is planned THEN 社保 expects (20 + 20) / 2 × 1.3 = 26 and 医保 the plain
    average of 10 and 0."""
    monday, wednesday, month_start = date(2026, 11, 23), date(2026, 11, 25), date(2026, 12, 1)

    def surge(day, service):
        return (1.5 if day == monday else 1.0) * (1.3 if day == month_start and service == "si" else 1.0)

    past = {monday: {"si": 30, "mi": 15}, wednesday: {"si": 20}}
    expected = expected_from_history(past, surge, month_start, ("si", "mi"))
    assert expected["si"] == 26.0 and expected["mi"] == 5.0
    assert expected_from_history({}, surge, month_start, ("si",)) == {"si": 0.0}


def test_the_simulated_hall_plans_its_day_and_serves_the_planned_items_at_the_counters():
    """The demo hall (day_plan on) plans its trained counters at opening; under the plan its counters serve the
    planned items, and fewer citizens wait over 20 minutes than under today's fixed staffing."""
    config = load_config(DEMO_CONFIG_PATH)
    settings, profile = tidal_settings(config), simulation_profile(config)
    assert settings.day_plan
    day = date(2026, 3, 2)  # a month-start Monday
    tickets = draw_day(config, profile, day, seed=5)
    planned = run_day(config, settings, profile, "tidal", day, tickets)
    static = run_day(config, settings, profile, "static", day, tickets)
    plans = [(window, service) for _, kind, service, window, _ in planned.events if kind == "plan"]
    assert plans and all(not config.windows[w].standby and s not in config.windows[w].services for w, s in plans)
    over = [sum(1 for w in r.waits if w > 20) for r in (planned, static)]
    assert over[0] < over[1]
