"""KPIs of a scripted day, computed by the server from its records, against figures worked out by hand."""
from __future__ import annotations

import pytest

from queue_server.reviews.kpis import p90, period_key
from queue_server.reviews.ranking import unit_score


async def test_day_figures_match_the_hand_count(day):
    day.issue()  # a ticket on 15 December rolls the day: A003, skipped and left open, is now 'expired'
    assert next(day.server.db.query("SELECT status FROM tickets WHERE number = 'A003'"))["status"] == "expired"
    k = await day.get("/api/kpis?from=2026-11-23&to=2026-11-23")
    assert (k["tickets"], k["served"], k["no_shows"]) == (6, 5, 1)
    assert k["mean_wait_min"] == 20.83  # (5+10+15+25+30+40)/6
    assert k["p90_wait_min"] == 40.0  # nearest rank: the 6th of 6
    assert k["share_over_20_min"] == 0.5  # 25, 30, 40
    assert (k["reviews"], k["good_rate"], k["bad_rate"]) == (4, 0.5, 0.5)
    assert k["active_review_rate"] == 0.6  # A001, A002, A004 of 5 served; B001 was invited
    assert k["unrated_rate"] == 0.2  # A005
    assert k["on_time_rectification_rate"] == 0.5  # A002 in time, A004 late
    assert k["callback_on_time_rate"] == 0.5
    assert k["rectification_satisfaction_rate"] == 1.0
    assert (k["complaints"], k["complaints_on_time_rate"]) == (2, 0.5)
    empty = await day.get("/api/kpis?from=2026-11-24&to=2026-11-30")
    assert empty["tickets"] == 0 and empty["mean_wait_min"] is None and empty["good_rate"] is None


async def test_breakdowns_by_window_staff_and_week(day):
    rows = {r["key"]: r for r in (await day.get("/api/kpis/breakdown?by=window&from=2026-11-23&to=2026-11-23"))["rows"]}
    assert set(rows) == {1, 4}
    w1, w4 = rows[1], rows[4]
    assert (w1["tickets"], w1["served"], w1["no_shows"], w1["mean_wait_min"]) == (5, 4, 1, 23.0)
    assert (w1["good_rate"], w1["bad_rate"], w1["active_review_rate"], w1["unrated_rate"]) == (0.3333, 0.6667, 0.75, 0.25)
    assert (w1["complaints"], w1["complaints_on_time_rate"]) == (1, 1.0)
    assert w1["name"] == "不动产登记1"
    assert (w4["tickets"], w4["mean_wait_min"], w4["good_rate"], w4["active_review_rate"]) == (1, 10.0, 1.0, 0.0)
    staff = {r["key"]: r for r in (await day.get("/api/kpis/breakdown?by=staff&from=2026-11-23&to=2026-11-23"))["rows"]}
    assert set(staff) == {"1001", "1002"}
    assert staff["1001"]["name"] == "张三" and staff["1001"]["served"] == 4
    assert staff["1001"]["mean_wait_min"] == 22.5  # A001, A002, A004, A005 (the no-show has no finisher)
    assert staff["1001"]["reviews"] == 3 and staff["1002"]["good_rate"] == 1.0
    [week] = (await day.get("/api/kpis/breakdown?by=week&from=2026-11-23&to=2026-11-23"))["rows"]
    assert week["key"] == "2026-W48" and week["tickets"] == 6 and week["good_rate"] == 0.5
    [quarter] = (await day.get("/api/kpis/breakdown?by=quarter&from=2026-11-01&to=2026-11-30"))["rows"]
    assert quarter["key"] == "2026-Q4" and quarter["served"] == 5
    async with day.http.get(f"{day.server.url}/api/kpis/breakdown?by=colour", headers=day.admin()) as r:
        assert r.status == 422


async def test_quarterly_ranking_of_units(day):
    ranking = await day.get("/api/kpis/ranking")
    assert (ranking["from"], ranking["to"]) == ("2026-10-01", "2026-12-31")
    rows = ranking["rows"]
    assert [(r["rank"], r["key"]) for r in rows[:2]] == [(1, "scjg"), (2, "bdc")]
    # scjg: 好评 1.0, no case (full marks), complaint late 0.0, all within 20 min → 40 + 20 + 0 + 20
    assert rows[0]["score"] == 80.0
    # bdc: 好评 1/3, 按期整改 1/2, complaint in time 1.0, within 20 min 2/5 → 13.33 + 10 + 20 + 8
    assert rows[1]["score"] == 51.33
    assert rows[1]["name"] == "不动产登记中心"
    # every other unit of the hall served nobody: listed as 无数据, never ranked (出入境 was 1st with 0 served)
    unranked = rows[2:]
    assert {r["key"] for r in unranked} == set(day.server.hall.config.departments) - {"scjg", "bdc"}
    assert all(r["no_data"] and r["rank"] is None and r["score"] is None for r in unranked)
    assert ranking["weights"] == {"good_rate": 0.4, "on_time_rectification_rate": 0.2,
                                  "complaints_on_time_rate": 0.2, "within_20_min_rate": 0.2}


def test_a_unit_is_never_ranked_up_for_having_fewer_records():
    weights = {"good_rate": 0.5, "on_time_rectification_rate": 0.25, "within_20_min_rate": 0.25}
    # no bad review means nothing to rectify: full marks for that rate
    assert unit_score({"good_rate": 0.8, "on_time_rectification_rate": None, "within_20_min_rate": 1.0},
                      weights) == 90.0
    # no review at all says nothing: the good rate is left out, not counted as 100 %
    assert unit_score({"good_rate": None, "on_time_rectification_rate": 0.5, "within_20_min_rate": 0.5},
                      weights) == 50.0
    assert unit_score({"good_rate": None, "within_20_min_rate": None, "on_time_rectification_rate": None},
                      {"good_rate": 1.0, "within_20_min_rate": 1.0}) is None


def test_the_ranking_indicators_come_from_the_hall_file(tmp_path):
    from queue_server.core.config import ConfigError
    from queue_server.reviews.settings import parse_review_settings

    settings = parse_review_settings(tmp_path / "hall.toml", {"ranking_weights": {"good_rate": 3, "active_review_rate": 1}})
    assert settings.ranking_weights == {"good_rate": 3.0, "active_review_rate": 1.0}
    for table, field in (({"speed": 1}, "reviews.ranking_weights.speed"), ({"good_rate": 0}, "reviews.ranking_weights.good_rate"),
                         ({}, "reviews.ranking_weights"), ({"good_rate": True}, "reviews.ranking_weights.good_rate")):
        with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
            parse_review_settings(tmp_path / "hall.toml", {"ranking_weights": table})


async def test_the_ranking_follows_the_hall_weights(day):
    from queue_server.reviews import kpis, ranking

    server, config = day.server, day.server.hall.config
    facts = kpis.load_facts(server.db, config, "2026-10-01", "2026-12-31")
    rows = ranking.ranking(facts, server.clock.now(), {"within_20_min_rate": 1.0}, config.departments)
    by_key = {r["key"]: r for r in rows}
    assert by_key["scjg"]["score"] == 100.0 and by_key["bdc"]["score"] == 40.0  # within 20 min: 1 of 1, 2 of 5
    assert [r["key"] for r in rows[:2]] == ["scjg", "bdc"]


async def test_kpis_need_an_admin(day):
    async with day.http.get(f"{day.server.url}/api/kpis") as r:
        assert r.status == 401
    async with day.http.get(f"{day.server.url}/api/kpis", headers=day.server.auth("staff", 1)) as r:
        assert r.status == 403
    async with day.http.get(f"{day.server.url}/api/kpis?from=2026-13-01", headers=day.admin()) as r:
        assert r.status == 422 and (await r.json())["field"] == "from"


def test_p90_and_period_keys():
    assert p90([]) is None and p90([7.0]) == 7.0
    assert p90([float(n) for n in range(1, 11)]) == 9.0 and p90([float(n) for n in range(1, 12)]) == 10.0
    assert period_key("2026-01-01", "week") == "2026-W01" and period_key("2027-01-01", "week") == "2026-W53"
    assert period_key("2026-03-31", "quarter") == "2026-Q1" and period_key("2026-04-01", "month") == "2026-04"
