"""The device agent against the real queue server: screens and voice follow calls, keypads call, restarts heal."""
from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devices.agent import DeviceAgent
from devices.registry import DeviceSet, build_devices
from queue_server.core.config import HallConfig

DEVICES_SECTION: dict[str, Any] = {
    "buses": [{"name": "bus1", "port": "/dev/ttyUSB-hall-1", "retry_s": 0.05}],
    "screens": [{"window": 3, "bus": "bus1", "address": 3}, {"window": 4, "bus": "bus1", "address": 4}],
    "keypads": [{"window": 3, "bus": "bus1", "address": 103}],
    "screen_texts": {"call": "请{number}号", "idle": "{window}号窗口"},
    "voice": {"type": "sim"},
}


def with_devices(config: HallConfig, tmp_path: Path) -> HallConfig:
    section = {**DEVICES_SECTION, "sim_dir": str(tmp_path / "sim")}
    return dataclasses.replace(config, sections={**config.sections, "devices": section})


async def wait_until(predicate, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def in_thread(fn, *args, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(None, lambda: fn(*args, **kwargs))


@pytest.fixture
async def devices(hall_config: HallConfig, tmp_path: Path):
    built = build_devices(with_devices(hall_config, tmp_path), simulate=True)
    built.announcer.time_scale = 0.01  # type: ignore[union-attr]
    yield built
    await built.close()


async def start_agent(devices: DeviceSet, url: str, token: str) -> tuple[DeviceAgent, asyncio.Task]:
    agent = DeviceAgent(devices, url, token, reconnect_s=0.05, max_reconnect_s=0.2)
    task = asyncio.create_task(agent.run())
    await asyncio.wait_for(agent.connected.wait(), 15)
    return agent, task


async def stop_agent(task: asyncio.Task) -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


async def issue(http: aiohttp.ClientSession, url: str, token: str, service: str, request_id: str) -> dict:
    async with http.post(f"{url}/api/tickets", json={"service": service, "request_id": request_id},
                         headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 201, await r.text()
        return await r.json()


async def test_a_call_shows_on_the_screen_and_is_spoken(server, devices: DeviceSet) -> None:
    """GIVEN the agent following a real server WHEN window 3 calls A001 and recalls it
    THEN screen 3 shows 请A001号, screen 4 does not, and the voice speaks the call twice."""
    sims = devices.simulated
    agent, task = await start_agent(devices, server.url, server.token("agent"))
    try:
        assert await in_thread(sims.screens[3].wait_for, "3号窗口", 10), "the snapshot sets the idle text"
        async with aiohttp.ClientSession() as http:
            await issue(http, server.url, server.token("kiosk"), "bdc_transfer", "r1")
            staff = {"Authorization": f"Bearer {server.token('staff', 3)}"}
            async with http.post(f"{server.url}/api/windows/3/call", headers=staff) as r:
                assert r.status == 200 and (await r.json())["number"] == "A001"
            assert await in_thread(sims.screens[3].wait_for, "请A001号", 10)
            async with http.post(f"{server.url}/api/windows/3/recall", headers=staff) as r:
                assert r.status == 200
            await wait_until(lambda: len(devices.announcer.history) == 2)
            async with http.post(f"{server.url}/api/windows/3/finish", headers=staff) as r:
                assert r.status == 200
            assert await in_thread(sims.screens[3].wait_for, "3号窗口", 10, count=2)
        voice = devices.announcer.history
        assert [(h.number, h.window, h.recall) for h in voice] == [("A001", 3, False), ("A001", 3, True)]
        assert voice[0].utterance.text == "请A零零一号到三号窗口办理" and voice[1].started >= voice[0].ended
        assert all(h.error is None for h in voice)
        assert "请A001号" not in sims.screens[4].shown
        assert len(list((Path(devices.conf.sim_dir) / "voice").glob("*.wav"))) == 2
    finally:
        await stop_agent(task)


async def test_keypad_press_reaches_the_server_as_a_call(server, devices: DeviceSet) -> None:
    """GIVEN window 3's keypad WHEN 'call' is pressed THEN the server calls A001 at window 3, the keypad gets an
    ack and shows the number; WHEN pressed with nobody waiting THEN a nak and 无人等候."""
    sims = devices.simulated
    agent, task = await start_agent(devices, server.url, server.token("agent"))
    try:
        async with aiohttp.ClientSession() as http:
            await issue(http, server.url, server.token("kiosk"), "bdc_query", "r2")
            await issue(http, server.url, server.token("kiosk"), "bdc_query", "r3")
            await wait_until(lambda: agent.waiting.get("bdc_query") == 2)
            await in_thread(sims.keypads[3].press, "call")
            assert await in_thread(sims.keypads[3].wait_for_ack, "call", 10) is True
            assert await in_thread(sims.keypads[3].wait_for_display, "A001 等1", 10)
            assert await in_thread(sims.screens[3].wait_for, "请A001号", 10)
            async with http.get(f"{server.url}/api/hall") as r:
                hall = await r.json()
            window3 = next(w for w in hall["windows"] if w["number"] == 3)
            assert window3["current"] == "A001"
            await in_thread(sims.keypads[3].press, "finish")
            await in_thread(sims.keypads[3].press, "call")
            assert await in_thread(sims.screens[3].wait_for, "请A002号", 10)
            await in_thread(sims.keypads[3].press, "finish")
            # every earlier key answered first (a call reaches the screen before its key's ack comes back)
            await wait_until(lambda: len(sims.keypads[3].acks) == 4)
            sims.keypads[3].acks.clear()
            await in_thread(sims.keypads[3].press, "call")
            assert await in_thread(sims.keypads[3].wait_for_ack, "call", 10) is False
            assert await in_thread(sims.keypads[3].wait_for_display, "无人等候", 10)
    finally:
        await stop_agent(task)


async def test_a_pulled_bus_cable_does_not_stop_the_agent(server, devices: DeviceSet) -> None:
    """GIVEN the bus cable pulled WHEN window 3 calls THEN the voice still speaks; cable back THEN the screen shows it."""
    sims = devices.simulated
    agent, task = await start_agent(devices, server.url, server.token("agent"))
    try:
        sims.ends["bus1"].pull()
        await wait_until(lambda: not devices.links["bus1"].connected)
        async with aiohttp.ClientSession() as http:
            await issue(http, server.url, server.token("kiosk"), "bdc_transfer", "r4")
            async with http.post(f"{server.url}/api/windows/3/call",
                                 headers={"Authorization": f"Bearer {server.token('staff', 3)}"}) as r:
                assert r.status == 200
        await wait_until(lambda: len(devices.announcer.history) == 1)
        assert devices.status()["buses"]["bus1"]["connected"] is False
        assert await bus_health(server.url, "总线 bus1") is False  # the server's health page shows it down
        sims.ends["bus1"].plug()
        assert await in_thread(sims.screens[3].wait_for, "请A001号", 10)
        assert await bus_health(server.url, "总线 bus1", want=True) is True
    finally:
        await stop_agent(task)


async def bus_health(url: str, device: str, want: bool = False, seconds: float = 15) -> bool | None:
    """The device's ``ok`` in ``GET /api/health`` once it reads ``want`` (or the last value seen)."""
    seen = None
    async with aiohttp.ClientSession() as http:
        for _ in range(int(seconds * 10)):
            async with http.get(f"{url}/api/health") as r:
                body = await r.json()
            seen = next((d["ok"] for d in body["devices"] if d["device"] == device), None)
            if seen is want:
                return seen
            await asyncio.sleep(0.1)
    return seen


@pytest.mark.timeout(90)
async def test_agent_resumes_after_the_server_restarts(server_process, devices: DeviceSet) -> None:
    """GIVEN the agent following a real `govhall serve` process WHEN the server restarts and then calls
    THEN the agent reconnects, resynchronises from the snapshot, and shows and speaks the call."""
    sims = devices.simulated
    url = server_process.url
    agent_token = await in_thread(server_process.token, "agent")
    kiosk = await in_thread(server_process.token, "kiosk")
    staff = await in_thread(server_process.token, "staff", 4)
    agent, task = await start_agent(devices, url, agent_token)
    try:
        # the agent reports its own link to the server's calls (the demo waits for it before the first call)
        assert await bus_health(url, "叫号事件连接", want=True) is True
        async with aiohttp.ClientSession() as http:
            await issue(http, url, kiosk, "company_setup", "s1")
            await issue(http, url, kiosk, "company_setup", "s2")
            async with http.post(f"{url}/api/windows/4/call", headers={"Authorization": f"Bearer {staff}"}) as r:
                assert r.status == 200
            assert await in_thread(sims.screens[4].wait_for, "请B001号", 10)
            await in_thread(server_process.restart)
            await wait_until(lambda: agent.snapshots >= 2, 15)
            assert await in_thread(sims.screens[4].wait_for, "请B001号", 10, count=2), "the new snapshot re-shows B001"
            async with http.post(f"{url}/api/windows/4/finish", headers={"Authorization": f"Bearer {staff}"}) as r:
                assert r.status == 200
            assert await in_thread(sims.screens[4].wait_for, "4号窗口", 10, count=2)
            async with http.post(f"{url}/api/windows/4/call", headers={"Authorization": f"Bearer {staff}"}) as r:
                assert r.status == 200
            assert await in_thread(sims.screens[4].wait_for, "请B002号", 10)
        await wait_until(lambda: [h.number for h in devices.announcer.history] == ["B001", "B002"])
    finally:
        await stop_agent(task)


async def test_a_failing_screen_does_not_keep_the_voice_from_speaking(devices: DeviceSet) -> None:
    """GIVEN window 3's screen driver raising WHEN a call event arrives THEN the voice still speaks it
    and the next event is handled."""
    agent = DeviceAgent(devices, "http://127.0.0.1:9", None)

    def broken(number: str) -> bool:
        raise RuntimeError("screen controller fault")

    devices.screens[3].show_call = broken  # type: ignore[method-assign]
    agent.handle_event("ticket.called", {"number": "A007", "window": 3})
    agent.handle_event("ticket.called", {"number": "B001", "window": 4})
    await asyncio.wait_for(devices.announcer.wait_idle(), 10)
    assert [h.number for h in devices.announcer.history] == ["A007", "B001"]
    assert agent.events_handled == 2
