"""Routes of the questionnaires: the citizen's phone page ``/s/{ticket_token}`` and what it reads and posts (public,
the ticket token is the credential, rate-limited per address), and the admins' results and weak points.

The limit is the public reviews' per-address one (``[reviews] rate_limit_address_count`` per
``rate_limit_seconds``, behind ``trusted_proxies``): the same phones on the same hall WiFi post both, and a burst
from one address is refused with 429 before any ticket is looked up, so tokens cannot be probed.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from queue_server.core.db import write_transaction
from queue_server.core.errors import ApiError, invalid, not_found
from queue_server.keys import CLOCK, CONFIG, DB
from queue_server.reviews.http import client_address, day_range, run_read
from queue_server.reviews.ratelimit import RateLimiter
from queue_server.reviews.settings import load_review_settings
from queue_server.surveys import store
from queue_server.surveys.settings import KINDS, Survey, active_survey, surveys
from queue_server.web.auth import require
from queue_server.web.json_io import json_response, read_json

SURVEYS = web.AppKey("surveys", dict)
LIMITER = web.AppKey("survey_limiter", RateLimiter)
PROXIES = web.AppKey("survey_trusted_proxies", frozenset)
PAGE = Path(__file__).with_name("survey.html")


def _survey(request: web.Request) -> Survey:
    found = request.app[SURVEYS].get(request.match_info["code"])
    if found is None:
        raise not_found("没有这份问卷")
    return found


def _ticket(request: web.Request, token: object) -> dict | None:
    if not isinstance(token, str) or not token or len(token) > 64:
        raise invalid("ticket_token", "缺少号票凭证 ticket_token")
    return next(request.app[DB].query("SELECT * FROM tickets WHERE token = ?", [token]), None)


async def _handle_form(request: web.Request) -> web.Response:
    """What the phone page needs: the active questionnaire and whether this ticket may answer it."""
    config, db = request.app[CONFIG], request.app[DB]
    ticket = _ticket(request, request.match_info["token"])
    if ticket is None:
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


async def _handle_answer(request: web.Request) -> web.Response:
    address = client_address(request, request.app[PROXIES])
    limiter = request.app[LIMITER]
    if not limiter.allow(address):
        raise ApiError(429, "rate_limited", "提交过于频繁，请稍后再试")
    limiter.record(address)  # refused and failed attempts count too: probing tokens is a burst
    body = await read_json(request)  # the body first, as declared routes do: a malformed one is named before anything
    survey = _survey(request)
    if not survey.active:
        raise ApiError(409, "conflict", "这份问卷已结束")
    ticket = _ticket(request, body.get("ticket_token"))
    answers = store.check_answers(survey, body.get("answers"))
    db, config, now = request.app[DB], request.app[CONFIG], request.app[CLOCK].now()
    with write_transaction(db):
        store.check_answerable(db, survey, ticket, now)
        answer_id = store.record(db, survey, ticket, config, answers, now)
    return json_response({"id": answer_id, "survey": survey.code, "ticket": ticket["number"]}, status=201)


async def _handle_results(request: web.Request) -> web.Response:
    require(request, "admin")
    survey, config = _survey(request), request.app[CONFIG]
    day_from, day_to = day_range(request, default_days=90)
    by = request.query.get("by", "department")
    groups = await run_read(request, lambda db: store.results(db, config, survey, day_from, day_to, by))
    return json_response({"survey": survey.code, "title": survey.title, "from": day_from, "to": day_to, "by": by,
                          "groups": groups})


async def _handle_weak(request: web.Request) -> web.Response:
    require(request, "admin")
    survey, config = _survey(request), request.app[CONFIG]
    day_from, day_to = day_range(request, default_days=90)
    by = request.query.get("by", "department")
    units = await run_read(request, lambda db: store.weak_points(db, config, survey, day_from, day_to, by))
    return json_response({"survey": survey.code, "title": survey.title, "from": day_from, "to": day_to,
                          "weak_rating": survey.weak_rating, "weak_share": survey.weak_share,
                          "min_answers": survey.min_answers, "units": units})


async def _handle_list(request: web.Request) -> web.Response:
    require(request, "admin")
    return json_response([{"code": s.code, "title": s.title, "active": s.active, "answer_days": s.answer_days,
                           "questions": [{"code": q.code, "kind": q.kind, "kind_name": KINDS[q.kind], "text": q.text}
                                         for q in s.questions]} for s in request.app[SURVEYS].values()])


async def _handle_page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE.read_text("utf-8"), content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def setup(app: web.Application) -> None:
    """Validate ``[[surveys]]`` (a bad one stops start-up) and add the questionnaire routes."""
    app[SURVEYS] = surveys(app[CONFIG])
    settings = load_review_settings(app[CONFIG])
    app[LIMITER] = RateLimiter(app[CLOCK], settings.rate_limit_address_count, settings.rate_limit_seconds)
    app[PROXIES] = settings.trusted_proxies
    app.router.add_get("/s/{token}", _handle_page)
    app.router.add_get("/api/s/{token}", _handle_form)
    app.router.add_get("/api/surveys", _handle_list)
    app.router.add_post("/api/surveys/{code}/answers", _handle_answer)
    app.router.add_get("/api/surveys/{code}/results", _handle_results)
    app.router.add_get("/api/surveys/{code}/weak", _handle_weak)


_CODE = [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}]
_QUERY = _CODE + [{"name": n, "in": "query", "required": False, "schema": s} for n, s in (
    ("from", {"type": "string", "format": "date"}), ("to", {"type": "string", "format": "date"}),
    ("by", {"type": "string", "enum": ["window", "department"]}))]
_TOKEN = [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}]
OPENAPI_PATHS = {
    "/s/{token}": {"get": {"summary": "问卷调查页 The citizen's questionnaire page (HTML, phone)", "parameters": _TOKEN,
                           "responses": {"200": {"description": "HTML"}}}},
    "/api/s/{token}": {"get": {"summary": "问卷表单 The active questionnaire and whether this ticket may answer",
                               "parameters": _TOKEN, "responses": {"200": {"description": "survey, answerable, reason"},
                                                                   "404": {"description": "unknown ticket"}}}},
    "/api/surveys": {"get": {"summary": "问卷列表 The hall's questionnaires", "security": [{"bearer": ["admin"]}],
                             "responses": {"200": {"description": "questionnaires with their questions"}}}},
    "/api/surveys/{code}/answers": {"post": {
        "summary": "提交问卷 Answer for a served ticket (public: the ticket token; one answer per ticket)",
        "parameters": _CODE,
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["ticket_token", "answers"],
            "properties": {"ticket_token": {"type": "string"}, "answers": {"type": "object"}}}}}},
        "responses": {"201": {"description": "recorded"}, "409": {"description": "not served or already answered"},
                      "403": {"description": "too long after service"}, "422": {"description": "answers.<code>"},
                      "429": {"description": "too many from this address"}}}},
    "/api/surveys/{code}/results": {"get": {
        "summary": "问卷结果 Results per window or unit (?by=window|department)", "security": [{"bearer": ["admin"]}],
        "parameters": _QUERY, "responses": {"200": {"description": "groups with each question's figures"}}}},
    "/api/surveys/{code}/weak": {"get": {
        "summary": "薄弱环节（通报相关窗口单位） Questions below the thresholds per unit",
        "security": [{"bearer": ["admin"]}], "parameters": _QUERY,
        "responses": {"200": {"description": "units with their weak points"}}}},
}
