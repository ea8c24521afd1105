"""Call latency: from the server's ``ticket.called`` event to the frame on the window screen's serial line, and
to the voice starting.

Everything real except the hardware: the queue server in this process on a loopback port (real SQLite file,
synchronous=FULL), the device agent following its WebSocket, a framed LED screen on a real pseudo-terminal with
the simulated screen on the far end, and the simulated voice. Baseline, measured in the same run: a raw write of
the same frame on the same pty until the simulated screen has decoded it.
Run: ``python -m bench.call_latency``.
"""
from __future__ import annotations

import asyncio
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from devices.agent import DeviceAgent
from devices.registry import build_devices
from queue_server.app import create_app, open_database
from queue_server.core.clock import SystemClock
from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.keys import BUS
from queue_server.web.auth import create_token

ROUNDS = 60
WINDOW = 3


def summary(values_ms: list[float]) -> str:
    values_ms = sorted(values_ms)
    return (f"median {statistics.median(values_ms):7.3f} ms   p95 {values_ms[int(len(values_ms) * 0.95) - 1]:7.3f} ms"
            f"   max {values_ms[-1]:7.3f} ms")


async def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step timed out")
        await asyncio.sleep(0.0005)


async def run() -> None:
    """Measure and print."""
    tmp = Path(tempfile.mkdtemp(prefix="govhall-bench-calls-"))
    config = load_config(DEMO_CONFIG_PATH)
    config = dataclasses.replace(config, sections={**config.sections, "devices": {
        "sim_dir": str(tmp / "sim"),
        "buses": [{"name": "bus1", "port": "/dev/ttyUSB0", "retry_s": 0.1}],
        "screens": [{"window": WINDOW, "bus": "bus1"}],
        "screen_texts": {"call": "请{number}号"},
        "voice": {"type": "sim"},
    }})
    db = open_database(tmp / "hall.db")
    app = create_app(config, db=db, clock=SystemClock(), open_all_hours=True)
    event_at: dict[str, float] = {}
    app[BUS].subscribe(lambda e: event_at.__setitem__(e.data["number"], time.monotonic())
                       if e.name == "ticket.called" else None)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    clock = SystemClock()
    kiosk = {"Authorization": f"Bearer {create_token(db, clock, 'kiosk')}"}
    staff = {"Authorization": f"Bearer {create_token(db, clock, 'staff', WINDOW)}"}

    devices = build_devices(config, simulate=True)
    devices.announcer.time_scale = 0.0  # type: ignore[union-attr]
    sim_screen = devices.simulated.screens[WINDOW]  # type: ignore[union-attr]
    agent = DeviceAgent(devices, url, create_token(db, clock, "agent"))
    agent_task = asyncio.create_task(agent.run())
    await asyncio.wait_for(agent.connected.wait(), 10)

    # baseline: the same frame written straight to the port, until the far end has decoded it
    link, screen = devices.links["bus1"], devices.screens[WINDOW]
    frame = devices.conf.layout.encode_text(screen.address, "show", "请A999号")  # type: ignore[attr-defined]
    raw_ms = []
    for _ in range(ROUNDS):
        count = len(sim_screen.shown)
        start = time.monotonic()
        link.write(frame)
        await wait_for(lambda: len(sim_screen.shown) > count)
        raw_ms.append((sim_screen.shown_at[-1] - start) * 1000)

    frame_ms, voice_ms, http_ms = [], [], []
    async with aiohttp.ClientSession() as http:
        for i in range(ROUNDS):
            async with http.post(f"{url}/api/tickets", json={"service": "bdc_query", "request_id": f"b{i}"},
                                 headers=kiosk) as r:
                number = (await r.json())["number"]
            shown = len(sim_screen.shown)
            spoken = len(devices.announcer.history)  # type: ignore[union-attr]
            start = time.monotonic()
            async with http.post(f"{url}/api/windows/{WINDOW}/call", headers=staff) as r:
                assert r.status == 200, await r.text()
            http_ms.append((time.monotonic() - start) * 1000)
            await wait_for(lambda: len(sim_screen.shown) > shown and sim_screen.shown[-1] == f"请{number}号")
            await wait_for(lambda: len(devices.announcer.history) > spoken)  # type: ignore[union-attr]
            item = devices.announcer.history[-1]  # type: ignore[union-attr]
            frame_ms.append((sim_screen.shown_at[-1] - event_at[number]) * 1000)
            voice_ms.append((item.started - event_at[number]) * 1000)
            async with http.post(f"{url}/api/windows/{WINDOW}/finish", headers=staff) as r:
                assert r.status == 200

    print(f"call latency, {ROUNDS} calls (pty serial line, WebSocket on loopback; aim: call to frame < 50 ms)")
    print(f"  baseline: raw frame write → decoded at the screen   {summary(raw_ms)}")
    print(f"  ticket.called event → frame decoded at the screen   {summary(frame_ms)}")
    print(f"  ticket.called event → voice starts playing          {summary(voice_ms)}")
    print(f"  (for scale) POST /call round trip incl. fsync      {summary(http_ms)}")

    agent_task.cancel()
    try:
        await agent_task
    except asyncio.CancelledError:
        pass
    await devices.close()
    await runner.cleanup()
    db.close()


def main() -> None:
    """Entry point for ``python -m bench``."""
    asyncio.run(run())


if __name__ == "__main__":
    main()
