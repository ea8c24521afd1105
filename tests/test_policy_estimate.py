"""Wait estimation as pure arithmetic: robust service times, fractional windows, per-ticket estimates, accuracy."""
from __future__ import annotations

import pytest

from queue_server.policy.estimate import (
    EstimateAccuracy, ServiceLoad, WindowView, build_loads, capacity_shares, estimate_wait_minutes,
    robust_mean_minutes,
)


def test_cold_start_quotes_the_configured_minutes_and_history_moves_it_gradually():
    assert robust_mean_minutes([], 12.0) == 12.0
    one = robust_mean_minutes([4.0], 12.0)
    many = robust_mean_minutes([4.0] * 30, 12.0)
    assert 10.0 < one < 12.0  # one quick service barely moves the figure
    assert 4.0 < many < 5.5  # thirty of them nearly replace it


def test_outliers_are_clipped():
    """A ticket left open over lunch (300 min) must not triple the estimate."""
    history = [10.0] * 15 + [300.0]
    robust = robust_mean_minutes(history, 10.0)
    naive = sum(history) / len(history)
    assert naive > 28
    assert robust == pytest.approx((10 * 4 + 10 * 15 + 30) / 20)


def test_only_recent_services_count():
    old_then_new = [30.0] * 50 + [6.0] * 30
    assert robust_mean_minutes(old_then_new, 6.0) == pytest.approx(6.0)


def test_a_shared_window_counts_fractionally_and_follows_the_queued_work():
    windows = [
        WindowView(("a",), True, True),
        WindowView(("a", "b"), True, False),
        WindowView(("b",), False, False),  # paused: no capacity
    ]
    cap, idle = capacity_shares(windows, {"a": 0, "b": 0}, {"a": 10.0, "b": 10.0})
    assert cap == pytest.approx({"a": 1.5, "b": 0.5})
    assert idle == pytest.approx({"a": 0.5, "b": 0.5})
    cap, _ = capacity_shares(windows, {"a": 9, "b": 0}, {"a": 10.0, "b": 10.0})
    # b keeps its floor of half an equal share (0.25); a takes the rest of the shared window.
    assert cap["b"] == pytest.approx(0.25 / (0.25 + 0.95), rel=1e-6)
    assert cap["a"] + cap["b"] == pytest.approx(2.0)


def test_estimate_for_a_position_in_the_queue():
    busy = ServiceLoad("a", waiting=6, capacity=2.0, mean_service_min=10.0)
    assert estimate_wait_minutes(busy) == pytest.approx(35.0)  # 7 slots × 10 min / 2 windows
    assert estimate_wait_minutes(busy, ahead=0) == pytest.approx(5.0)
    free = ServiceLoad("a", waiting=0, capacity=2.0, mean_service_min=10.0, idle=1.0)
    assert estimate_wait_minutes(free) == 0.0
    nobody = ServiceLoad("a", waiting=2, capacity=0.0, mean_service_min=8.0)
    assert estimate_wait_minutes(nobody) == pytest.approx(24.0)  # as if one window will open


def test_build_loads_covers_every_service():
    loads = build_loads([WindowView(("a",), True, False)], {"a": 3}, {"a": 5.0, "b": 7.0})
    assert loads["a"] == ServiceLoad("a", 3, 1.0, 5.0, 1.0)
    assert loads["b"] == ServiceLoad("b", 0, 0.0, 7.0, 0.0)


def test_accuracy_reports_mean_absolute_error_and_share_under_estimated():
    acc = EstimateAccuracy()
    assert acc.as_dict()["mean_abs_error_min"] is None
    for quoted, actual in [(10, 12), (10, 7), (5, 5), (20, 30)]:
        acc.add(quoted, actual)
    assert acc.mean_abs_error_min == pytest.approx((2 + 3 + 0 + 10) / 4)
    assert acc.share_under == pytest.approx(0.5)
    assert acc.bias_min == pytest.approx((2 - 3 + 0 + 10) / 4)
    assert acc.as_dict() == {"tickets": 4, "mean_abs_error_min": 3.75, "share_under_estimated": 0.5, "bias_min": 2.25}
