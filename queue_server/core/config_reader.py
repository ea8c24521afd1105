"""Reading the hall file: the error that names the file, the field and the problem, and the typed, bounded getters
every section's parser uses (the core sections in :mod:`queue_server.core.config`, the areas' own)."""
from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path

#: a clock time in the hall file, HH:MM
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ConfigError(Exception):
    """A configuration problem: which file, which field, what is wrong."""

    def __init__(self, path: Path | str, field: str, problem: str) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.path}: {field}: {problem}")


class Reader:
    """Typed, bounded getters that report the exact field on failure."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str) -> ConfigError:
        return ConfigError(self.path, field, problem)

    def table(self, data: dict, key: str, where: str, required: bool = True) -> dict:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(f"{where}{key}", "缺少此节 (missing section)")
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{where}{key}", "应为表 (must be a table)")
        return value

    def str(self, data: dict, key: str, where: str, default: str | None = None, pattern: re.Pattern | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "必填 (required)")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}{key}", "应为非空字符串 (must be a non-empty string)")
        if pattern and not pattern.match(value):
            raise self.fail(f"{where}{key}", f"格式不正确：{value!r} (must match {pattern.pattern})")
        return value

    def int(self, data: dict, key: str, where: str, default: int | None = None, lo: int = 0, hi: int = 10**6) -> int:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "必填 (required)")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{where}{key}", f"应为整数 (must be an integer), got {value!r}")
        if not lo <= value <= hi:
            raise self.fail(f"{where}{key}", f"应在 {lo}–{hi} 之间 (out of range), got {value}")
        return value

    def number(self, data: dict, key: str, where: str, default: float | None = None, lo: float = 0, hi: float = 1e6) -> float:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "必填 (required)")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{where}{key}", f"应为数字 (must be a number), got {value!r}")
        if not lo < value <= hi:
            raise self.fail(f"{where}{key}", f"应在 {lo}–{hi} 之间 (out of range), got {value}")
        return float(value)

    def bool(self, data: dict, key: str, where: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{where}{key}", f"应为 true 或 false (must be a boolean), got {value!r}")
        return value

    def str_list(self, data: dict, key: str, where: str, default: list[str] | None = None) -> list[str]:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "必填 (required)")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}{key}", "应为字符串列表 (must be a list of strings)")
        return value

    def clock_time(self, text: str, field: str) -> time:
        match = _HHMM.match(text)
        if not match:
            raise self.fail(field, f"时间应为 HH:MM, got {text!r}")
        return time(int(match.group(1)), int(match.group(2)))

    def dates(self, data: dict, key: str, where: str) -> frozenset[date]:
        result = set()
        for i, text in enumerate(self.str_list(data, key, where, [])):
            try:
                result.add(date.fromisoformat(text))
            except ValueError:
                raise self.fail(f"{where}{key}[{i}]", f"日期应为 YYYY-MM-DD, got {text!r}") from None
        return frozenset(result)

    def unknown(self, data: dict, known: set[str], where: str) -> None:
        extra = sorted(set(data) - known)
        if extra:
            raise self.fail(f"{where}{extra[0]}", "未知配置项 (unknown option)")
