"""The bulletin on the admin side: ``GET /api/bulletin?quarter=2026Q4`` (the content as JSON, for the admin page)
and ``GET /api/bulletin/{quarter}.docx`` (the Word document ``govhall bulletin`` writes)."""
from __future__ import annotations

import asyncio

from aiohttp import web

from queue_server.bulletin.document import write_docx
from queue_server.bulletin.report import gather
from queue_server.core.errors import invalid
from queue_server.core.hall_time import Quarter, business_day
from queue_server.keys import CLOCK, CONFIG
from queue_server.reviews.http import run_read, state
from queue_server.web.auth import require
from queue_server.web.json_io import json_response


def _quarter(request: web.Request, text: str | None) -> Quarter:
    if not text:  # this quarter
        return Quarter.of(business_day(request.app[CLOCK].now(), request.app[CONFIG].hall))
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise invalid("quarter", str(exc)) from None


async def _content(request: web.Request, quarter: Quarter) -> dict:
    config, settings, now = request.app[CONFIG], state(request).settings, request.app[CLOCK].now()
    return await run_read(request, lambda db: gather(db, config, settings, quarter, now))


async def _handle_get_bulletin(request: web.Request) -> web.Response:
    require(request, "admin")
    return json_response(await _content(request, _quarter(request, request.query.get("quarter"))))


async def _handle_get_bulletin_docx(request: web.Request) -> web.Response:
    require(request, "admin")
    quarter = _quarter(request, request.match_info["quarter"])
    data = await asyncio.to_thread(write_docx, await _content(request, quarter))  # off the loop, like exports
    return web.Response(body=data, headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Content-Disposition": f'attachment; filename="bulletin-{quarter}.docx"'})


def setup(app: web.Application) -> None:
    """Add the bulletin routes."""
    app.router.add_get("/api/bulletin", _handle_get_bulletin)
    app.router.add_get("/api/bulletin/{quarter}.docx", _handle_get_bulletin_docx)


_ADMIN = [{"bearer": ["admin"]}]
_QUARTER_PARAM = {"name": "quarter", "required": False, "schema": {"type": "string", "pattern": r"^\d{4}Q[1-4]$"}}
OPENAPI_PATHS = {
    "/api/bulletin": {"get": {
        "summary": "季度通报 The quarter's bulletin content (default: this quarter)", "security": _ADMIN,
        "parameters": [{**_QUARTER_PARAM, "in": "query"}],
        "responses": {"200": {"description": "title, totals, units, ranking, weights, overdue cases and complaints"},
                      "422": {"description": "quarter not YYYYQn"}}}},
    "/api/bulletin/{quarter}.docx": {"get": {
        "summary": "季度通报 Word 文档 The bulletin as .docx", "security": _ADMIN,
        "parameters": [{**_QUARTER_PARAM, "in": "path", "required": True}],
        "responses": {"200": {"description": "the .docx"}, "422": {"description": "quarter not YYYYQn"}}}},
}
