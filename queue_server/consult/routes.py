"""Routes of the consultation register: the desk records a question (``POST /api/consultations``, by staff logged in
at a desk window or an admin of the centre's 咨询服务股); admins list, count and export the records; ``/desk`` is the
desk's page.

Who may record: every unit stationed in the hall staffs 咨询导办 (plan 一(一)), so any counter's staff token may
record, and the record keeps the window it was logged in at; the centre's own consultation staff log in as admins
(no window). A window's staff see no listing: the register is read by admins.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from queue_server.consult import rules
from queue_server.core.clock import to_iso
from queue_server.core.db import write_transaction
from queue_server.core.hall_time import business_day
from queue_server.keys import CLOCK, CONFIG, DB
from queue_server.reviews.http import day_range, run_read
from queue_server.web.auth import require
from queue_server.web.json_io import json_response, read_json

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DESK_PAGE = Path(__file__).with_name("desk.html")


async def _handle_record(request: web.Request) -> web.Response:
    who = require(request, "staff", "admin")
    config = request.app[CONFIG]
    entry = rules.consultation_input(await read_json(request), config)
    now, db = request.app[CLOCK].now(), request.app[DB]
    with write_transaction(db):
        record_id = rules.record(db, entry, to_iso(now), business_day(now, config.hall).isoformat(), who.window,
                                 who.staff_no, who.actor)
    row = db["consultations"].get(record_id)
    return json_response(rules.row_json(row, config, config.hall.tz), status=201)


def _rows(request: web.Request) -> list[dict]:
    day_from, day_to = day_range(request, default_days=30)
    q = request.query
    return rules.listing(request.app[DB], day_from, day_to, outcome=q.get("outcome") or None,
                         service=q.get("service") or None)


async def _handle_list(request: web.Request) -> web.Response:
    require(request, "admin")
    config = request.app[CONFIG]
    return json_response([rules.row_json(r, config, config.hall.tz) for r in _rows(request)])


async def _handle_counts(request: web.Request) -> web.Response:
    require(request, "admin")
    return json_response(rules.counts(_rows(request), request.app[CONFIG]))


async def _handle_export(request: web.Request) -> web.Response:
    require(request, "admin")
    config = request.app[CONFIG]
    rows = [rules.row_json(r, config, config.hall.tz) for r in _rows(request)]
    # building the workbook is the slow part; run it off the event loop so calls and tickets go on
    body = await run_read(request, lambda _db: rules.write_xlsx(rows))
    return web.Response(body=body, content_type=_XLSX, headers={
        "Content-Disposition": "attachment; filename*=UTF-8''consultations.xlsx"})


async def _handle_desk_page(request: web.Request) -> web.Response:
    return web.Response(text=DESK_PAGE.read_text("utf-8"), content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


def setup(app: web.Application) -> None:
    """Add the consultation register's routes and the desk page."""
    app.router.add_post("/api/consultations", _handle_record)
    app.router.add_get("/api/consultations", _handle_list)
    app.router.add_get("/api/consultations/counts", _handle_counts)
    app.router.add_get("/api/consultations.xlsx", _handle_export)
    app.router.add_get("/desk", _handle_desk_page)


_S = {"type": "string"}
_FILTERS = [{"name": n, "in": "query", "required": False, "schema": s} for n, s in (
    ("from", {"type": "string", "format": "date"}), ("to", {"type": "string", "format": "date"}),
    ("outcome", {"type": "string", "enum": list(rules.OUTCOMES)}), ("service", _S))]
OPENAPI_PATHS = {
    "/api/consultations": {
        "post": {"summary": "登记咨询导办 Record a question the desk answered",
                 "security": [{"bearer": ["staff", "admin"]}],
                 "requestBody": {"content": {"application/json": {"schema": {
                     "type": "object", "required": ["service", "question", "outcome"],
                     "properties": {"service": _S, "question": _S, "answer": _S,
                                    "outcome": {"type": "string", "enum": list(rules.OUTCOMES)},
                                    "to_window": {"type": "integer"}}}}}},
                 "responses": {"201": {"description": "the record"}, "422": {"description": "the field named"}}},
        "get": {"summary": "咨询导办台账 Records (?from, ?to, ?outcome, ?service)", "security": [{"bearer": ["admin"]}],
                "parameters": _FILTERS, "responses": {"200": {"description": "records, oldest first"}}}},
    "/api/consultations/counts": {"get": {
        "summary": "咨询导办统计 Counts per service and outcome", "security": [{"bearer": ["admin"]}],
        "parameters": _FILTERS, "responses": {"200": {"description": "{total, outcomes, services}"}}}},
    "/api/consultations.xlsx": {"get": {
        "summary": "导出咨询导办台账 The records as .xlsx", "security": [{"bearer": ["admin"]}],
        "parameters": _FILTERS, "responses": {"200": {"description": "an .xlsx workbook"}}}},
    "/desk": {"get": {"summary": "咨询导办台页面 The consultation desk's page (HTML)",
                      "responses": {"200": {"description": "HTML"}}}},
}
