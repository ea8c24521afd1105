"""``govhall devices``: run the device agent for this hall (screens, keypads, voice)."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from devices.agent import DeviceAgent
from devices.config import with_sim_dir
from devices.registry import DeviceSet, build_devices
from queue_server.core.commands import add_config_arguments, load_config_or_exit
from queue_server.core.config import ConfigError

log = logging.getLogger(__name__)
TOKEN_ENV = "GOVHALL_AGENT_TOKEN"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``devices`` subcommand."""
    parser = subparsers.add_parser(
        "devices", help="run the device agent (window screens, keypads, voice)",
        description="Follow the queue server and drive the hall's window screens, caller keypads and voice "
                    "from the [devices] section of the config.")
    add_config_arguments(parser, db=False)
    parser.add_argument("--server", default="http://127.0.0.1:8080", help="queue server URL")
    parser.add_argument("--token", default=os.environ.get(TOKEN_ENV),
                        help=f"an agent role token (govhall token create --role agent); default ${TOKEN_ENV}")
    parser.add_argument("--simulate", action="store_true",
                        help="simulated devices on pseudo-terminals; tickets and WAVs under [devices] sim_dir")
    parser.add_argument("--sim-dir", type=Path, help="where simulated devices keep their files (overrides [devices] sim_dir)")
    parser.set_defaults(func=run)


def describe(devices: DeviceSet) -> list[str]:
    """One line per device, for the start-up log."""
    lines = [f"bus {name}: {link.url}" for name, link in devices.links.items()]
    lines += [f"window {w} screen: {type(s).__name__}" for w, s in sorted(devices.screens.items())]
    lines += [f"window {w} keypad: {type(k).__name__}" for w, k in sorted(devices.keypads.items())]
    if devices.announcer is not None:
        lines.append(f"voice: {type(devices.announcer).__name__}")
    return lines


async def _main(devices: DeviceSet, server: str, token: str | None) -> None:
    agent = DeviceAgent(devices, server, token)
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)  # stop cleanly: close ports, unplug simulated lines
    try:
        await agent.run()
    except asyncio.CancelledError:
        log.info("device agent stopping")
    finally:
        await devices.close()


def run(args: argparse.Namespace) -> int:
    """Start the agent; exit 2 on a config problem (which names the field)."""
    config = load_config_or_exit(args.config)
    if args.sim_dir is not None:
        config = with_sim_dir(config, args.sim_dir)
    try:
        devices = build_devices(config, simulate=args.simulate)
    except ConfigError as exc:
        print(f"配置错误 (config error): {exc}", file=sys.stderr)
        return 2
    if devices.keypads and not args.token:
        print(f"keypads need an agent token: --token or ${TOKEN_ENV}", file=sys.stderr)
        return 2
    for line in describe(devices):
        log.info("%s", line)
    log.info("following %s", args.server)
    try:
        asyncio.run(_main(devices, args.server, args.token))
    except KeyboardInterrupt:
        pass
    return 0
