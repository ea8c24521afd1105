"""Routes of the questionnaires: the citizen's phone page ``/s/{ticket_token}`` and what it reads and posts (public,
the ticket token is the credential, limited per address), and the admins' results and weak points.

Both public routes that look a ticket up are limited per network address (behind ``[reviews] trusted_proxies``,
the same phones on the same hall WiFi), with the questionnaire's own ``[security]`` settings: the page's lookup
counts unknown tokens only (``survey_lookup_failures_per_address``; a citizen opening the link again is never
slowed), the answers count every attempt (``survey_answers_per_address``), refused with 429 before any ticket is
looked up. Either way tokens cannot be probed faster than the limits allow. Free text is shown masked
(``core/privacy.py``): what citizens type may hold phones, ID numbers and names.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from queue_server.core.errors import ApiError, not_found
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.reviews.http import client_address, query_days, run_read
from queue_server.reviews.ratelimit import RateLimiter
from queue_server.reviews.settings import load_review_settings
from queue_server.surveys import store
from queue_server.surveys.settings import KINDS, Survey, active_survey, surveys
from queue_server.reviews.requests import DaysQuery
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.security import GUARDS, Guards
from queue_server.web.types import Code, Token, bad_character

SURVEYS = web.AppKey("surveys", dict)
LIMITER = web.AppKey("survey_limiter", RateLimiter)
PROXIES = web.AppKey("survey_trusted_proxies", frozenset)
PAGE = Path(__file__).with_name("survey.html")
routes = ApiRoutes()


def _answer_value(value: Any) -> Any:
    """One answer as JSON gives it: a rating (integer), an option or a text (storable text of at most TEXT_MAX
    characters), or nothing; which of them a question takes is ``store.check_answers``'s rule."""
    if value is None or isinstance(value, (bool, int)):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1_000_000:
            raise PydanticCustomError("answer_range", "数值过大")
        return value
    if isinstance(value, str):
        reason = bad_character(value, multiline=True)
        if reason:
            raise PydanticCustomError("bad_character", reason)
        value = value.replace("\r\n", "\n").strip()
        if len(value) > store.TEXT_MAX:
            raise PydanticCustomError("string_too_long", "不能超过 {max_length} 个字", {"max_length": store.TEXT_MAX})
        return value
    raise PydanticCustomError("answer_type", "应为评分、选项或文字")


#: one answer: any JSON scalar checked by :func:`_answer_value` (a union would name its members in the error)
Answer = Annotated[Any, AfterValidator(_answer_value), WithJsonSchema({"anyOf": [
    {"type": "integer"}, {"type": "string", "maxLength": store.TEXT_MAX}, {"type": "null"}]})]
QuestionCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class AnswerRequest(BaseModel):
    """A ticket's answers: question code → answer (the questions are the hall file's, per questionnaire)."""

    ticket_token: Token = Field(title="号票凭证")
    answers: dict[QuestionCode, Answer] = Field(title="问卷回答", max_length=store.MAX_ANSWERS)


class SurveyPath(BaseModel):
    code: Code = Field(title="问卷代码")


class TicketTokenPath(BaseModel):
    token: Token = Field(title="号票凭证")


class ResultsQuery(DaysQuery):
    by: Literal["window", "department"] = Field("department", title="分组")


def _survey(request: web.Request, code: str) -> Survey:
    found = request.app[SURVEYS].get(code)
    if found is None:
        raise not_found("没有这份问卷")
    return found


def _ticket(request: web.Request, token: str) -> dict | None:
    return next(request.app[DB].query("SELECT * FROM tickets WHERE token = ?", [token]), None)


@routes.get("/api/s/{token}", "问卷表单 The active questionnaire and whether this ticket may answer",
            params=TicketTokenPath, responses={"200": "survey, answerable, reason", "404": "unknown ticket",
                                               "429": "too many unknown tickets from this address"})
async def _handle_form(request: web.Request, path: TicketTokenPath) -> web.Response:
    """What the phone page needs: the active questionnaire and whether this ticket may answer it."""
    config, db = request.app[CONFIG], request.app[DB]
    address, guard = client_address(request, request.app[PROXIES]), request.app[GUARDS].survey_lookup
    Guards.check("问卷查询", (guard, address))
    ticket = _ticket(request, path.token)
    if ticket is None:
        guard.fail(address)  # only unknown tokens count: a citizen opening the link again is never slowed
        raise not_found("没有找到这个号码，请核对二维码或链接")
    survey = active_survey(request.app[SURVEYS])
    if survey is None:
        return json_response({"hall": config.hall.name, "survey": None, "answerable": False,
                              "reason": "目前没有进行中的问卷调查"})
    reason = ""
    try:
        store.check_answerable(db, survey, ticket, request.app[CLOCK].now())
    except ApiError as exc:
        reason = exc.message
    service = config.services.get(ticket["service"])
    window = config.windows.get(ticket["window"]) if ticket["window"] is not None else None
    return json_response({
        "hall": config.hall.name, "number": ticket["number"], "service": service.name if service else "",
        "window": ticket["window"], "window_name": window.name if window else "",
        "answerable": not reason, "reason": reason,
        "survey": {"code": survey.code, "title": survey.title, "questions": [
            {"code": q.code, "kind": q.kind, "text": q.text, "options": list(q.options), "required": q.required}
            for q in survey.questions]}})


@routes.post("/api/surveys/{code}/answers", "提交问卷 Answer for a served ticket (public: the ticket token; one "
             "answer per ticket)", params=SurveyPath, body=AnswerRequest, responses={
                 "201": "recorded", "409": "not served or already answered", "403": "too long after service",
                 "404": "unknown questionnaire or ticket", "422": "answers.<code>",
                 "429": "too many from this address"})
async def _handle_answer(request: web.Request, path: SurveyPath, body: AnswerRequest) -> web.Response:
    address = client_address(request, request.app[PROXIES])
    limiter = request.app[LIMITER]
    if not limiter.allow(address):
        raise ApiError(429, "rate_limited", "提交过于频繁，请稍后再试")
    limiter.record(address)  # refused and failed attempts count too: probing tokens is a burst
    survey = _survey(request, path.code)
    if not survey.active:
        raise ApiError(409, "conflict", "这份问卷已结束")
    ticket = _ticket(request, body.ticket_token)
    answers = store.check_answers(survey, body.answers)
    config, now = request.app[CONFIG], request.app[CLOCK].now()

    def write(db) -> int:  # the check and the answer in one write: two phones cannot both answer one ticket
        store.check_answerable(db, survey, ticket, now)
        return store.record(db, survey, ticket, config, answers, now)

    answer_id = await request.app[WRITER].run(write)
    return json_response({"id": answer_id, "survey": survey.code, "ticket": ticket["number"]}, status=201)


def _span(request: web.Request, path: SurveyPath, query: ResultsQuery) -> tuple[Survey, str, str]:
    """The questionnaire and the days a results request covers (default: the last 90)."""
    require(request, "admin")
    survey = _survey(request, path.code)
    day_from, day_to = query_days(request, query.from_, query.to, default_days=90)
    return survey, day_from, day_to


@routes.get("/api/surveys/{code}/results", "问卷结果 Results per window or unit (?by=window|department)",
            roles=("admin",), params=SurveyPath, query=ResultsQuery,
            responses={"200": "groups with each question's figures", "404": "no such questionnaire"})
async def _handle_results(request: web.Request, path: SurveyPath, query: ResultsQuery) -> web.Response:
    survey, day_from, day_to = _span(request, path, query)
    config, by = request.app[CONFIG], query.by
    groups = await run_read(request, lambda db: store.results(db, config, survey, day_from, day_to, by))
    return json_response({"survey": survey.code, "title": survey.title, "from": day_from, "to": day_to, "by": by,
                          "groups": groups})


@routes.get("/api/surveys/{code}/weak", "薄弱环节（通报相关窗口单位） Questions below the thresholds per unit",
            roles=("admin",), params=SurveyPath, query=ResultsQuery,
            responses={"200": "units with their weak points", "404": "no such questionnaire"})
async def _handle_weak(request: web.Request, path: SurveyPath, query: ResultsQuery) -> web.Response:
    survey, day_from, day_to = _span(request, path, query)
    config, by = request.app[CONFIG], query.by
    units = await run_read(request, lambda db: store.weak_points(db, config, survey, day_from, day_to, by))
    return json_response({"survey": survey.code, "title": survey.title, "from": day_from, "to": day_to,
                          "weak_rating": survey.weak_rating, "weak_share": survey.weak_share,
                          "min_answers": survey.min_answers, "units": units})


@routes.get("/api/surveys", "问卷列表 The hall's questionnaires", roles=("admin",),
            responses={"200": "questionnaires with their questions"})
async def _handle_list(request: web.Request) -> web.Response:
    require(request, "admin")
    return json_response([{"code": s.code, "title": s.title, "active": s.active, "answer_days": s.answer_days,
                           "questions": [{"code": q.code, "kind": q.kind, "kind_name": KINDS[q.kind], "text": q.text}
                                         for q in s.questions]} for s in request.app[SURVEYS].values()])


@routes.get("/s/{token}", "问卷调查页 The citizen's questionnaire page (HTML, phone)", params=TicketTokenPath,
            produces="text/html", responses={"200": "HTML"})
async def _handle_page(request: web.Request, path: TicketTokenPath) -> web.Response:
    return web.Response(text=PAGE.read_text("utf-8"), content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def setup(app: web.Application) -> None:
    """Validate ``[[surveys]]`` (a bad one stops start-up) and add the questionnaire routes."""
    app[SURVEYS] = surveys(app[CONFIG])
    limits = app[GUARDS].settings
    app[LIMITER] = RateLimiter(app[CLOCK], limits.survey_answers_per_address, limits.survey_window_minutes * 60)
    app[PROXIES] = load_review_settings(app[CONFIG]).trusted_proxies  # the hall's network, as the reviews see it
    routes.add_to(app)

