"""The day's support plan (每日兼办) on the live server: the inputs the simulator gives
:func:`queue_server.policy.day_plan.plan_day_support`, read from the hall's configuration, and the plan's wording.

The server and the hall simulator plan a day with the same pure function on the same inputs: every staffed window's
all-day services (a standby window: its tidal group), what each regular window's staff are trained for
(:func:`queue_server.policy.tidal.cross_trained`), and the expected minutes of work per service for a day like
today (the ``[tidal.simulation]`` demand profile's expected arrivals times each service's configured minutes).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from queue_server.config import HallConfig
from queue_server.policy.day_plan import plan_day_support
from queue_server.simulation.model import expected_arrivals
from queue_server.simulation.runner import sessions_of
from queue_server.tidal_config import simulation_profile


@dataclass(frozen=True)
class DayPlan:
    """A business day's support plan.

    :param day: the business day.
    :param services: window number -> the service its staff take up next to their own.
    :param work_min: expected minutes of work per service over the day (the figures behind the plan).
    """

    day: date
    services: dict[int, str]
    work_min: dict[str, float]


def expected_work(config: HallConfig, day: date) -> dict[str, float]:
    """Expected minutes of work per service over ``day``, from the hall's demand profile.

    :param config: the hall configuration.
    :param day: the business day.
    """
    minutes = {code: float(s.minutes) for code, s in config.services.items()}
    history = expected_arrivals(day, sessions_of(config), minutes, simulation_profile(config))
    return history.work_minutes(minutes)


def all_day_services(config: HallConfig) -> dict[int, tuple[str, ...]]:
    """The services every window serves all day: a standby window its tidal group, a regular one its own.

    :param config: the hall configuration.
    """
    return {n: tuple(w.tidal_services) if w.standby else tuple(w.services) for n, w in config.windows.items()}


def make_day_plan(config: HallConfig, trained: Mapping[int, tuple[str, ...]], day: date) -> DayPlan:
    """The support plan of ``day``.

    :param config: the hall configuration.
    :param trained: what each regular window's staff may take up beyond their own services.
    :param day: the business day.
    """
    work = expected_work(config, day)
    regular = {n: tuple(s) for n, s in trained.items() if not config.windows[n].standby}
    return DayPlan(day, plan_day_support(all_day_services(config), regular, work), work)


def plan_reason(service_name: str, work_min: float) -> str:
    """Why a window takes ``service_name`` up today, for the window's staff and the audit log.

    :param service_name: the planned service's name.
    :param work_min: its expected minutes of work today.
    """
    return f"每日兼办：今日预计{service_name}工作量较大（约 {round(work_min)} 分钟），本窗口兼办"
