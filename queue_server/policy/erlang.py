"""Erlang C (M/M/c) formulas: the yardstick for the simulator and the clairvoyant staffing bound.

Rates are per minute; times in minutes. Pure arithmetic, no I/O.
"""
from __future__ import annotations

import math


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Probability that an arriving customer has to wait in an M/M/c queue.

    Uses the numerically stable Erlang B recursion. Returns 1.0 when the queue is unstable (load ≥ servers).

    :param arrival_rate: λ, arrivals per minute.
    :param service_rate: μ, services per minute per server.
    :param servers: c, the number of servers.
    """
    if servers <= 0:
        return 1.0
    a = arrival_rate / service_rate
    if a >= servers:
        return 1.0
    b = 1.0
    for k in range(1, servers + 1):
        b = a * b / (k + a * b)
    rho = a / servers
    return b / (1 - rho + rho * b)


def mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue (minutes) of an M/M/c queue; ``math.inf`` when unstable.

    :param arrival_rate: λ per minute.
    :param service_rate: μ per minute per server.
    :param servers: c.
    """
    if servers <= 0 or arrival_rate >= servers * service_rate:
        return math.inf
    return erlang_c(arrival_rate, service_rate, servers) / (servers * service_rate - arrival_rate)


def share_waiting_over(arrival_rate: float, service_rate: float, servers: int, minutes: float) -> float:
    """P(wait > ``minutes``) in an M/M/c queue (1.0 when unstable).

    :param arrival_rate: λ per minute.
    :param service_rate: μ per minute per server.
    :param servers: c.
    :param minutes: the target wait.
    """
    if servers <= 0 or arrival_rate >= servers * service_rate:
        return 1.0
    return erlang_c(arrival_rate, service_rate, servers) * math.exp(
        -(servers * service_rate - arrival_rate) * minutes
    )


def share_waiting_over_fractional(arrival_rate: float, service_rate: float, servers: float, minutes: float) -> float:
    """:func:`share_waiting_over` for a fractional number of servers, interpolated between the two integers.

    A window shared between services gives each a fraction of a server; interpolation keeps the staffing search
    monotone in that fraction.

    :param arrival_rate: λ per minute.
    :param service_rate: μ per minute per server.
    :param servers: c, possibly fractional.
    :param minutes: the target wait.
    """
    if arrival_rate <= 0:
        return 0.0
    low = math.floor(servers)
    frac = servers - low
    p_low = share_waiting_over(arrival_rate, service_rate, low, minutes)
    if frac == 0:
        return p_low
    p_high = share_waiting_over(arrival_rate, service_rate, low + 1, minutes)
    return p_low + (p_high - p_low) * frac
