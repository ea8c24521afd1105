"""The same bureau in different halls (each hall names its units in its own file): the city's mapping file loaded
with ``govhall city unit load`` on a real PostgreSQL, the ranking by city-wide unit adding up the mapped units'
figures across halls, the units nobody mapped listed as such and not ranked, and a bad file refused by line."""
from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import aiohttp
import pytest

from queue_server.city.units import MappingError, parse_mapping
from tests.city_support import CityServer, bearer, ticket
from tests.conftest import MONDAY_9AM, ROOT

DAY = MONDAY_9AM.date().isoformat()
MAPPING = """hall,unit,city_unit,city_unit_name
xa,bdc,bdc,不动产登记中心
db,budongchan,bdc,不动产登记中心
xa,swj,tax,税务局
"""


def _beat(seq: int, units: dict[str, str]) -> dict:
    return {"seq": seq, "kind": "heartbeat", "data": {"at": MONDAY_9AM.isoformat(), "waiting": 0, "units": units}}


def _unit_cmd(city: CityServer, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "queue_server", "city", "unit", *args, "--dsn", city.dsn], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


async def _ship(city: CityServer, token: str, records: list[dict]) -> None:
    async with aiohttp.ClientSession() as http, http.post(f"{city.url}/api/city/records", json={"records": records},
                                                          headers=bearer(token)) as r:
        assert r.status == 200, await r.text()


async def test_units_ranked_across_halls_by_the_city_wide_unit_and_the_unmapped_listed(city, tmp_path):
    """GIVEN 西岸县's ``bdc`` and 东岸县's ``budongchan`` (both the 不动产登记中心) and 西岸县's ``gov`` that the
    city's file does not map WHEN the file is loaded THEN the city-wide 不动产登记中心 adds up both halls' tickets
    (waits 5 and 15 → mean 10) and is ranked; 税务局 (mapped, nothing served) is 无数据; ``gov`` is listed after
    them as unmapped, unranked; ``govhall city unit list --unmapped`` names it. Loading the same file again changes
    nothing."""
    west, east = city.hall("xa", "西岸县政务服务中心"), city.hall("db", "东岸县政务服务中心")
    at = MONDAY_9AM
    await _ship(city, west, [_beat(1, {"bdc": "不动产登记中心", "gov": "综合窗口", "swj": "税务局"}),
                             ticket(2, 1, at, "finished", wait=5.0, department="bdc"),
                             ticket(3, 2, at, "finished", wait=30.0, department="gov")])
    await _ship(city, east, [_beat(1, {"budongchan": "县不动产登记中心"}),
                             ticket(2, 1, at + timedelta(minutes=1), "finished", wait=15.0, department="budongchan")])
    (tmp_path / "units.csv").write_text("\ufeff" + MAPPING, "utf-8")  # as Excel saves "CSV UTF-8"
    for _ in range(2):
        run = _unit_cmd(city, "load", str(tmp_path / "units.csv"))
        assert run.returncode == 0 and "全市单位 2 个，大厅单位对应 3 条" in run.stdout, run.stderr

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{city.url}/api/city/ranking?from={DAY}&to={DAY}&by=city_unit",
                            headers=bearer(city.admin())) as r:
            assert r.status == 200, await r.text()
            rows = await r.json()
    assert [(r["key"], r["name"], r["rank"], r["no_data"], r["unmapped"]) for r in rows] == [
        ("bdc", "不动产登记中心", 1, False, False), ("tax", "税务局", None, True, False),
        ("xa/gov", "西岸县政务服务中心 · 综合窗口", None, False, True)]
    assert (rows[0]["halls"], rows[0]["tickets"], rows[0]["served"], rows[0]["mean_wait_min"]) == (2, 2, 2, 10.0)
    assert rows[2]["tickets"] == 1 and rows[2]["score"] is None

    listed = _unit_cmd(city, "list", "--unmapped")
    assert listed.returncode == 0
    assert listed.stdout.splitlines() == ["xa\t西岸县政务服务中心\tgov\t综合窗口\t未对应"]
    assert "budongchan\t县不动产登记中心\tbdc 不动产登记中心" in _unit_cmd(city, "list").stdout


@pytest.mark.parametrize(("text", "problem"), [
    ("hall,unit\nxa,bdc\n", "第 1 行：表头应为 hall,unit,city_unit,city_unit_name"),
    (MAPPING + "xa,hj,bdc,不动产中心\n", "第 5 行：全市单位 bdc 已叫“不动产登记中心”，此处又叫“不动产中心”"),
    (MAPPING + "xa,bdc,tax,税务局\n", "第 5 行：大厅 xa 的单位 bdc 已对应过"),
    (MAPPING + "xa,户政,hj,户政\n", "第 5 行：unit 应为代码"),
    (MAPPING + "xa,hj,hj,\n", "第 5 行：city_unit_name 应为"),
])
def test_a_bad_mapping_file_names_its_line(text, problem):
    with pytest.raises(MappingError) as caught:
        parse_mapping(text)
    assert str(caught.value).startswith(problem)


async def test_a_file_naming_an_unknown_hall_changes_nothing(city, tmp_path):
    city.hall("xa", "西岸县政务服务中心")
    city.hall("db", "东岸县政务服务中心")
    (tmp_path / "good.csv").write_text(MAPPING, "utf-8")
    assert _unit_cmd(city, "load", str(tmp_path / "good.csv")).returncode == 0
    (tmp_path / "bad.csv").write_text(MAPPING.replace("db,", "nowhere,") + "xa,hj,hj,户政\n", "utf-8")
    run = _unit_cmd(city, "load", str(tmp_path / "bad.csv"))
    assert run.returncode == 2 and "没有这些大厅：nowhere" in run.stderr, run.stderr
    kept = _unit_cmd(city, "list").stdout  # the mapping loaded before is untouched
    assert "budongchan\tbudongchan\tbdc 不动产登记中心" in kept and "hj" not in kept
