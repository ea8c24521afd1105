"""Simulated days of the demo hall: demand shape, queue invariants, policies, and the ``govhall simulate`` command."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import date

import numpy as np
import pytest
from PIL import Image

from queue_server.simulation.model import busy_days, day_factor, expected_volume, is_workday
from queue_server.simulation.runner import draw_day, run_day, sessions_of
from queue_server.tidal.settings import simulation_profile, tidal_settings

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
MONDAY, TUESDAY = date(2026, 3, 2), date(2026, 3, 17)  # a month-start Monday; an ordinary mid-month Tuesday


@pytest.fixture(scope="module")
def setup(hall_config):
    return hall_config, tidal_settings(hall_config), simulation_profile(hall_config)


def test_demand_has_monday_and_month_start_surges_and_a_morning_peak(setup):
    config, _, profile = setup
    minutes = {c: s.minutes for c, s in config.services.items()}
    assert day_factor(TUESDAY, profile, "si_card") == 1.0
    assert day_factor(MONDAY, profile, "marriage") == pytest.approx(profile.monday_factor)
    assert day_factor(MONDAY, profile, "si_card") == pytest.approx(profile.monday_factor * profile.month_start_factor)
    assert day_factor(date(2026, 2, 24), profile, "si_card") == pytest.approx(profile.monday_factor)  # after 春节
    assert expected_volume(MONDAY, minutes, profile) > 1.3 * expected_volume(TUESDAY, minutes, profile)
    tickets = draw_day(config, profile, TUESDAY, seed=3)
    sessions = sessions_of(config)
    assert all(any(a <= t.arrival < b for a, b in sessions) for t in tickets)
    per_hour = Counter(int(t.arrival // 60) for t in tickets)
    assert per_hour[9] > 1.3 * per_hour[11] and per_hour[14] > per_hour[16]
    kinds = Counter(t.kind for t in tickets)
    assert 0.05 < kinds["appointment"] / len(tickets) < 0.15 and 0 < kinds["priority"] / len(tickets) < 0.08


def test_service_times_are_log_normal_around_the_configured_minutes(setup):
    config, _, profile = setup
    tickets = [t for seed in range(10) for t in draw_day(config, profile, TUESDAY, seed) if t.service == "si_card"]
    times = np.array([t.service_min for t in tickets])
    assert len(times) > 400
    assert times.mean() == pytest.approx(config.services["si_card"].minutes, rel=0.08)
    assert np.median(times) < times.mean()  # right-skewed
    assert np.log(times).std() == pytest.approx(np.sqrt(np.log(1 + profile.service_cv**2)), rel=0.1)


def test_the_same_seed_gives_the_same_citizens_and_another_seed_does_not(setup):
    config, _, profile = setup
    a, b, c = (draw_day(config, profile, MONDAY, s) for s in (5, 5, 6))
    assert [(t.service, t.arrival, t.service_min) for t in a] == [(t.service, t.arrival, t.service_min) for t in b]
    assert len(a) != len(c) or a[0].arrival != c[0].arrival


def test_a_busy_day_under_each_policy(setup):
    config, settings, profile = setup
    tickets = draw_day(config, profile, MONDAY, seed=1)
    results = {p: run_day(config, settings, profile, p, MONDAY, tickets) for p in ("static", "regular", "tidal")}
    came = sum(1 for t in tickets if not t.no_show)
    for name, r in results.items():
        assert len(r.waits) == came, name  # everyone who came was called, once
        assert min(r.waits) >= 0
    share = {p: np.mean(np.array(r.waits) > 20) for p, r in results.items()}
    hours = {p: r.staff_min / 60 for p, r in results.items()}
    assert share["tidal"] < 0.7 * share["regular"]  # (against static it wins on average, not on every day)
    # the same people on the same hours as today's practice: tidal moves staff, it adds nobody
    assert hours["regular"] < hours["tidal"] <= hours["static"] + 0.5
    assert results["tidal"].tidal_openings > 0 and results["regular"].tidal_openings == 0
    kinds = [e[1] for e in results["tidal"].events]
    assert kinds.count("open") == results["tidal"].tidal_openings and "close" in kinds


def test_priority_tickets_go_first(setup):
    config, settings, profile = setup
    tickets = draw_day(config, profile, MONDAY, seed=2)
    from queue_server.simulation.engine import HallSimulation
    from queue_server.simulation.model import DayPlan
    from queue_server.simulation.policies import StaticPolicy
    from queue_server.simulation.runner import windows_for

    plan = DayPlan(MONDAY, tickets, windows_for(config, "regular", sessions_of(config), 0), sessions_of(config),
                   {c: s.minutes for c, s in config.services.items()})
    HallSimulation(plan, StaticPolicy()).run()
    wait = {k: np.mean([t.called - t.arrival for t in tickets if t.kind == k]) for k in ("priority", "walk_in")}
    assert wait["priority"] < 0.5 * wait["walk_in"]


def test_replaying_a_policys_moves_reproduces_its_day(setup):
    """The clairvoyant's guarantee rests on this: the simulator is deterministic, so an online policy's schedule of
    moves, replayed, gives exactly its day."""
    from queue_server.simulation.engine import HallSimulation
    from queue_server.simulation.model import DayPlan
    from queue_server.simulation.runner import class_order_of, windows_for
    from queue_server.simulation.schedule import ReplayPolicy, schedule_of

    config, settings, profile = setup
    tickets = draw_day(config, profile, TUESDAY, seed=7)
    online = run_day(config, settings, profile, "tidal", TUESDAY, tickets)
    sessions = sessions_of(config)
    plan = DayPlan(TUESDAY, tickets, windows_for(config, "tidal", sessions, profile.break_min, profile.break_spans),
                   sessions,
                   {c: float(s.minutes) for c, s in config.services.items()}, class_order_of(config))
    replayed = HallSimulation(plan, ReplayPolicy(schedule_of(online, profile.ack_delay_min)), config.hall.tz,
                              profile.ack_delay_min, no_show_wait_min=profile.no_show_wait_min).run()
    assert online.tidal_openings > 0
    assert replayed.waits == online.waits and replayed.staff_min == pytest.approx(online.staff_min)


def test_clairvoyant_is_never_worse_than_the_online_policies_and_keeps_the_budget(setup):
    config, settings, profile = setup
    tickets = draw_day(config, profile, MONDAY, seed=1)
    policies = ("static", "tidal", "crosstrained", "clairvoyant")
    results = {p: run_day(config, settings, profile, p, MONDAY, tickets) for p in policies}
    over = {p: sum(1 for w in r.waits if w > 20) for p, r in results.items()}
    assert over["clairvoyant"] <= min(over["static"], over["tidal"], over["crosstrained"])
    assert any(kind == "plan" for _, kind, *_ in results["crosstrained"].events)
    assert over["crosstrained"] < over["static"]
    assert over["clairvoyant"] < over["static"]  # it does find better moves than standing still
    clair = results["clairvoyant"]
    assert clair.staff_min / 60 <= results["static"].staff_min / 60 + 0.5
    lunch = [staffed for t, _, staffed in clair.timeline if 12 * 60 + 40 <= t < 13 * 60 + 30]
    assert lunch and max(lunch) == 0  # nobody is brought in out of hours


def test_the_arrival_history_matches_the_days_drawn_on_average(setup):
    from queue_server.simulation.model import expected_arrivals

    config, _, profile = setup
    minutes = {c: float(s.minutes) for c, s in config.services.items()}
    history = expected_arrivals(TUESDAY, sessions_of(config), minutes, profile)
    days = [draw_day(config, profile, TUESDAY, seed) for seed in range(20)]
    drawn = np.mean([sum(1 for t in day if 9 * 60 <= t.arrival < 10 * 60) for day in days])
    assert sum(history.rate(s, 9 * 60, 60) * 60 for s in minutes) == pytest.approx(drawn, rel=0.05)
    assert history.rate("si_card", 9 * 60, 60) > 1.5 * history.rate("si_card", 11 * 60, 60)  # the morning peak
    assert history.rate("si_card", 12 * 60 + 30, 30) == 0.0  # lunch: nobody comes


def test_busy_days_are_mondays_or_month_start_business_days():
    days = busy_days(date(2026, 3, 1), 6)
    assert all(is_workday(d) and (d.weekday() == 0 or d.day <= 5) for d in days)
    assert days[0] == MONDAY


def test_govhall_simulate_json_and_plot(tmp_path):
    png = tmp_path / "day.png"
    out = subprocess.run(
        [sys.executable, "-m", "queue_server", "simulate", "--json", "--days", "1", "--policy", "static",
         "--seed", "4", "--plot", str(png)],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    ).stdout
    figures = json.loads(out)
    assert {"tickets", "mean_wait_min", "p90_wait_min", "max_wait_min", "share_over_20_min", "staff_hours",
            "tidal_openings", "seconds"} <= set(figures)
    assert figures["tickets"] > 500 and figures["tidal_openings"] == 0
    assert figures["mean_wait_min"] <= figures["p90_wait_min"] <= figures["max_wait_min"]
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] > 600
    bad = subprocess.run([sys.executable, "-m", "queue_server", "simulate", "--policy", "magic"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "未知策略" in bad.stderr
