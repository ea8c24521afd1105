"""The admin pages (Chinese, staff login): the overview (概览, the landing tab), live hall, the three ledgers, KPI charts, exports, tidal windows.

One page at ``/admin`` with plain JavaScript (no CDN: the hall has no internet); it logs in through the core's
``POST /api/login`` and keeps the admin token in the browser's sessionStorage.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from aiohttp import web

from queue_server.keys import CONFIG

WEB = Path(__file__).resolve().parent / "static"
STATIC = {"admin.js": "application/javascript", "admin.css": "text/css", "charts.js": "application/javascript",
          "ledgers.js": "application/javascript", "tidal.js": "application/javascript",
          "overview.js": "application/javascript",
          # the evaluation duties' tabs (服务举措, 承诺件, 培训; 任务台账; 季度通报, 操作日志)
          "duties.js": "application/javascript", "tasks.js": "application/javascript",
          "reports.js": "application/javascript"}


async def _handle_get_admin_page(request: web.Request) -> web.Response:
    page = (WEB / "admin.html").read_text("utf-8").replace("{{hall}}", html.escape(request.app[CONFIG].hall.name))
    return web.Response(text=page, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"})


async def _handle_get_static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in STATIC:
        raise web.HTTPNotFound()
    return web.Response(text=(WEB / name).read_text("utf-8"), content_type=STATIC[name], charset="utf-8",
                        headers={"Cache-Control": "no-cache"})


OPENAPI_PATHS: dict[str, Any] = {
    "/admin": {"get": {"summary": "管理后台 Admin pages (HTML): 实时大厅、潮汐窗口、评价台账、差评整改、有诉即办、企业回访、统计、导出、服务举措、承诺件、培训、任务台账、季度通报、操作日志",
                       "responses": {"200": {"description": "the page; log in with an admin 工号"}}}},
}


def setup(app: web.Application) -> None:
    """Add the admin pages."""
    app.router.add_get("/admin", _handle_get_admin_page)
    app.router.add_get("/admin/static/{name}", _handle_get_static)
