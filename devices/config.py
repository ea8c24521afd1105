"""The ``[devices]`` section of the hall's config, parsed and validated at start-up.

Every problem raises :class:`queue_server.core.config.ConfigError` naming the field (``devices.screens[2].bus``)
and what is wrong, so a hall with a typo in its device list never starts half-configured. See
``docs/configuration.md`` (``[devices]``) for the options.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from devices.frames import DEFAULT_FUNCTIONS, FrameLayout
from devices.keypad.base import DEFAULT_KEY_CODES, KEYS
from devices.led.base import ScreenTexts
from devices.printer.escpos import CONNECTIONS
from queue_server.core.config import ConfigError, HallConfig

PRINTER_TYPES = ("escpos", "sim", "none")
SCREEN_TYPES = ("framed", "line")
KEYPAD_TYPES = ("framed",)
VOICE_TYPES = ("command", "sim", "none")

#: the options each table accepts (anything else is a typo and stops start-up); docs/configuration.md lists them all
OPTIONS: dict[str, frozenset[str]] = {
    "devices": frozenset({"simulate", "sim_dir", "printer", "frames", "screen_texts", "buses", "screens", "keypads",
                          "voice"}),
    "devices.printer": frozenset({"type", "connection", "width_mm", "encoding", "native_qr", "cutter",
                                  "usb_vendor_id", "usb_product_id", "serial_port", "baudrate", "timeout", "host",
                                  "port", "file"}),
    "devices.frames": frozenset({"preamble", "length_mode", "length_counts", "encoding", "functions",
                                 "key_codes"}),
    "devices.screen_texts": frozenset({"call", "idle", "paused"}),
    "devices.buses": frozenset({"name", "port", "baudrate", "rs485", "rtscts", "retry_s"}),
    "devices.screens": frozenset({"window", "bus", "type", "address", "line_format"}),
    "devices.keypads": frozenset({"window", "bus", "address", "type", "display"}),
    "devices.voice": frozenset({"type", "template", "command", "clips", "gap_ms", "chime", "sim_speed"}),
}


@dataclass(frozen=True)
class PrinterConf:
    """``[devices.printer]``: the ticket printer of a kiosk machine."""

    type: str = "none"
    connection: str = "file"
    width_mm: int = 80
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BusConf:
    """``[[devices.buses]]``: one serial line (an RS-485 bus or a plain port)."""

    name: str
    port: str
    baudrate: int = 9600
    rs485: bool = False
    rtscts: bool = False
    retry_s: float = 1.0


@dataclass(frozen=True)
class ScreenConf:
    """``[[devices.screens]]``: the LED screen above one window."""

    window: int
    bus: str
    type: str = "framed"
    address: int = 0
    line_format: str = "{text}\r\n"


@dataclass(frozen=True)
class KeypadConf:
    """``[[devices.keypads]]``: the hardware caller of one window."""

    window: int
    bus: str
    address: int
    type: str = "framed"
    display: str = "{number} 等{waiting}"


@dataclass(frozen=True)
class VoiceConf:
    """``[devices.voice]``: the call voice."""

    type: str = "command"
    template: str = "请{number}号到{window}号窗口办理"
    command: tuple[str, ...] = ("aplay", "-q", "{file}")
    clips: Path | None = None
    gap_ms: int = 40
    chime: bool = True
    sim_speed: float = 1.0


@dataclass(frozen=True)
class DevicesConf:
    """The whole ``[devices]`` section."""

    simulate: bool = False
    sim_dir: Path = Path("var/devices")
    printer: PrinterConf = field(default_factory=PrinterConf)
    layout: FrameLayout = field(default_factory=FrameLayout)
    key_codes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_KEY_CODES))
    texts: ScreenTexts = field(default_factory=ScreenTexts)
    buses: dict[str, BusConf] = field(default_factory=dict)
    screens: dict[int, ScreenConf] = field(default_factory=dict)
    keypads: dict[int, KeypadConf] = field(default_factory=dict)
    voice: VoiceConf = field(default_factory=VoiceConf)


class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> ConfigError:
        return ConfigError(self.path, where, problem)

    def table(self, data: dict, key: str, where: str) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"{where}.{key}", "应为表 (must be a table)")
        return value

    def tables(self, data: dict, key: str, where: str) -> list[dict]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{where}.{key}", f"应为 [[{where}.{key}]] 表数组 (must be an array of tables)")
        return value

    def get(self, data: dict, key: str, where: str, kind: type | tuple[type, ...], default: Any = ...,
            choices: tuple | None = None, lo: int | None = None, hi: int | None = None) -> Any:
        if key not in data:
            if default is ...:
                raise self.fail(f"{where}.{key}", "必填 (required)")
            return default
        value = data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise self.fail(f"{where}.{key}", f"类型错误 (must be {'/'.join(k.__name__ for k in kinds)})")
        if not isinstance(value, kinds):
            raise self.fail(f"{where}.{key}", f"类型错误 (must be {'/'.join(k.__name__ for k in kinds)})")
        if choices is not None and value not in choices:
            raise self.fail(f"{where}.{key}", f"未知取值 {value!r} (one of: {', '.join(map(str, choices))})")
        if lo is not None and value < lo or hi is not None and value > hi:
            raise self.fail(f"{where}.{key}", f"超出范围 {value!r} (must be {lo}..{hi})")
        return value

    def unknown(self, data: dict, allowed: set[str], where: str) -> None:
        extra = sorted(set(data) - allowed)
        if extra:
            raise self.fail(f"{where}.{extra[0]}", "未知选项 (unknown option)")


def _codes(c: _Checker, data: dict, where: str, defaults: dict[str, int]) -> dict[str, int]:
    codes = dict(defaults)
    for name, value in data.items():
        if name not in defaults:
            raise c.fail(f"{where}.{name}", f"未知名称 (one of: {', '.join(defaults)})")
        codes[name] = c.get(data, name, where, int, lo=0, hi=255)
    return codes


def parse_devices(config: HallConfig) -> DevicesConf:
    """Validate ``config.sections["devices"]``.

    :raises ConfigError: naming the field and the problem
    """
    raw = config.sections.get("devices") or {}
    c = _Checker(config.path)
    w = "devices"
    c.unknown(raw, OPTIONS[w], w)

    p = c.table(raw, "printer", w)
    pw = f"{w}.printer"
    c.unknown(p, OPTIONS[pw], pw)
    ptype = c.get(p, "type", pw, str, "none", PRINTER_TYPES)
    connection = c.get(p, "connection", pw, str, "file", CONNECTIONS)
    required = {"usb": ("usb_vendor_id", "usb_product_id"), "serial": ("serial_port",),
                "network": ("host",), "file": ("file",)}[connection]
    if ptype == "escpos":
        for key in required:
            c.get(p, key, pw, (str, int))
    printer = PrinterConf(ptype, connection, c.get(p, "width_mm", pw, int, 80, (58, 80)), dict(p))
    c.get(p, "encoding", pw, str, "gbk", ("gbk", "gb18030"))

    f = c.table(raw, "frames", w)
    fw = f"{w}.frames"
    c.unknown(f, OPTIONS[fw], fw)
    preamble = c.get(f, "preamble", fw, list, [0xFF])
    if not all(isinstance(b, int) and 0 <= b <= 255 for b in preamble):
        raise c.fail(f"{fw}.preamble", "应为 0-255 的整数列表 (list of bytes)")
    layout = FrameLayout(bytes(preamble), c.get(f, "length_mode", fw, str, "repeat", ("repeat", "le16")),
                         c.get(f, "length_counts", fw, str, "addr_func_data", ("addr_func_data", "data")),
                         _codes(c, c.table(f, "functions", fw), f"{fw}.functions", DEFAULT_FUNCTIONS),
                         c.get(f, "encoding", fw, str, "gbk", ("gbk", "gb18030", "gb2312")))
    key_codes = _codes(c, c.table(f, "key_codes", fw), f"{fw}.key_codes", DEFAULT_KEY_CODES)

    t = c.table(raw, "screen_texts", w)
    c.unknown(t, OPTIONS[f"{w}.screen_texts"], f"{w}.screen_texts")
    defaults = ScreenTexts()
    texts = ScreenTexts(*(c.get(t, k, f"{w}.screen_texts", str, getattr(defaults, k)) for k in ("call", "idle", "paused")))
    for k in ("call", "idle", "paused"):
        try:
            getattr(texts, k).format(number="A001", window=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise c.fail(f"{w}.screen_texts.{k}", f"模板错误 (only {{number}} and {{window}}): {exc}") from None

    buses: dict[str, BusConf] = {}
    for i, b in enumerate(c.tables(raw, "buses", w)):
        bw = f"{w}.buses[{i}]"
        c.unknown(b, OPTIONS[f"{w}.buses"], bw)
        name = c.get(b, "name", bw, str)
        if name in buses:
            raise c.fail(f"{bw}.name", f"重复的总线名 {name!r}")
        buses[name] = BusConf(name, c.get(b, "port", bw, str), c.get(b, "baudrate", bw, int, 9600, lo=300, hi=921600),
                              c.get(b, "rs485", bw, bool, False), c.get(b, "rtscts", bw, bool, False),
                              float(c.get(b, "retry_s", bw, (int, float), 1.0, lo=0)))

    def window_and_bus(d: dict, where: str, seen: dict) -> tuple[int, str]:
        window = c.get(d, "window", where, int)
        if window not in config.windows:
            raise c.fail(f"{where}.window", f"没有 {window} 号窗口 (not in [[windows]])")
        if window in seen:
            raise c.fail(f"{where}.window", f"{window} 号窗口重复配置")
        bus = c.get(d, "bus", where, str)
        if bus not in buses:
            raise c.fail(f"{where}.bus", f"没有名为 {bus!r} 的总线 (not in [[devices.buses]])")
        return window, bus

    screens: dict[int, ScreenConf] = {}
    for i, s in enumerate(c.tables(raw, "screens", w)):
        sw = f"{w}.screens[{i}]"
        c.unknown(s, OPTIONS[f"{w}.screens"], sw)
        window, bus = window_and_bus(s, sw, screens)
        screens[window] = ScreenConf(window, bus, c.get(s, "type", sw, str, "framed", SCREEN_TYPES),
                                     c.get(s, "address", sw, int, window, lo=0, hi=255),
                                     c.get(s, "line_format", sw, str, "{text}\r\n"))
    keypads: dict[int, KeypadConf] = {}
    for i, k in enumerate(c.tables(raw, "keypads", w)):
        kw = f"{w}.keypads[{i}]"
        c.unknown(k, OPTIONS[f"{w}.keypads"], kw)
        window, bus = window_and_bus(k, kw, keypads)
        address = c.get(k, "address", kw, int, lo=0, hi=255)
        clash = [s for s in screens.values() if s.bus == bus and s.type == "framed" and s.address == address]
        if clash:
            raise c.fail(f"{kw}.address", f"地址 {address} 已被 {clash[0].window} 号窗口屏占用")
        keypads[window] = KeypadConf(window, bus, address, c.get(k, "type", kw, str, "framed", KEYPAD_TYPES),
                                     c.get(k, "display", kw, str, "{number} 等{waiting}"))

    v = c.table(raw, "voice", w)
    vw = f"{w}.voice"
    c.unknown(v, OPTIONS[vw], vw)
    template = c.get(v, "template", vw, str, config.queue.voice_template)
    if "{number}" not in template or "{window}" not in template:
        raise c.fail(f"{vw}.template", "应包含 {number} 和 {window}")
    command = c.get(v, "command", vw, list, ["aplay", "-q", "{file}"])
    if not command or not all(isinstance(x, str) for x in command) or not any("{file}" in x for x in command):
        raise c.fail(f"{vw}.command", "应为字符串列表且包含 {file}")
    clips = c.get(v, "clips", vw, str, "")
    voice = VoiceConf(c.get(v, "type", vw, str, "command", VOICE_TYPES), template, tuple(command),
                      (config.path.parent / clips) if clips else None, c.get(v, "gap_ms", vw, int, 40, lo=0, hi=2000),
                      c.get(v, "chime", vw, bool, True), float(c.get(v, "sim_speed", vw, (int, float), 1.0, lo=1, hi=100)))

    return DevicesConf(c.get(raw, "simulate", w, bool, False), Path(c.get(raw, "sim_dir", w, str, "var/devices")),
                       printer, layout, key_codes, texts, buses, screens, keypads, voice)


def with_sim_dir(config: HallConfig, sim_dir: Path) -> HallConfig:
    """The same hall with ``[devices] sim_dir`` set to ``sim_dir`` (``--sim-dir`` of ``devices``, ``kiosk``, ``demo``).

    :param config: the loaded hall config (unchanged)
    :param sim_dir: where simulated devices keep their tickets, WAVs and pseudo-terminals
    """
    devices = dict(config.sections.get("devices") or {})
    devices["sim_dir"] = str(sim_dir)
    return replace(config, sections={**config.sections, "devices": devices})


__all__ = ["DevicesConf", "with_sim_dir", "PrinterConf", "BusConf", "ScreenConf", "KeypadConf", "VoiceConf", "parse_devices",
           "KEYS"]
