"""The ``[[surveys]]`` section: each questionnaire's code, title, questions and thresholds, validated with Chinese
errors naming the field. A hall keeps old questionnaires in the file (``active = false``) so their results stay
readable; at most one is active, the one the phone page shows."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from queue_server.core.config import ConfigError, HallConfig

SECTION = "surveys"
KINDS = {"single": "单选", "rating": "评分（1–5）", "text": "文字"}
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
SURVEY_KEYS = {"code", "title", "active", "answer_days", "weak_rating", "weak_share", "min_answers", "questions"}
QUESTION_KEYS = {"code", "kind", "text", "options", "good", "required"}


@dataclass(frozen=True)
class Question:
    """One question: ``single`` picks one of ``options`` (``good`` ones count as satisfied), ``rating`` is 1–5,
    ``text`` is free text."""

    code: str
    kind: str
    text: str
    options: tuple[str, ...] = ()
    good: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class Survey:
    """One questionnaire and the thresholds that make a unit's answers a weak point."""

    code: str
    title: str
    questions: tuple[Question, ...]
    active: bool = True
    answer_days: int = 7
    weak_rating: float = 4.0
    weak_share: float = 0.8
    min_answers: int = 3


def _question(path: Path | str, where: str, item: Any, seen: set[str]) -> Question:
    if not isinstance(item, dict):
        raise ConfigError(path, where, "每个问题须为表，含 code、kind、text")
    unknown = set(item) - QUESTION_KEYS
    if unknown:
        raise ConfigError(path, f"{where}.{sorted(unknown)[0]}", "未知设置项")
    code, kind, text = item.get("code"), item.get("kind"), item.get("text")
    if not isinstance(code, str) or not _CODE.match(code):
        raise ConfigError(path, f"{where}.code", "须为小写英文字母、数字和下划线，以字母开头")
    if code in seen:
        raise ConfigError(path, f"{where}.code", f"同一问卷中问题代码 {code} 重复")
    if kind not in KINDS:
        raise ConfigError(path, f"{where}.kind", "只能是 single（单选）/ rating（评分1–5）/ text（文字）")
    if not isinstance(text, str) or not text.strip() or len(text) > 100:
        raise ConfigError(path, f"{where}.text", "须为1到100字的问题")
    required = item.get("required", kind != "text")
    if not isinstance(required, bool):
        raise ConfigError(path, f"{where}.required", "须为 true 或 false")
    options, good = item.get("options", []), item.get("good", [])
    if kind == "single":
        if (not isinstance(options, list) or len(options) < 2 or len(options) > 10
                or not all(isinstance(o, str) and o.strip() and len(o) <= 30 for o in options)):
            raise ConfigError(path, f"{where}.options", "单选题须有2到10个选项，每项1到30字")
        if len(set(options)) != len(options):
            raise ConfigError(path, f"{where}.options", "选项不能重复")
        if not isinstance(good, list) or not all(g in options for g in good):
            raise ConfigError(path, f"{where}.good", "须为本题选项中的若干项（表示满意的选项）")
    elif "options" in item or "good" in item:
        raise ConfigError(path, f"{where}.{'options' if 'options' in item else 'good'}", "只有单选题（single）才有选项")
    return Question(code, kind, text.strip(), tuple(options), tuple(good), required)


def _number(path: Path | str, where: str, value: Any, low: float, high: float, integer: bool) -> Any:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not low <= value <= high:
        kind = "整数" if integer else "数"
        raise ConfigError(path, where, f"须为 {low:g} 到 {high:g} 之间的{kind}")
    return value


def parse_surveys(path: Path | str, raw: dict[str, Any] | None) -> dict[str, Survey]:
    """Validate ``[[surveys]]`` (none → no questionnaire): code → survey, in the hall file's order."""
    items = (raw or {}).get("items", [])
    surveys: dict[str, Survey] = {}
    for i, item in enumerate(items):
        where = f"{SECTION}[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(path, where, "每份问卷须为表（[[surveys]]）")
        unknown = set(item) - SURVEY_KEYS
        if unknown:
            raise ConfigError(path, f"{where}.{sorted(unknown)[0]}", "未知设置项")
        code, title = item.get("code"), item.get("title")
        if not isinstance(code, str) or not _CODE.match(code):
            raise ConfigError(path, f"{where}.code", "须为小写英文字母、数字和下划线，以字母开头")
        if code in surveys:
            raise ConfigError(path, f"{where}.code", f"问卷代码 {code} 重复")
        if not isinstance(title, str) or not title.strip() or len(title) > 40:
            raise ConfigError(path, f"{where}.title", "须为1到40字的问卷标题")
        active = item.get("active", True)
        if not isinstance(active, bool):
            raise ConfigError(path, f"{where}.active", "须为 true 或 false")
        questions_raw = item.get("questions")
        if not isinstance(questions_raw, list) or not questions_raw or len(questions_raw) > 30:
            raise ConfigError(path, f"{where}.questions", "须有1到30个问题（[[surveys.questions]]）")
        seen: set[str] = set()
        questions = []
        for j, q in enumerate(questions_raw):
            questions.append(_question(path, f"{where}.questions[{j}]", q, seen))
            seen.add(questions[-1].code)
        surveys[code] = Survey(
            code, title.strip(), tuple(questions), active,
            _number(path, f"{where}.answer_days", item.get("answer_days", 7), 1, 90, True),
            float(_number(path, f"{where}.weak_rating", item.get("weak_rating", 4.0), 1, 5, False)),
            float(_number(path, f"{where}.weak_share", item.get("weak_share", 0.8), 0, 1, False)),
            _number(path, f"{where}.min_answers", item.get("min_answers", 3), 1, 1000, True))
    if sum(s.active for s in surveys.values()) > 1:
        raise ConfigError(path, f"{SECTION}.active", "同一时间只能有一份问卷 active = true（其余设为 false）")
    return surveys


def surveys(config: HallConfig) -> dict[str, Survey]:
    """The validated questionnaires of a loaded hall file."""
    return parse_surveys(config.path, config.sections.get(SECTION))


def active_survey(found: dict[str, Survey]) -> Survey | None:
    """The questionnaire the phone page shows, if any."""
    return next((s for s in found.values() if s.active), None)
