"""The hall's configuration: a TOML file parsed and validated once at start-up.

A problem stops start-up with a :class:`ConfigError` naming the file, the field and what is wrong. Sections owned
by other packages (devices, kiosk, reviews, guides, tidal) are kept raw in :attr:`HallConfig.sections` and
validated by their owners.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from queue_server.core.config_reader import ConfigError, Reader

ASSETS = Path(__file__).resolve().parents[2] / "assets"
DEMO_CONFIG_PATH = ASSETS / "halls" / "demo.toml"

EXTENSION_SECTIONS = ("devices", "kiosk", "reviews", "guides", "tidal", "practices", "surveys", "security", "outbound",
                      "booking", "city")
#: extension sections written as arrays of tables (``[[surveys]]``): kept as ``{"items": [...]}`` for their owner
ARRAY_SECTIONS = ("surveys",)
CORE_SECTIONS = ("hall", "queue", "priority_categories", "departments", "services", "windows")
TICKET_CLASSES = ("priority", "appointment", "walk_in")
REQUEUE_RULES = ("none", "end", "after")

#: the options of each core section; docs/configuration.md documents every one (a test checks)
HALL_OPTIONS = frozenset({
    "name", "timezone", "day_starts_at", "business_hours", "open_days", "extra_open_dates",
    "extra_closed_dates", "public_url", "phone", "supervision_phone", "region_code", "notice", "number_digits",
})
QUEUE_OPTIONS = frozenset({
    "class_order", "service_order_first", "requeue", "requeue_after", "max_requeues",
    "appointment_early_min", "appointment_late_min", "voice_template",
})
DEPARTMENT_OPTIONS = frozenset({"code", "name"})
SERVICE_OPTIONS = frozenset({"code", "name", "prefix", "department", "minutes"})
WINDOW_OPTIONS = frozenset({"number", "name", "services", "standby", "tidal_services"})
CORE_OPTIONS = {"hall": HALL_OPTIONS, "queue": QUEUE_OPTIONS, "departments": DEPARTMENT_OPTIONS,
                "services": SERVICE_OPTIONS, "windows": WINDOW_OPTIONS}

_PREFIX = re.compile(r"^[A-Z]{1,2}$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Setting:
    """One documented option of an extension section (``[kiosk]``, ``[reviews]``): its name, default and meaning.
    The docs tests check each is in docs/configuration.md."""

    name: str
    default: Any
    help: str


@dataclass(frozen=True)
class HallInfo:
    """Who the hall is and when it is open."""

    name: str
    timezone: str
    tz: ZoneInfo
    day_starts_at: time
    business_hours: tuple[tuple[time, time], ...]
    open_days: str
    extra_open_dates: frozenset[date]
    extra_closed_dates: frozenset[date]
    public_url: str
    phone: str
    supervision_phone: str
    region_code: str
    notice: tuple[str, ...]
    number_digits: int


@dataclass(frozen=True)
class QueueRules:
    """How a window chooses the next ticket and what happens to late citizens."""

    class_order: tuple[str, ...]
    service_order_first: bool
    requeue: str
    requeue_after: int
    max_requeues: int
    appointment_early_min: int
    appointment_late_min: int
    voice_template: str


@dataclass(frozen=True)
class Department:
    code: str
    name: str


@dataclass(frozen=True)
class Service:
    """A kind of business the hall takes numbers for (业务类别)."""

    code: str
    name: str
    prefix: str
    department: str
    minutes: float


@dataclass(frozen=True)
class WindowConf:
    """A counter (窗口): the services it serves in priority order, and whether it stands by for tidal duty."""

    number: int
    name: str
    services: tuple[str, ...]
    standby: bool
    tidal_services: tuple[str, ...] = ()


@dataclass(frozen=True)
class HallConfig:
    """The whole validated configuration."""

    path: Path
    hall: HallInfo
    queue: QueueRules
    priority_categories: dict[str, str]
    departments: dict[str, Department]
    services: dict[str, Service]
    windows: dict[int, WindowConf]
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def windows_serving(self, service: str) -> list[int]:
        """Window numbers whose configured services include ``service``."""
        return [w.number for w in self.windows.values() if service in w.services]


def load_config(path: Path | str) -> HallConfig:
    """Read and validate a hall configuration file.

    :param path: the TOML file.
    :raises ConfigError: naming the file, the field and the problem.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "-", "文件不存在 (file not found)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "-", f"TOML 语法错误 (syntax error): {exc}") from None
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path | str = "<config>") -> HallConfig:
    """Validate an already-parsed TOML document (see :func:`load_config`)."""
    path = Path(path)
    r = Reader(path)
    r.unknown(raw, set(CORE_SECTIONS) | set(EXTENSION_SECTIONS), "")
    hall = _parse_hall(r, r.table(raw, "hall", ""))
    queue = _parse_queue(r, r.table(raw, "queue", "", required=False))

    categories_raw = r.table(raw, "priority_categories", "", required=False) or {
        "elderly": "老年人", "disabled": "残疾人", "pregnant": "孕妇", "military": "军人及军属",
    }
    categories: dict[str, str] = {}
    for code, name in categories_raw.items():
        if not _CODE.match(code):
            raise r.fail(f"priority_categories.{code}", "代码应为小写字母、数字、下划线")
        if not isinstance(name, str) or not name.strip():
            raise r.fail(f"priority_categories.{code}", "应为中文名称 (must be a name)")
        categories[code] = name

    departments: dict[str, Department] = {}
    for i, item in enumerate(_array(r, raw, "departments")):
        where = f"departments[{i}]."
        r.unknown(item, DEPARTMENT_OPTIONS, where)
        dept = Department(r.str(item, "code", where, pattern=_CODE), r.str(item, "name", where))
        if dept.code in departments:
            raise r.fail(f"{where}code", f"重复的部门代码 (duplicate) {dept.code!r}")
        departments[dept.code] = dept

    services: dict[str, Service] = {}
    for i, item in enumerate(_array(r, raw, "services")):
        where = f"services[{i}]."
        r.unknown(item, SERVICE_OPTIONS, where)
        service = Service(
            code=r.str(item, "code", where, pattern=_CODE),
            name=r.str(item, "name", where),
            prefix=r.str(item, "prefix", where, pattern=_PREFIX),
            department=r.str(item, "department", where),
            minutes=r.number(item, "minutes", where, default=10, hi=480),
        )
        if service.code in services:
            raise r.fail(f"{where}code", f"重复的业务代码 (duplicate) {service.code!r}")
        if service.department not in departments:
            raise r.fail(f"{where}department", f"未定义的部门 (unknown department) {service.department!r}")
        services[service.code] = service

    windows: dict[int, WindowConf] = {}
    for i, item in enumerate(_array(r, raw, "windows")):
        where = f"windows[{i}]."
        r.unknown(item, WINDOW_OPTIONS, where)
        number = r.int(item, "number", where, lo=1, hi=999)
        served = r.str_list(item, "services", where, [])
        standby = r.bool(item, "standby", where, False)
        tidal = r.str_list(item, "tidal_services", where, [])
        for key, codes in (("services", served), ("tidal_services", tidal)):
            for j, code in enumerate(codes):
                if code not in services:
                    raise r.fail(f"{where}{key}[{j}]", f"未定义的业务 (unknown service) {code!r}")
            if len(set(codes)) != len(codes):
                raise r.fail(f"{where}{key}", "业务重复 (duplicate service)")
        if tidal and not standby:
            raise r.fail(f"{where}tidal_services", "只有备用窗口 (standby = true) 可设潮汐业务")
        if standby and not tidal:
            raise r.fail(f"{where}tidal_services", "备用窗口需列出可开设潮汐的业务 (a standby window needs tidal_services)")
        if not served and not standby:
            raise r.fail(f"{where}services", "非备用窗口至少办理一项业务 (a window that is not standby needs a service)")
        if number in windows:
            raise r.fail(f"{where}number", f"重复的窗口号 (duplicate) {number}")
        windows[number] = WindowConf(
            number, r.str(item, "name", where, default=f"{number}号窗口"), tuple(served), standby, tuple(tidal)
        )

    for code in services:
        if not any(code in w.services for w in windows.values()):
            raise r.fail("services", f"业务 {code!r} 没有窗口办理 (no window serves it)")

    sections = {}
    for name in EXTENSION_SECTIONS:
        if name in ARRAY_SECTIONS:
            items = raw.get(name, [])
            if not isinstance(items, list):
                raise r.fail(name, f"应写作 [[{name}]] 的表数组 (must be an array of tables)")
            sections[name] = {"items": items}
        else:
            sections[name] = r.table(raw, name, "", required=False)
    return HallConfig(path, hall, queue, categories, departments, services, windows, sections)


def _array(r: Reader, raw: dict, key: str) -> list[dict]:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        raise r.fail(key, "至少需要一项 (need at least one [[%s]] entry)" % key)
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise r.fail(f"{key}[{i}]", "应为表 (must be a table)")
    return value


def _parse_hall(r: Reader, data: dict) -> HallInfo:
    where = "hall."
    r.unknown(data, HALL_OPTIONS, where)
    tz_name = r.str(data, "timezone", where, default="Asia/Shanghai")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail(f"{where}timezone", f"未知时区 (unknown time zone) {tz_name!r}") from None
    hours = []
    for i, span in enumerate(r.str_list(data, "business_hours", where, ["08:30-12:00", "13:30-17:30"])):
        parts = span.split("-")
        if len(parts) != 2:
            raise r.fail(f"{where}business_hours[{i}]", f"应为 HH:MM-HH:MM, got {span!r}")
        start = r.clock_time(parts[0].strip(), f"{where}business_hours[{i}]")
        end = r.clock_time(parts[1].strip(), f"{where}business_hours[{i}]")
        if end <= start:
            raise r.fail(f"{where}business_hours[{i}]", f"结束时间应晚于开始时间：{span!r}")
        hours.append((start, end))
    open_days = r.str(data, "open_days", where, default="workdays")
    if open_days not in ("workdays", "every_day"):
        raise r.fail(f"{where}open_days", "应为 workdays 或 every_day")
    public_url = r.str(data, "public_url", where, default="http://127.0.0.1:8080").rstrip("/")
    if not public_url.startswith(("http://", "https://")):
        raise r.fail(f"{where}public_url", f"应以 http:// 或 https:// 开头，got {public_url!r}")
    return HallInfo(
        name=r.str(data, "name", where),
        timezone=tz_name,
        tz=tz,
        day_starts_at=r.clock_time(r.str(data, "day_starts_at", where, default="04:00"), f"{where}day_starts_at"),
        business_hours=tuple(hours),
        open_days=open_days,
        extra_open_dates=r.dates(data, "extra_open_dates", where),
        extra_closed_dates=r.dates(data, "extra_closed_dates", where),
        public_url=public_url,
        phone=r.str(data, "phone", where, default="12345"),
        supervision_phone=r.str(data, "supervision_phone", where, default="12345"),
        region_code=r.str(data, "region_code", where, default="000000"),
        notice=tuple(r.str_list(data, "notice", where, ["过号无效，请重新取号"])),
        number_digits=r.int(data, "number_digits", where, default=3, lo=2, hi=5),
    )


def _parse_queue(r: Reader, data: dict) -> QueueRules:
    where = "queue."
    r.unknown(data, QUEUE_OPTIONS, where)
    order = r.str_list(data, "class_order", where, list(TICKET_CLASSES))
    if sorted(order) != sorted(TICKET_CLASSES):
        raise r.fail(f"{where}class_order", f"应为 {list(TICKET_CLASSES)} 的一个排列 (a permutation), got {order!r}")
    requeue = r.str(data, "requeue", where, default="after")
    if requeue not in REQUEUE_RULES:
        raise r.fail(f"{where}requeue", f"应为 {', '.join(REQUEUE_RULES)} 之一，got {requeue!r}")
    template = r.str(data, "voice_template", where, default="请{number}号到{window}号窗口办理")
    if "{number}" not in template or "{window}" not in template:
        raise r.fail(f"{where}voice_template", "应包含 {number} 和 {window}")
    return QueueRules(
        class_order=tuple(order),
        service_order_first=r.bool(data, "service_order_first", where, False),
        requeue=requeue,
        requeue_after=r.int(data, "requeue_after", where, default=3, lo=0, hi=100),
        max_requeues=r.int(data, "max_requeues", where, default=1, lo=0, hi=10),
        appointment_early_min=r.int(data, "appointment_early_min", where, default=60, lo=0, hi=600),
        appointment_late_min=r.int(data, "appointment_late_min", where, default=15, lo=0, hi=600),
        voice_template=template,
    )
