"""The [devices] section: validated at start-up with errors naming the field; the registry builds the devices."""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from devices import cli
from devices.config import parse_devices
from devices.led.serial import FramedLedScreen, LineLedScreen
from devices.printer.escpos import EscposTicketPrinter
from devices.printer.sim import SimTicketPrinter
from devices.registry import build_devices, printer_from_config
from devices.sim_bus import SimSerialEnd
from queue_server.core.config import ConfigError, HallConfig


def configured(config: HallConfig, section: dict[str, Any]) -> HallConfig:
    return dataclasses.replace(config, sections={**config.sections, "devices": section})


@pytest.mark.parametrize("section, field, words", [
    ({"printer": {"type": "laser"}}, "devices.printer.type", "laser"),
    ({"printer": {"type": "escpos", "connection": "usb"}}, "devices.printer.usb_vendor_id", "required"),
    ({"printer": {"width_mm": 76}}, "devices.printer.width_mm", "76"),
    ({"buses": [{"name": "b", "port": "/dev/x"}], "screens": [{"window": 3, "bus": "b", "type": "oled"}]},
     "devices.screens[0].type", "oled"),
    ({"buses": [{"name": "b", "port": "/dev/x"}], "screens": [{"window": 3, "bus": "nope"}]},
     "devices.screens[0].bus", "nope"),
    ({"buses": [{"name": "b", "port": "/dev/x"}], "screens": [{"window": 999, "bus": "b"}]},
     "devices.screens[0].window", "999"),
    ({"buses": [{"name": "b", "port": "/dev/x"}], "screens": [{"window": 3, "bus": "b", "address": 7}],
      "keypads": [{"window": 3, "bus": "b", "address": 7}]}, "devices.keypads[0].address", "3"),
    ({"voice": {"type": "tts"}}, "devices.voice.type", "tts"),
    ({"voice": {"template": "请{number}号"}}, "devices.voice.template", "{window}"),
    ({"frames": {"functions": {"blink": 9}}}, "devices.frames.functions.blink", "show"),
    ({"screen_texts": {"call": "请{ticket}号"}}, "devices.screen_texts.call", "ticket"),
    ({"printers": {}}, "devices.printers", "unknown"),
])
def test_bad_sections_name_the_field(hall_config: HallConfig, section: dict, field: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_devices(configured(hall_config, section))
    assert caught.value.field == field
    assert words in str(caught.value)


def test_defaults_when_the_section_is_missing(hall_config: HallConfig) -> None:
    conf = parse_devices(configured(hall_config, {}))
    assert conf.printer.type == "none" and conf.screens == {} and conf.keypads == {}
    assert conf.voice.template == hall_config.queue.voice_template
    assert printer_from_config(configured(hall_config, {})) is None


def test_wrong_port_is_a_start_up_error_naming_the_bus(hall_config: HallConfig, tmp_path: Path) -> None:
    config = configured(hall_config, {"buses": [{"name": "b1", "port": str(tmp_path / "ttyNOPE")}],
                                      "screens": [{"window": 3, "bus": "b1"}]})
    with pytest.raises(ConfigError) as caught:
        build_devices(config)
    assert caught.value.field == "devices.buses[0].port" and "ttyNOPE" in str(caught.value)


def test_real_drivers_on_a_real_port(hall_config: HallConfig, tmp_path: Path) -> None:
    """GIVEN a bus on an existing (pty) port WHEN built without --simulate THEN real drivers, no simulators."""
    end = SimSerialEnd(tmp_path / "ttyUSB0")
    end.plug()
    try:
        config = configured(hall_config, {
            "buses": [{"name": "b1", "port": str(end.path)}],
            "screens": [{"window": 3, "bus": "b1"}, {"window": 4, "bus": "b1", "type": "line"}],
            "voice": {"type": "none"},
        })
        devices = build_devices(config)
        assert isinstance(devices.screens[3], FramedLedScreen) and isinstance(devices.screens[4], LineLedScreen)
        assert devices.simulated is None and devices.announcer is None
        assert devices.links["b1"].connected
        devices.links["b1"].stop()
    finally:
        end.pull()


def test_printer_from_config(hall_config: HallConfig, tmp_path: Path) -> None:
    out = tmp_path / "lp0"
    config = configured(hall_config, {"sim_dir": str(tmp_path / "sim"),
                                      "printer": {"type": "escpos", "connection": "file", "file": str(out),
                                                  "width_mm": 58}})
    printer = printer_from_config(config)
    assert isinstance(printer, EscposTicketPrinter) and printer.width_mm == 58
    simulated = printer_from_config(config, simulate=True)
    assert isinstance(simulated, SimTicketPrinter) and simulated.output_dir == tmp_path / "sim" / "tickets"


def test_cli_reports_config_errors_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "hall.toml"
    from queue_server.core.config import DEMO_CONFIG_PATH

    demo = DEMO_CONFIG_PATH.read_text(encoding="utf-8")
    assert '[devices.printer]\ntype = "sim"' in demo
    bad.write_text(demo.replace('[devices.printer]\ntype = "sim"', '[devices.printer]\ntype = "laser"'),
                   encoding="utf-8")
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["devices", "--config", str(bad), "--simulate"])
    assert args.func(args) == 2
    assert "devices.printer.type" in capsys.readouterr().err


def test_typos_in_any_table_are_refused(hall_config: HallConfig) -> None:
    section = {"buses": [{"name": "b", "port": "/dev/x", "baud": 9600}]}
    with pytest.raises(ConfigError) as caught:
        parse_devices(configured(hall_config, section))
    assert caught.value.field == "devices.buses[0].baud"


def test_every_option_is_documented() -> None:
    """Every option parse_devices accepts appears in docs/configuration.md under its table's heading."""
    from devices.config import OPTIONS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    devices_part = doc[doc.index("## `[devices]`"):]
    following = devices_part.find("\n## ", 1)
    devices_part = devices_part[:following] if following > 0 else devices_part
    for table, options in OPTIONS.items():
        heading = "## `[devices]`" if table == "devices" else f"`[{table}]`" if table in (
            "devices.printer", "devices.frames", "devices.screen_texts", "devices.voice") else f"`[[{table}]]`"
        assert heading in devices_part, heading
        part = devices_part[devices_part.index(heading):]
        next_heading = part.find("\n### ", 1)
        part = part[:next_heading] if next_heading > 0 else part
        for option in options:
            if table == "devices" and option not in ("simulate", "sim_dir"):
                assert f"[devices.{option}]" in devices_part or f"[[devices.{option}]]" in devices_part, option
            else:
                assert f"`{option}`" in part, f"{table}.{option} is not documented"


async def test_demo_hall_devices_build_simulated(hall_config: HallConfig, tmp_path: Path) -> None:
    """The demo hall's [devices] section is valid and builds simulators (it sets simulate = true)."""
    section = {**hall_config.sections["devices"], "sim_dir": str(tmp_path / "sim")}
    devices = build_devices(configured(hall_config, section))
    try:
        assert devices.simulated is not None and set(devices.screens) == {1, 2, 3, 4, 5, 30}
        assert set(devices.keypads) == {1, 3}
        devices.start()
        devices.screens[30].show_call("H001")
        import asyncio

        assert await asyncio.get_running_loop().run_in_executor(
            None, lambda: devices.simulated.screens[30].wait_for("请H001号到30号窗口", 3))
        assert isinstance(printer_from_config(configured(hall_config, section)), SimTicketPrinter)
    finally:
        await devices.close()
