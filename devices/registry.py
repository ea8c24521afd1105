"""Build the hall's devices from ``[devices]``: real drivers, or simulators with ``--simulate``.

Implementations are chosen through registry dicts (``PRINTER_TYPES``, ``SCREEN_TYPES``…); an unknown type or a
port that cannot be opened at start-up is a :class:`ConfigError` naming the config field. Once running, a
device that fails (a pulled cable, a dead sound card) is reported in :meth:`DeviceSet.status` and recovers by
itself; it never stops the others.

In simulate mode every serial bus becomes a real pseudo-terminal under ``sim_dir`` with simulated screens and
keypads on its far end, so the same drivers run as in the hall; the printer and the voice write files there.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import serial

from devices.announcer.base import Announcer
from devices.announcer.clips import SOUNDS_DIR, ClipLibrary
from devices.announcer.player import CommandAnnouncer
from devices.announcer.sim import SimAnnouncer
from devices.bus import FramedBus
from devices.config import DevicesConf, parse_devices
from devices.keypad.base import Keypad
from devices.keypad.serial import FramedKeypad
from devices.keypad.sim import SimKeypad
from devices.led.base import WindowScreen
from devices.led.serial import FramedLedScreen, LineLedScreen
from devices.led.sim import SimLedScreen, SimLineScreen
from devices.printer.base import TicketPrinter
from devices.printer.escpos import EscposTicketPrinter
from devices.printer.sim import SimTicketPrinter
from devices.serial_io import SerialLink
from devices.sim_bus import SimSerialEnd
from queue_server.core.config import ConfigError, HallConfig

log = logging.getLogger(__name__)


@dataclass
class SimulatedHardware:
    """The far ends in simulate mode: what the simulated screens show and keypads to press."""

    ends: dict[str, SimSerialEnd] = field(default_factory=dict)
    screens: dict[int, SimLedScreen | SimLineScreen] = field(default_factory=dict)
    keypads: dict[int, SimKeypad] = field(default_factory=dict)

    def close(self) -> None:
        """Unplug every simulated line."""
        for end in self.ends.values():
            end.pull()


@dataclass
class DeviceSet:
    """The devices a device agent drives."""

    conf: DevicesConf
    links: dict[str, SerialLink] = field(default_factory=dict)
    screens: dict[int, WindowScreen] = field(default_factory=dict)
    keypads: dict[int, Keypad] = field(default_factory=dict)
    announcer: Announcer | None = None
    simulated: SimulatedHardware | None = None

    def start(self) -> None:
        """Start every line's reader/reconnect thread."""
        for link in self.links.values():
            link.start()

    async def close(self) -> None:
        """Stop everything (voice worker, lines, simulated ends)."""
        if self.announcer is not None:
            await self.announcer.close()
        for link in self.links.values():
            link.stop()
        if self.simulated is not None:
            self.simulated.close()

    def status(self) -> dict[str, Any]:
        """Each device's state, for logs and the agent's report."""
        return {
            "buses": {name: {"connected": link.connected, "error": link.last_error,
                             "dropped_writes": link.dropped_writes} for name, link in self.links.items()},
            "screens": {w: s.connected for w, s in self.screens.items()},
            "keypads": {w: k.connected for w, k in self.keypads.items()},
            "voice": self.announcer.status() if self.announcer else None,
        }


def printer_from_config(config: HallConfig, *, simulate: bool = False) -> TicketPrinter | None:
    """The ticket printer of the machine this runs on (a kiosk), or None when ``type = "none"``.

    :param config: the hall's config
    :param simulate: use :class:`SimTicketPrinter` (saving tickets under ``sim_dir/tickets``) whatever the config
    :raises ConfigError: bad options, or a backend that cannot work on this machine
    """
    conf = parse_devices(config)
    p = conf.printer
    if simulate or conf.simulate:
        return SimTicketPrinter(conf.sim_dir / "tickets", p.width_mm, **_render_options(p.options))
    if p.type == "none":
        return None
    if p.type == "sim":
        return SimTicketPrinter(conf.sim_dir / "tickets", p.width_mm, **_render_options(p.options))
    try:
        return EscposTicketPrinter.from_options(p.connection, {**p.options, "width_mm": p.width_mm})
    except (RuntimeError, ValueError, KeyError) as exc:
        raise ConfigError(config.path, "devices.printer", str(exc)) from None


def _render_options(options: dict[str, Any]) -> dict[str, Any]:
    return {k: options[k] for k in ("encoding", "native_qr", "cutter") if k in options}


def _announcer(config: HallConfig, conf: DevicesConf, simulate: bool) -> Announcer | None:
    v = conf.voice
    if v.type == "none" and not simulate:
        return None
    try:
        library = ClipLibrary(v.clips or SOUNDS_DIR, gap_ms=v.gap_ms, chime=v.chime)
        library.check()
    except (FileNotFoundError, ValueError) as exc:
        raise ConfigError(config.path, "devices.voice.clips", str(exc)) from None
    if simulate or v.type == "sim":
        return SimAnnouncer(library, v.template, output_dir=conf.sim_dir / "voice", time_scale=1 / v.sim_speed)
    return CommandAnnouncer(library, v.template, command=v.command)


def build_devices(config: HallConfig, *, simulate: bool = False, check_ports: bool = True) -> DeviceSet:
    """Create the window screens, keypads and voice of ``[devices]`` (not started yet).

    :param config: the hall's config
    :param simulate: replace the hardware by simulators on pseudo-terminals (also ``[devices] simulate``)
    :param check_ports: open each port once now, so a wrong port fails at start-up
    :raises ConfigError: an unknown type, a missing option, or a port that cannot be opened
    """
    conf = parse_devices(config)
    simulate = simulate or conf.simulate
    devices = DeviceSet(conf)
    sims = SimulatedHardware() if simulate else None
    for index, (name, bus) in enumerate(conf.buses.items()):
        port = bus.port
        if sims is not None:
            end = SimSerialEnd(Path(conf.sim_dir) / f"tty-{name}")
            end.plug()
            sims.ends[name] = end
            port = str(end.path)
        link = SerialLink(port, baudrate=bus.baudrate, rs485=bus.rs485 and sims is None, rtscts=bus.rtscts,
                          retry_s=bus.retry_s, name=name)
        if check_ports:
            try:
                link.open_once()
            except (serial.SerialException, OSError, ValueError) as exc:
                if bus.rs485 and "RS485" in str(exc):  # the adapter's driver has no kernel RS-485 mode
                    raise ConfigError(config.path, f"devices.buses[{index}].rs485",
                                      f"串口 {port!r} 不支持 RS-485 模式切换（{exc}）；"
                                      "自动收发的 USB 转 RS-485 适配器（如 CH340、FT232）请设 rs485 = false") from None
                hint = ""
                if "Permission denied" in str(exc) or "Errno 13" in str(exc):
                    hint = ("；运行设备代理的用户要在 dialout 组：sudo usermod -aG dialout govhall"
                            "（systemd 单元已写 SupplementaryGroups=dialout）")
                raise ConfigError(config.path, f"devices.buses[{index}].port",
                                  f"无法打开串口 {port!r} (cannot open): {exc}{hint}") from None
        devices.links[name] = link
    framed = {name: FramedBus(link, conf.layout) for name, link in devices.links.items()}
    for window, s in conf.screens.items():
        if s.type == "framed":
            devices.screens[window] = FramedLedScreen(framed[s.bus], s.address, window, conf.texts)
        else:
            devices.screens[window] = LineLedScreen(devices.links[s.bus], window, address=s.address,
                                                    line_format=s.line_format, encoding=conf.layout.encoding,
                                                    texts=conf.texts)
        if sims is not None:
            end = sims.ends[s.bus]
            sims.screens[window] = (SimLedScreen(end, s.address, conf.layout) if s.type == "framed" else
                                    SimLineScreen(end, s.line_format.split("{text}")[0].format(
                                        address=s.address, window=window), conf.layout.encoding))
    for window, k in conf.keypads.items():
        devices.keypads[window] = FramedKeypad(framed[k.bus], k.address, window, key_codes=conf.key_codes,
                                               display_format=k.display)
        if sims is not None:
            sims.keypads[window] = SimKeypad(sims.ends[k.bus], k.address, conf.layout, conf.key_codes)
    devices.announcer = _announcer(config, conf, simulate)
    devices.simulated = sims
    return devices
