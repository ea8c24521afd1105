"""Every ``[reviews]`` setting is documented in docs/configuration.md, and the routes are in the OpenAPI document."""
from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from queue_server.reviews.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def test_every_reviews_setting_is_documented():
    text = (ROOT / "docs" / "configuration.md").read_text("utf-8")
    section = text.split("## `[reviews]`", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))
    assert documented == {s.name for s in SETTINGS}


async def test_openapi_lists_the_reviews_routes(server):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/api/openapi.json") as r:
            spec = await r.json()
    paths = spec["paths"]
    for path in ("/api/reviews", "/api/rectifications", "/api/kpis", "/api/complaints", "/api/followups",
                 "/api/exports/{ledger}.{fmt}", "/r/{token}", "/admin"):
        assert path in paths, path
    assert "post" in paths["/api/reviews"]
    assert paths["/api/kpis"]["get"]["security"] == [{"bearer": ["admin"]}]
    assert "security" not in paths["/api/reviews"]["post"], "anyone holding the ticket token may review"
    ref = paths["/api/reviews"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert body["properties"]["level"]["enum"][0] == "very_satisfied" and "429" in paths["/api/reviews"]["post"]["responses"]
