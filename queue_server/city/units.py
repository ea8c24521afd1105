"""City-wide units (全市统一单位): which unit of which hall is "the same bureau", and the ranking by them.

Halls name their units in their own hall files (``[[departments]]``: 西岸县's ``bdc`` and 东区's ``budongchan`` are
both the 不动产登记中心). The city keeps its own list of units and a mapping of each hall's unit to one of them,
loaded whole from a CSV file the city's office keeps (:func:`parse_mapping`, ``govhall city unit load``): the file
is what the city has, so loading it twice changes nothing, and a mistake is fixed in the file, reviewed and loaded
again. The ranking by city-wide unit (:func:`rankings`) adds up each mapped unit's figures across halls before it
rates them (rates of sums, not a mean of rates); a hall's unit that is not mapped is listed after them, as
``unmapped``, and not ranked.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from queue_server.city.reports import figures, grouped, hall_names, unit_name
from queue_server.reviews import ranking
from queue_server.reviews.kpis import rounded

#: the mapping file's columns: the hall's code, its unit's code, the city-wide unit's code and name
COLUMNS = ("hall", "unit", "city_unit", "city_unit_name")
_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


@dataclass(frozen=True)
class UnitMapping:
    """A parsed mapping file: the city-wide units (code → name) and each (hall, unit) → city-wide unit code."""

    units: dict[str, str]
    pairs: dict[tuple[str, str], str]


class MappingError(ValueError):
    """A problem in the mapping file, with the line it is on (1 = the header)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"第 {line} 行：{message}")
        self.line = line


def parse_mapping(text: str) -> UnitMapping:
    """Read the mapping file (UTF-8 CSV, a header naming :data:`COLUMNS`; Excel's BOM tolerated). Every problem
    names its line: an unknown column, a code that is no code, a unit mapped twice, a city-wide unit given two
    names."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != list(COLUMNS):
        raise MappingError(1, "表头应为 " + ",".join(COLUMNS))
    units: dict[str, str] = {}
    pairs: dict[tuple[str, str], str] = {}
    for line, row in enumerate(reader, start=2):
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if not any(values.values()):
            continue  # a blank line
        for column in ("hall", "unit", "city_unit"):
            if not _CODE.match(values[column]):
                raise MappingError(line, f"{column} 应为代码（字母、数字、下划线、点、连字符，1–64 个字符）")
        name = values["city_unit_name"]
        if not name or len(name) > 64:
            raise MappingError(line, "city_unit_name 应为 1–64 个字符的单位名称")
        if units.setdefault(values["city_unit"], name) != name:
            raise MappingError(line, f"全市单位 {values['city_unit']} 已叫“{units[values['city_unit']]}”，此处又叫“{name}”")
        key = (values["hall"], values["unit"])
        if key in pairs:
            raise MappingError(line, f"大厅 {key[0]} 的单位 {key[1]} 已对应过")
        pairs[key] = values["city_unit"]
    return UnitMapping(units, pairs)


async def load(conn: asyncpg.Connection, mapping: UnitMapping) -> list[str]:
    """Replace the city's units and mapping with ``mapping``, in one transaction. Raises :class:`LookupError`
    naming the halls the file names that the city does not know (nothing is changed then); answers the mapped
    units no heartbeat of their hall has named yet (a typo, or a hall not yet connected: loaded all the same)."""
    halls = await hall_names(conn)
    unknown = sorted({hall for hall, _ in mapping.pairs} - set(halls))
    if unknown:
        raise LookupError("没有这些大厅：" + "、".join(unknown))
    async with conn.transaction():
        await conn.execute("DELETE FROM unit_map")
        await conn.execute("DELETE FROM city_units")
        await conn.executemany("INSERT INTO city_units (code, name) VALUES ($1, $2)", sorted(mapping.units.items()))
        await conn.executemany("INSERT INTO unit_map (hall, unit, city_unit) VALUES ($1, $2, $3)",
                               [(h, u, c) for (h, u), c in sorted(mapping.pairs.items())])
    return [f"{h}/{u}" for h, u in sorted(mapping.pairs) if u not in (halls[h]["units"] or {})]


async def listing(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Every hall's unit the city knows of (named by the hall's heartbeat, or mapped), with its city-wide unit or
    ``None`` (unmapped), by hall and unit."""
    halls = await hall_names(conn)
    mapped = {(r["hall"], r["unit"]): (r["city_unit"], r["name"]) for r in await conn.fetch(
        "SELECT m.hall, m.unit, m.city_unit, c.name FROM unit_map m JOIN city_units c ON c.code = m.city_unit")}
    keys = {(hall, unit) for hall, info in halls.items() for unit in (info["units"] or {})} | set(mapped)
    out = []
    for hall, unit in sorted(keys):
        city_unit, city_name = mapped.get((hall, unit), (None, None))
        out.append({"hall": hall, "hall_name": halls[hall]["name"], "unit": unit,
                    "unit_name": unit_name(halls[hall]["units"], unit), "city_unit": city_unit,
                    "city_unit_name": city_name})
    return out


def _add(total: dict[str, Any], sums: Mapping[str, Any]) -> None:
    for key, value in sums.items():
        total[key] = (total.get(key) or 0) + (value or 0)


async def rankings(conn: asyncpg.Connection, day_from: date, day_to: date, now: datetime, hall: str | None = None,
                   weights: Mapping[str, float] = ranking.DEFAULT_WEIGHTS) -> list[dict[str, Any]]:
    """The city-wide units ranked by the hall's rule over their halls' summed figures (``halls``: how many halls'
    units each adds up), then every hall's unit with figures but no city-wide unit (``unmapped``, not ranked)."""
    halls = await hall_names(conn)
    units = {r["code"]: r["name"] for r in await conn.fetch("SELECT code, name FROM city_units")}
    mapped = {(r["hall"], r["unit"]): r["city_unit"] for r in await conn.fetch("SELECT * FROM unit_map")}
    sums: dict[str, dict[str, Any]] = {code: {} for code in units}
    members: dict[str, set[str]] = {code: set() for code in units}
    unmapped = []
    for (hall_code, unit), unit_sums in (await grouped(conn, day_from, day_to, now, "unit", hall)).items():
        city_unit = mapped.get((hall_code, unit))
        if city_unit is None:
            info = halls.get(hall_code, {"name": hall_code, "units": {}})
            row = {"key": f"{hall_code}/{unit}", "hall": hall_code, "halls": 1,
                   "name": f"{info['name']} · {unit_name(info['units'], unit)}", **figures(unit_sums)}
            unmapped.append(rounded({**row, "score": None, "rank": None, "no_data": not row["served"],
                                     "unmapped": True}))
            continue
        _add(sums[city_unit], unit_sums)
        members[city_unit].add(hall_code)
    rows = [{"key": code, "hall": None, "name": units[code], "halls": len(members[code]), **figures(sums[code])}
            for code in units if hall is None or members[code]]
    ranked = [rounded({**r, "unmapped": False}) for r in ranking.rank_rows(rows, weights)]
    return ranked + sorted(unmapped, key=lambda r: r["key"])
