"""Wait estimation as pure arithmetic: robust service times, fractional windows, per-ticket estimates, accuracy."""
from __future__ import annotations

import pytest

from queue_server.policy.estimate import (
    EstimateAccuracy, ServiceLoad, capacities, capacity_share, estimate_wait_minutes, expected_wait_minutes,
    minutes_per_ticket, robust_mean_minutes,
)


def test_cold_start_quotes_the_configured_minutes_and_history_moves_it_gradually():
    assert robust_mean_minutes([], 12.0) == 12.0
    one = robust_mean_minutes([4.0], 12.0)
    many = robust_mean_minutes([4.0] * 30, 12.0)
    assert 10.0 < one < 12.0  # one quick service barely moves the figure
    assert 4.0 < many < 5.5  # thirty of them nearly replace it
    assert minutes_per_ticket(ServiceLoad("a", 0, 1.0, (), 12.0)) == 12.0


def test_outliers_are_clipped():
    """A ticket left open over lunch (300 min) must not triple the estimate."""
    history = [10.0] * 15 + [300.0]
    robust = robust_mean_minutes(history, 10.0)
    naive = sum(history) / len(history)
    assert naive > 28
    assert robust == pytest.approx((10 * 4 + 10 * 15 + 30) / 20)


def test_only_recent_services_count_and_the_mean_not_the_median_is_used():
    assert robust_mean_minutes([30.0] * 50 + [6.0] * 30, 6.0) == pytest.approx(6.0)
    skewed = [4.0, 5.0, 6.0, 6.0, 14.0] * 6  # median 6, mean 7
    assert robust_mean_minutes(skewed, 7.0) == pytest.approx(7.0)


def test_a_shared_window_counts_fractionally():
    open_windows = [("a",), ("a", "b"), ("b", "c", "d")]
    assert capacity_share(open_windows, "a") == pytest.approx(1.5)
    assert capacity_share(open_windows, "b") == pytest.approx(0.5 + 1 / 3)
    assert capacity_share(open_windows, "z") == 0
    assert capacities(open_windows) == pytest.approx({"a": 1.5, "b": 5 / 6, "c": 1 / 3, "d": 1 / 3})


def test_estimate_for_a_position_in_the_queue():
    load = ServiceLoad("a", waiting=6, capacity=2.0, default_minutes=10.0)
    assert expected_wait_minutes(load) == pytest.approx(30.0)  # 6 ahead × 10 min / 2 windows
    assert estimate_wait_minutes(3, load) == 15
    assert estimate_wait_minutes(0, load) == 0
    shared = ServiceLoad("a", waiting=2, capacity=0.5, recent_minutes=(8.0,) * 30, default_minutes=8.0)
    assert estimate_wait_minutes(2, shared) == 32
    nobody = ServiceLoad("a", waiting=2, capacity=0.0, default_minutes=8.0)
    assert estimate_wait_minutes(2, nobody) is None  # the public figure: no window serves it now
    assert expected_wait_minutes(nobody) == pytest.approx(16.0)  # the policy's figure: as if one window opened


def test_accuracy_reports_mean_absolute_error_and_share_under_estimated():
    acc = EstimateAccuracy()
    assert acc.as_dict()["mean_abs_error_min"] is None
    for quoted, actual in [(10, 12), (10, 7), (5, 5), (20, 30)]:
        acc.add(quoted, actual)
    assert acc.mean_abs_error_min == pytest.approx((2 + 3 + 0 + 10) / 4)
    assert acc.share_under == pytest.approx(0.5)
    assert acc.bias_min == pytest.approx((2 - 3 + 0 + 10) / 4)
    assert acc.as_dict() == {"tickets": 4, "mean_abs_error_min": 3.75, "share_under_estimated": 0.5, "bias_min": 2.25}
