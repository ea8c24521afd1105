"""The bulletin on the admin side: ``GET /api/bulletin?quarter=2026Q4`` (the content as JSON, for the admin page)
and ``GET /api/bulletin/{quarter}.docx`` (the Word document ``govhall bulletin`` writes)."""
from __future__ import annotations

import asyncio

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.bulletin.document import write_docx
from queue_server.bulletin.report import gather
from queue_server.core.hall_time import Quarter, QuarterText, business_day
from queue_server.keys import CLOCK, CONFIG
from queue_server.reviews.http import run_read, state
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
routes = ApiRoutes()


class BulletinQuery(BaseModel):
    quarter: QuarterText | None = Field(None, title="季度")


class BulletinPath(BaseModel):
    quarter: QuarterText = Field(title="季度")


def _quarter(request: web.Request, text: str | None) -> Quarter:
    if not text:  # this quarter
        return Quarter.of(business_day(request.app[CLOCK].now(), request.app[CONFIG].hall))
    return Quarter.parse(text)  # the declared pattern has checked it


async def _content(request: web.Request, quarter: Quarter) -> dict:
    config, settings, now = request.app[CONFIG], state(request).settings, request.app[CLOCK].now()
    return await run_read(request, lambda db: gather(db, config, settings, quarter, now))


@routes.get("/api/bulletin", "季度通报 The quarter's bulletin content (default: this quarter)", roles=("admin",),
            query=BulletinQuery, responses={
                "200": "title, totals, units, ranking, weights, overdue cases and complaints",
                "422": "quarter not YYYYQn"})
async def _handle_get_bulletin(request: web.Request, query: BulletinQuery) -> web.Response:
    require(request, "admin")
    return json_response(await _content(request, _quarter(request, query.quarter)))


@routes.get("/api/bulletin/{quarter}.docx", "季度通报 Word 文档 The bulletin as .docx", roles=("admin",),
            params=BulletinPath, produces=_DOCX, responses={"200": "the .docx", "404": "quarter not YYYYQn"})
async def _handle_get_bulletin_docx(request: web.Request, path: BulletinPath) -> web.Response:
    require(request, "admin")
    quarter = _quarter(request, path.quarter)
    data = await asyncio.to_thread(write_docx, await _content(request, quarter))  # off the loop, like exports
    return web.Response(body=data, headers={
        "Content-Type": _DOCX,
        "Content-Disposition": f'attachment; filename="bulletin-{quarter}.docx"'})


def setup(app: web.Application) -> None:
    """Add the bulletin routes."""
    routes.add_to(app)
