"""``govhall devices --simulate`` as a real process following a real ``govhall serve`` process."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from queue_server.core.config import DEMO_CONFIG_PATH

ROOT = Path(__file__).resolve().parents[2]
#: runs the govhall CLI with the devices subcommand registered (until the lead adds it to SUBCOMMAND_MODULES)
LAUNCH = ("import sys; from queue_server import cli\n"
          "if 'devices.cli' not in cli.SUBCOMMAND_MODULES: cli.SUBCOMMAND_MODULES.append('devices.cli')\n"
          "sys.exit(cli.main(sys.argv[1:]))")


@pytest.mark.timeout(60)
async def test_devices_command_speaks_a_call(server_process, tmp_path: Path) -> None:
    config = tmp_path / "hall.toml"
    demo = DEMO_CONFIG_PATH.read_text(encoding="utf-8").split("\n[devices]\n")[0]  # our own [devices] below
    config.write_text(demo + f"""
[devices]
sim_dir = "{tmp_path / 'sim'}"

[[devices.buses]]
name = "bus1"
port = "/dev/ttyUSB0"

[[devices.screens]]
window = 3
bus = "bus1"

[devices.voice]
type = "sim"
""", encoding="utf-8")
    token = server_process.token("agent")
    log = (tmp_path / "agent.log").open("wb")
    agent = subprocess.Popen([sys.executable, "-c", LAUNCH, "devices", "--config", str(config), "--simulate",
                              "--server", server_process.url, "--token", token], cwd=ROOT, stdout=log,
                             stderr=subprocess.STDOUT)
    try:
        kiosk, staff = server_process.token("kiosk"), server_process.token("staff", 3)
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{server_process.url}/api/tickets", json={"service": "bdc_query", "request_id": "x"},
                                 headers={"Authorization": f"Bearer {kiosk}"}) as r:
                assert r.status == 201
            headers = {"Authorization": f"Bearer {staff}"}
            async with http.post(f"{server_process.url}/api/windows/3/call", headers=headers) as r:
                assert r.status == 200
            wav = tmp_path / "sim" / "voice" / "call-0001-A001-w3.wav"
            deadline = time.monotonic() + 20
            while not wav.exists():
                assert agent.poll() is None, (tmp_path / "agent.log").read_text()
                assert time.monotonic() < deadline, "the agent never spoke the call"
                # the agent may still be starting (a call before it follows is not spoken): recall until it speaks
                async with http.post(f"{server_process.url}/api/windows/3/recall", headers=headers) as r:
                    assert r.status == 200
                await asyncio.sleep(0.5)
        assert (tmp_path / "sim" / "tty-bus1").is_symlink()
    finally:
        agent.terminate()
        agent.wait(timeout=10)
        log.close()
