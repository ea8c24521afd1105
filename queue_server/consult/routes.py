"""Routes of the consultation register: the desk records a question (``POST /api/consultations``, by staff logged in
at a desk window or an admin of the centre's 咨询服务股); admins list, count and export the records; ``/desk`` is the
desk's page.

Who may record: every unit stationed in the hall staffs 咨询导办 (plan 一(一)), so any counter's staff token may
record, and the record keeps the window it was logged in at; the centre's own consultation staff log in as admins
(no window). A window's staff see no listing: the register is read by admins.
"""
from __future__ import annotations

from pathlib import Path

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.consult import rules
from queue_server.core.clock import to_iso
from queue_server.core.hall_time import business_day
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.reviews.http import query_days, run_read
from queue_server.reviews.requests import DaysQuery
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.types import Code, Text, WindowNumber

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DESK_PAGE = Path(__file__).with_name("desk.html")
Outcome = Literal[tuple(rules.OUTCOMES)]
routes = ApiRoutes()


class ConsultationRequest(BaseModel):
    """A question the desk answered; which service and window exist, and what each outcome needs, are the rules'."""

    service: Code = Field(title="咨询业务")
    question: Text(rules.QUESTION_MAX) = Field(title="咨询问题")
    answer: Text(rules.ANSWER_MAX, min_length=0) | None = Field(None, title="解答内容")
    outcome: Outcome = Field(title="处理结果", description="answered 当场解答 / to_window 引导至窗口 / "
                                                          "online 帮助网上申办")
    to_window: WindowNumber | None = Field(None, title="引导至窗口")


class ConsultationQuery(DaysQuery):
    outcome: Outcome | None = Field(None, title="处理结果")
    service: Code | None = Field(None, title="咨询业务")


@routes.post("/api/consultations", "登记咨询导办 Record a question the desk answered", roles=("staff", "admin"),
             body=ConsultationRequest, responses={"201": "the record", "422": "the field named"})
async def _handle_record(request: web.Request, body: ConsultationRequest) -> web.Response:
    who = require(request, "staff", "admin")
    config = request.app[CONFIG]
    entry = rules.consultation_input(body.model_dump(), config)
    now, db = request.app[CLOCK].now(), request.app[DB]
    day = business_day(now, config.hall).isoformat()
    record_id = await request.app[WRITER].run(
        lambda wdb: rules.record(wdb, entry, to_iso(now), day, who.window, who.staff_no, who.actor))
    row = db["consultations"].get(record_id)
    return json_response(rules.row_json(row, config, config.hall.tz), status=201)


def _rows(request: web.Request, query: ConsultationQuery) -> list[dict]:
    day_from, day_to = query_days(request, query.from_, query.to, default_days=30)
    return rules.listing(request.app[DB], day_from, day_to, outcome=query.outcome, service=query.service)


@routes.get("/api/consultations", "咨询导办台账 Records (?from, ?to, ?outcome, ?service)", roles=("admin",),
            query=ConsultationQuery, responses={"200": "records, oldest first"})
async def _handle_list(request: web.Request, query: ConsultationQuery) -> web.Response:
    require(request, "admin")
    config = request.app[CONFIG]
    return json_response([rules.row_json(r, config, config.hall.tz) for r in _rows(request, query)])


@routes.get("/api/consultations/counts", "咨询导办统计 Counts per service and outcome", roles=("admin",),
            query=ConsultationQuery, responses={"200": "{total, outcomes, services}"})
async def _handle_counts(request: web.Request, query: ConsultationQuery) -> web.Response:
    require(request, "admin")
    return json_response(rules.counts(_rows(request, query), request.app[CONFIG]))


@routes.get("/api/consultations.xlsx", "导出咨询导办台账 The records as .xlsx", roles=("admin",),
            query=ConsultationQuery, produces=_XLSX, responses={"200": "an .xlsx workbook"})
async def _handle_export(request: web.Request, query: ConsultationQuery) -> web.Response:
    require(request, "admin")
    config = request.app[CONFIG]
    rows = [rules.row_json(r, config, config.hall.tz) for r in _rows(request, query)]
    # building the workbook is the slow part; run it off the event loop so calls and tickets go on
    body = await run_read(request, lambda _db: rules.write_xlsx(rows))
    return web.Response(body=body, content_type=_XLSX, headers={
        "Content-Disposition": "attachment; filename*=UTF-8''consultations.xlsx"})


@routes.get("/desk", "咨询导办台页面 The consultation desk's page (HTML)", produces="text/html",
            responses={"200": "HTML"})
async def _handle_desk_page(request: web.Request) -> web.Response:
    return web.Response(text=DESK_PAGE.read_text("utf-8"), content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


def setup(app: web.Application) -> None:
    """Add the consultation register's routes and the desk page."""
    routes.add_to(app)

