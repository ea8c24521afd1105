"""The [tidal] config section: defaults, overrides, and clear errors naming the field."""
from __future__ import annotations

import tomllib

import pytest

from queue_server.core.config import DEMO_CONFIG_PATH, ConfigError, load_config, parse_config
from queue_server.policy.tidal_state import Thresholds
from queue_server.tidal.settings import simulation_profile, tidal_settings


def with_tidal(section: dict):
    raw = tomllib.loads(DEMO_CONFIG_PATH.read_text(encoding="utf-8"))
    raw["tidal"] = section
    return parse_config(raw, "hall.toml")


def test_demo_hall_section_is_valid_and_complete():
    config = load_config(DEMO_CONFIG_PATH)
    settings = tidal_settings(config)
    assert settings.defaults == Thresholds(20, 10, 10, 5, 5)  # DOMAIN.md's thresholds, the tuned hold
    assert settings.max_windows_per_service == 3 and settings.day_plan
    assert settings.for_service("bdc_transfer").open_waiting == 6
    assert settings.for_service("bdc_transfer").open_wait_min == 20  # inherited from the section's defaults
    assert settings.ack_timeout_min == 3
    profile = simulation_profile(config)
    assert set(profile.mix) == set(config.services)
    assert "si_card" in profile.month_start_services


def test_an_empty_section_gives_the_domain_defaults():
    settings = tidal_settings(with_tidal({}))
    assert settings.defaults == Thresholds()
    assert settings.enabled and settings.max_windows_per_service == 1
    assert simulation_profile(with_tidal({})).tickets_per_day == 900
    assert simulation_profile(with_tidal({})).break_spans == ()


def test_break_spans_are_read_as_minutes_since_midnight():
    profile = simulation_profile(with_tidal({"simulation": {"break_spans": ["11:00-12:00", "16:00-17:30"]}}))
    assert profile.break_spans == ((660.0, 720.0), (960.0, 1050.0))


@pytest.mark.parametrize(
    ("section", "field", "words"),
    [
        ({"open_wait_min": "20"}, "tidal.open_wait_min", "数字"),
        ({"open_waiting": 2.5}, "tidal.open_waiting", "整数"),
        ({"hold_min": -1}, "tidal.hold_min", "之间"),
        ({"close_wait_min": 25}, "tidal.close_wait_min", "下限应低于上限"),
        ({"open_waiting": 5, "close_waiting": 5}, "tidal.close_waiting", "下限应低于上限"),
        ({"open_wait": 20}, "tidal.open_wait", "未知配置项"),
        ({"enabled": "yes"}, "tidal.enabled", "true"),
        ({"move_calm_windows": 1}, "tidal.move_calm_windows", "true"),
        ({"services": {"nope": {}}}, "tidal.services.nope", "未定义的业务"),
        ({"services": {"si_card": {"ack_timeout_min": 5}}}, "tidal.services.si_card.ack_timeout_min", "未知配置项"),
        ({"services": {"si_card": {"close_waiting": 12}}}, "tidal.services.si_card.close_waiting", "下限"),
        ({"max_windows_per_service": 0}, "tidal.max_windows_per_service", "之间"),
    ],
)
def test_bad_values_name_the_field(section, field, words):
    with pytest.raises(ConfigError) as err:
        tidal_settings(with_tidal(section))
    assert err.value.field == field
    assert words in err.value.problem
    assert str(err.value).startswith("hall.toml: ")


@pytest.mark.parametrize(
    ("simulation", "field"),
    [
        ({"mix": {"nope": 3}}, "tidal.simulation.mix.nope"),
        ({"hourly": {"25": 1}}, "tidal.simulation.hourly.25"),
        ({"no_show_rate": 1.5}, "tidal.simulation.no_show_rate"),
        ({"month_start_services": ["si_card", "x"]}, "tidal.simulation.month_start_services[1]"),
        ({"tickets": 5}, "tidal.simulation.tickets"),
        ({"break_spans": "11:00-12:00"}, "tidal.simulation.break_spans"),
        ({"break_spans": ["11:00-12:00", "16:00"]}, "tidal.simulation.break_spans[1]"),
        ({"break_spans": ["12:00-11:00"]}, "tidal.simulation.break_spans[0]"),
        ({"break_spans": ["11:00-25:00"]}, "tidal.simulation.break_spans[0]"),
    ],
)
def test_bad_simulation_values_name_the_field(simulation, field):
    with pytest.raises(ConfigError) as err:
        simulation_profile(with_tidal({"simulation": simulation}))
    assert err.value.field == field


def test_every_high_volume_service_of_the_demo_hall_can_reach_a_standby_window():
    """The demo hall's standby windows are 综合受理 windows trained for families of related items; only 婚姻登记
    (registrars must hold the 婚姻登记员 qualification) among the services of ~2 % or more of the volume is left out."""
    config = load_config(DEMO_CONFIG_PATH)
    mix = simulation_profile(config).mix
    reachable = {s for w in config.windows.values() if w.standby for s in w.tidal_services}
    high = {s for s, weight in mix.items() if weight >= 0.019 * sum(mix.values())}  # 15 of 751 and up
    assert high - reachable == {"marriage"}
    assert all({"general_intake", "consult"} <= set(w.tidal_services) for w in config.windows.values() if w.standby)
