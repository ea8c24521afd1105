"""The ``[practices]`` section: which service practices the counters record, each with its Chinese name and what
it must carry. Kinds are the hall's to choose; the defaults are the plan's (一(八))."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from queue_server.core.config import ConfigError, HallConfig, Setting

SECTION = "practices"
#: what a kind needs besides the ticket: nothing, a material and the date promised for it, a count, or a person
NEEDS = ("none", "missing_material", "count", "handed_to")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


@dataclass(frozen=True)
class PracticeKind:
    """One kind of service practice."""

    code: str
    name: str
    needs: str = "none"


DEFAULT_KINDS = (
    PracticeKind("assisted", "帮办代办"),
    PracticeKind("missing_material", "容缺受理", "missing_material"),
    PracticeKind("after_hours", "延时服务"),
    PracticeKind("appointment", "预约服务"),
    PracticeKind("home_visit", "上门服务"),
    PracticeKind("free_copies", "免费打复印", "count"),
    PracticeKind("first_asked", "首问责任", "handed_to"),
)
SETTINGS: tuple[Setting, ...] = (
    Setting("kinds", [{"code": k.code, "name": k.name, "needs": k.needs} for k in DEFAULT_KINDS],
            "柜台可登记的服务举措：code（英文代码）、name（名称）、needs（none / missing_material 容缺材料与承诺日期 / "
            "count 份数 / handed_to 移交给谁）"),
)


def parse_practice_kinds(path: Path | str, raw: dict[str, Any] | None) -> dict[str, PracticeKind]:
    """Validate ``[practices]`` (missing → the defaults): code → kind, in the hall file's order."""
    raw = dict(raw or {})
    for name in raw:
        if name not in {s.name for s in SETTINGS}:
            raise ConfigError(path, f"{SECTION}.{name}", "未知设置项")
    if "kinds" not in raw:
        return {k.code: k for k in DEFAULT_KINDS}
    items = raw["kinds"]
    if not isinstance(items, list) or not items:
        raise ConfigError(path, f"{SECTION}.kinds", "必须是至少一项的列表（[[practices.kinds]]）")
    kinds: dict[str, PracticeKind] = {}
    for i, item in enumerate(items):
        where = f"{SECTION}.kinds[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(path, where, "每项须有 code 和 name")
        code, name, needs = item.get("code"), item.get("name"), item.get("needs", "none")
        if not isinstance(code, str) or not _CODE.match(code):
            raise ConfigError(path, f"{where}.code", "须为小写英文字母、数字和下划线，以字母开头")
        if code in kinds:
            raise ConfigError(path, f"{where}.code", f"重复的代码 {code}")
        if not isinstance(name, str) or not name.strip() or len(name) > 20:
            raise ConfigError(path, f"{where}.name", "须为1到20字的名称")
        if needs not in NEEDS:
            raise ConfigError(path, f"{where}.needs", "只能是 " + " / ".join(NEEDS))
        unknown = set(item) - {"code", "name", "needs"}
        if unknown:
            raise ConfigError(path, f"{where}.{sorted(unknown)[0]}", "未知设置项")
        kinds[code] = PracticeKind(code, name.strip(), needs)
    return kinds


def practice_kinds(config: HallConfig) -> dict[str, PracticeKind]:
    """The validated section of a loaded hall file."""
    return parse_practice_kinds(config.path, config.sections.get(SECTION))
