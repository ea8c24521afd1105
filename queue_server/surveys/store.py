"""Answering a questionnaire for a ticket, and reading the answers back: results per window or unit, and the weak
points (a rating question whose average, or a single-choice question whose share of satisfied answers, is below the
questionnaire's threshold) that the centre reports to the units concerned (通报相关窗口单位)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from queue_server.core.clock import from_iso, to_iso
from queue_server.core.config import HallConfig
from queue_server.core.errors import ApiError, conflict, invalid
from queue_server.core.privacy import mask_in_text
from queue_server.surveys.settings import Question, Survey

#: the longest text answer (declared with the route: ``surveys.routes.Answer``)
TEXT_MAX = 500
#: the most answers one body may carry (a questionnaire has far fewer questions)
MAX_ANSWERS = 100


def _value(question: Question, value: Any) -> Any:
    """One checked answer (``None`` when left out); a bad one names ``answers.<code>``. The value's characters and
    length are declared with the route; here what the question's kind takes."""
    where = f"answers.{question.code}"
    if value is None or value == "":
        if question.required:
            raise invalid(where, f"请回答：{question.text}")
        return None
    if question.kind == "rating":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise invalid(where, "评分应为1到5的整数")
    elif question.kind == "single":
        if value not in question.options:
            raise invalid(where, "请从给出的选项中选择一项")
    else:
        if not isinstance(value, str):
            raise invalid(where, "应为文字")
    return value


def check_answers(survey: Survey, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers of ``POST /api/surveys/{code}/answers`` (an object of bounded size, declared with the route)
    checked against the questionnaire: its questions only, each answered as its kind takes."""
    known = {q.code for q in survey.questions}
    extra = sorted(set(answers) - known)
    if extra:
        raise invalid(f"answers.{extra[0]}", "本问卷没有这个问题")
    return {q.code: _value(q, answers.get(q.code)) for q in survey.questions}


def check_answerable(db: Database, survey: Survey, ticket: dict | None, now: datetime) -> None:
    """Refuse a ticket that does not exist, was not served, was served too long ago or already answered."""
    if ticket is None:
        raise ApiError(404, "not_found", "没有找到这个号码，请核对二维码或链接")
    if ticket["status"] != "finished" or ticket["window"] is None:
        raise conflict("本号尚未办结，办结后才能参加问卷调查")
    finished = from_iso(ticket["finished_at"])
    if finished is None or now - finished > timedelta(days=survey.answer_days):
        raise ApiError(403, "forbidden", f"已超过问卷填写期限（办结后{survey.answer_days}天内）")
    if answered(db, survey.code, ticket["id"]):
        raise conflict("本号已参加过此问卷调查，感谢您的参与", code="already_answered")


def answered(db: Database, survey: str, ticket_id: int) -> bool:
    return db.execute("SELECT 1 FROM survey_answers WHERE survey = ? AND ticket_id = ?",
                      [survey, ticket_id]).fetchone() is not None


def record(db: Database, survey: Survey, ticket: dict, config: HallConfig, answers: dict[str, Any],
           now: datetime) -> int:
    """Store one ticket's answers (inside the caller's write transaction) with the window and unit that served it."""
    service = config.services.get(ticket["service"])
    return db["survey_answers"].insert({
        "survey": survey.code, "ticket_id": ticket["id"], "ticket_number": ticket["number"],
        "business_day": ticket["business_day"], "window": ticket["window"], "service": ticket["service"],
        "department": service.department if service else None,
        "answers": json.dumps(answers, ensure_ascii=False), "answered_at": to_iso(now)}).last_pk


def _rows(db: Database, survey: str, day_from: str, day_to: str) -> list[dict[str, Any]]:
    return [{**r, "answers": json.loads(r["answers"])} for r in db.query(
        "SELECT * FROM survey_answers WHERE survey = ? AND business_day BETWEEN ? AND ? ORDER BY id",
        [survey, day_from, day_to])]


def _group_name(config: HallConfig, by: str, key: Any) -> str:
    if by == "window":
        window = config.windows.get(key)
        return f"{key}号窗口 {window.name}" if window else f"{key}号窗口"
    department = config.departments.get(key or "")
    return department.name if department else str(key)


def _question_result(question: Question, values: list[Any], names: list[str]) -> dict[str, Any]:
    """One question's figures over one group's answers; texts masked (phones, ID numbers, ``names`` and introduced
    names: what citizens type is shown to whoever reads the results)."""
    given = [v for v in values if v is not None]
    result: dict[str, Any] = {"code": question.code, "kind": question.kind, "text": question.text,
                              "answers": len(given)}
    if question.kind == "rating":
        result["mean"] = round(sum(given) / len(given), 2) if given else None
        result["levels"] = {str(n): given.count(n) for n in range(1, 6)}
    elif question.kind == "single":
        result["options"] = {o: given.count(o) for o in question.options}
        good = sum(given.count(o) for o in question.good)
        result["good_share"] = round(good / len(given), 3) if given and question.good else None
    else:
        result["texts"] = [mask_in_text(t, names) for t in given[-20:]]  # the latest
    return result


def results(db: Database, config: HallConfig, survey: Survey, day_from: str, day_to: str,
            by: str) -> list[dict[str, Any]]:
    """Per window or unit (``by``): how many answered, and each question's figures."""
    if by not in ("window", "department"):
        raise invalid("by", "应为 window（窗口）或 department（单位）")
    groups: dict[Any, list[dict]] = {}
    for row in _rows(db, survey.code, day_from, day_to):
        groups.setdefault(row[by], []).append(row["answers"])
    order = list(config.windows) if by == "window" else list(config.departments)
    staff = [r[0] for r in db.execute("SELECT name FROM staff")]  # citizens name the clerk who served them
    out = []
    for key in sorted(groups, key=lambda k: order.index(k) if k in order else len(order)):
        answers = groups[key]
        out.append({"key": key, "name": _group_name(config, by, key), "respondents": len(answers),
                    "questions": [_question_result(q, [a.get(q.code) for a in answers], staff)
                                  for q in survey.questions]})
    return out


def weak_points(db: Database, config: HallConfig, survey: Survey, day_from: str, day_to: str,
                by: str = "department") -> list[dict[str, Any]]:
    """Each window or unit with its questions below the questionnaire's thresholds (with at least ``min_answers``
    answers, so one unhappy citizen does not name a unit); units without weak points are left out."""
    out = []
    for group in results(db, config, survey, day_from, day_to, by):
        points = []
        for q in group["questions"]:
            if q["answers"] < survey.min_answers:
                continue
            if q["kind"] == "rating" and q["mean"] is not None and q["mean"] < survey.weak_rating:
                points.append({"question": q["code"], "text": q["text"], "measure": "平均分", "value": q["mean"],
                               "threshold": survey.weak_rating, "answers": q["answers"]})
            elif q["kind"] == "single" and q["good_share"] is not None and q["good_share"] < survey.weak_share:
                points.append({"question": q["code"], "text": q["text"], "measure": "满意选项占比",
                               "value": q["good_share"], "threshold": survey.weak_share, "answers": q["answers"]})
        if points:
            out.append({"key": group["key"], "name": group["name"], "respondents": group["respondents"],
                        "points": points})
    return out


def point_text(point: dict[str, Any]) -> str:
    """A weak point as one phrase of the bulletin: 「问题」平均分 3.2（低于 4）."""
    if point["measure"] == "平均分":
        return f"“{point['text']}”平均分 {point['value']:.1f}（低于 {point['threshold']:g}）"
    return f"“{point['text']}”满意占比 {100 * point['value']:.0f}%（低于 {100 * point['threshold']:.0f}%）"
