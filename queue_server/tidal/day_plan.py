"""The day's support plan (每日兼办) on the live server: the inputs the simulator gives
:func:`queue_server.policy.day_plan.plan_day_support`, read from the hall's configuration, and the plan's wording.

The server and the hall simulator plan a day with the same pure function on the same inputs: every staffed window's
all-day services (a standby window: its tidal group), what each regular window's staff are trained for
(:func:`queue_server.policy.training.cross_trained`), and the expected minutes of work per service for a day like
today (the ``[tidal.simulation]`` demand profile's expected arrivals times each service's configured minutes).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlite_utils import Database

from queue_server.core.config import HallConfig
from queue_server.policy.day_plan import expected_from_history, plan_day_support
from queue_server.policy.estimate import RECENT_SAMPLES, robust_mean_minutes
from queue_server.queue.hall_view import service_minutes
from queue_server.simulation.model import day_factor, expected_arrivals
from queue_server.simulation.runner import sessions_of
from queue_server.tidal.settings import simulation_profile

HISTORY_LOOKBACK_DAYS = 42  # six weeks: recent enough to follow the season, long enough for every weekday
MIN_HISTORY_DAYS = 5  # fewer past business days than this: plan from the demand profile instead


@dataclass(frozen=True)
class DayPlan:
    """A business day's support plan.

    :param day: the business day.
    :param services: window number -> the service its staff take up next to their own.
    :param work_min: expected minutes of work per service over the day (the figures behind the plan).
    :param basis: what the expected work rests on, in the hall's words (the past days' tickets or the forecast).
    """

    day: date
    services: dict[int, str]
    work_min: dict[str, float]
    basis: str = "需求预测"


def past_counts(db: Database, day: date, lookback_days: int = HISTORY_LOOKBACK_DAYS) -> dict[date, dict[str, int]]:
    """Tickets issued per service on each business day of the ``lookback_days`` before ``day`` that had any.

    :param db: the hall database.
    :param day: the day being planned (not counted).
    :param lookback_days: how many calendar days to look back.
    """
    rows = db.execute(
        "select business_day, service, count(*) from tickets where business_day >= ? and business_day < ? "
        "group by business_day, service", [(day - timedelta(days=lookback_days)).isoformat(), day.isoformat()])
    past: dict[date, dict[str, int]] = {}
    for business_day, service, count in rows:
        past.setdefault(date.fromisoformat(business_day), {})[service] = count
    return past


def past_minutes(db: Database, day: date, configured: Mapping[str, float],
                 lookback_days: int = HISTORY_LOOKBACK_DAYS) -> dict[str, float]:
    """Minutes per ticket of each service as the hall's past business days served them: the same robust mean the
    live estimates use (call to finish of the latest services, outliers clipped, blended with the configured
    minutes), over the ``lookback_days`` before ``day``.

    :param db: the hall database.
    :param day: the day being planned (not counted).
    :param configured: each service's configured minutes.
    :param lookback_days: how many calendar days to look back.
    """
    days = [(day - timedelta(days=back)).isoformat() for back in range(1, lookback_days + 1)]
    learned = {}
    for service, minutes in configured.items():
        # the latest day first, one index seek a day, until the samples are in: one range over the whole lookback
        # would read every finished ticket of those weeks to sort them
        durations: tuple[float, ...] = ()
        for business_day in days:
            durations = service_minutes(db, business_day, service, RECENT_SAMPLES - len(durations)) + durations
            if len(durations) == RECENT_SAMPLES:
                break
        learned[service] = robust_mean_minutes(durations, minutes)
    return learned


def expected_work(config: HallConfig, day: date, db: Database | None = None) -> tuple[dict[str, float], str]:
    """Expected minutes of work per service over ``day`` and what they rest on.

    With at least :data:`MIN_HISTORY_DAYS` past business days in ``db``, the tickets are learned from them
    (:func:`queue_server.policy.day_plan.expected_from_history`, with the demand profile's Monday and month-start
    surges) and so are the minutes per ticket (:func:`past_minutes`); otherwise both come from the configuration
    (the demand profile and each service's minutes), as in the hall simulator.

    :param config: the hall configuration.
    :param day: the business day.
    :param db: the hall database (None: the demand profile only).
    """
    minutes = {code: float(s.minutes) for code, s in config.services.items()}
    profile = simulation_profile(config)
    past = past_counts(db, day) if db is not None else {}
    if len(past) >= MIN_HISTORY_DAYS:
        tickets = expected_from_history(past, lambda d, s: day_factor(d, profile, s), day, minutes)
        served = past_minutes(db, day, minutes)
        return {s: n * served[s] for s, n in tickets.items()}, f"近 {len(past)} 个营业日的取号与办理时长"
    history = expected_arrivals(day, sessions_of(config), minutes, profile)
    return history.work_minutes(minutes), "需求预测"


def all_day_services(config: HallConfig) -> dict[int, tuple[str, ...]]:
    """The services every window serves all day: a standby window its tidal group, a regular one its own.

    :param config: the hall configuration.
    """
    return {n: tuple(w.tidal_services) if w.standby else tuple(w.services) for n, w in config.windows.items()}


def make_day_plan(config: HallConfig, trained: Mapping[int, tuple[str, ...]], day: date,
                  db: Database | None = None) -> DayPlan:
    """The support plan of ``day``.

    :param config: the hall configuration.
    :param trained: what each regular window's staff may take up beyond their own services.
    :param day: the business day.
    :param db: the hall database, whose past business days teach the expected work (see :func:`expected_work`).
    """
    work, basis = expected_work(config, day, db)
    regular = {n: tuple(s) for n, s in trained.items() if not config.windows[n].standby}
    return DayPlan(day, plan_day_support(all_day_services(config), regular, work), work, basis)


def plan_reason(service_name: str, work_min: float, basis: str | None = None) -> str:
    """Why a window takes ``service_name`` up today, for the window's staff and the audit log.

    :param service_name: the planned service's name.
    :param work_min: its expected minutes of work today.
    :param basis: what the expectation rests on (:attr:`DayPlan.basis`), when known.
    """
    on = f"，依据{basis}" if basis else ""
    return f"每日兼办：今日预计{service_name}工作量较大（约 {round(work_min)} 分钟{on}），本窗口兼办"
