"""Every ``[tidal]`` setting is documented in docs/configuration.md, and the tidal routes are in the OpenAPI document."""
from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import aiohttp

from queue_server.simulation.model import SimulationProfile
from queue_server.tidal.settings import BOOL_KEYS, GLOBAL_KEYS, THRESHOLD_KEYS

ROOT = Path(__file__).resolve().parent.parent


def _documented(text: str) -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.M))


def test_every_tidal_setting_is_documented():
    text = (ROOT / "docs" / "configuration.md").read_text("utf-8")
    section = text.split("## `[tidal]`", 1)[1].split("\n## ", 1)[0]
    top, simulation = section.split("`[tidal.simulation]`", 1)
    assert _documented(top) == set(THRESHOLD_KEYS) | set(GLOBAL_KEYS) | set(BOOL_KEYS) | {"services", "simulation"}
    assert _documented(simulation) == {f.name for f in fields(SimulationProfile)}


async def test_openapi_lists_the_tidal_routes(server):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/api/openapi.json") as r:
            paths = (await r.json())["paths"]
    for path in ("/api/tidal", "/api/tidal/open", "/api/tidal/close", "/api/tidal/run", "/api/tidal/log",
                 "/api/windows/{number}/tidal/ack", "/api/estimates/accuracy"):
        assert path in paths, path
