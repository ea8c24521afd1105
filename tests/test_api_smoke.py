"""First contact with the server: health, snapshot, a ticket and its status."""
from __future__ import annotations

import aiohttp


async def test_health_and_hall(server):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/api/health") as r:
            assert r.status == 200
            body = await r.json()
            assert body["status"] == "ok" and body["db"] == "ok" and body["version"]
        async with http.get(f"{server.url}/api/hall") as r:
            hall = await r.json()
    assert len(hall["services"]) >= 25 and len(hall["windows"]) >= 30
    assert {"code", "name", "prefix", "waiting", "estimated_wait_min"} <= set(hall["services"][0])
    assert {"number", "name", "state", "current", "services", "tidal"} <= set(hall["windows"][0])


async def test_issue_and_status(server):
    headers = server.auth("kiosk")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}/api/tickets", json={"service": "bdc_transfer", "request_id": "k1-1"}, headers=headers) as r:
            assert r.status == 201
            ticket = await r.json()
        assert ticket["number"] == "A001" and ticket["status"] == "waiting" and ticket["ahead"] == 0
        assert ticket["status_url"].endswith(f"/t/{ticket['token']}")
        async with http.get(f"{server.url}/api/tickets/{ticket['token']}") as r:
            status = await r.json()
        assert status["number"] == "A001" and status["review_url"].endswith(f"/r/{ticket['token']}")
        async with http.get(f"{server.url}/t/{ticket['token']}") as r:
            page = await r.text()
        assert r.status == 200 and "A001" in page and "不动产转移登记" in page


async def test_device_reports_show_in_health_and_go_stale(server):
    agent = server.auth("agent")
    report = {"devices": [{"device": "总线 hall-a", "kind": "bus", "ok": True},
                          {"device": "语音播报", "kind": "voice", "ok": False, "detail": "声卡无响应"}]}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}/api/devices/report", json=report, headers=agent) as r:
            assert r.status == 200
        async with http.post(f"{server.url}/api/devices/report", json={"devices": [{"device": 1}]}, headers=agent) as r:
            assert r.status == 422
        async with http.post(f"{server.url}/api/devices/report", json=report) as r:
            assert r.status == 401
        async with http.get(f"{server.url}/api/health") as r:
            health = await r.json()
        states = {d["device"]: (d["ok"], d["detail"]) for d in health["devices"]}
        assert states == {"总线 hall-a": (True, None), "语音播报": (False, "声卡无响应")} and health["devices_down"] == 1
        server.clock.advance(120)  # the agent falls silent
        async with http.get(f"{server.url}/api/health") as r:
            health = await r.json()
        assert health["devices_down"] == 2 and all("心跳超时" in d["detail"] for d in health["devices"])
