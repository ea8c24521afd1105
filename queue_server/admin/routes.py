"""The admin pages (Chinese, staff login): the overview, live hall, tidal windows, the ledgers, KPI charts, exports
and the evaluation duties.

One page at ``/admin`` with plain JavaScript (no CDN: the hall has no internet); it logs in through the core's
``POST /api/login`` and keeps the admin token in the browser's sessionStorage.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.keys import CONFIG
from queue_server.web.api import ApiRoutes

WEB = Path(__file__).resolve().parent / "static"
STATIC = {"admin.js": "application/javascript", "admin.css": "text/css", "charts.js": "application/javascript",
          "ledgers.js": "application/javascript", "tidal.js": "application/javascript",
          "overview.js": "application/javascript",
          # the evaluation duties' tabs (服务举措, 承诺件, 培训; 任务台账; 季度通报, 操作日志)
          "duties.js": "application/javascript", "tasks.js": "application/javascript",
          "reports.js": "application/javascript",
          # the delivery state of the outbound channels (外发)
          "outbound.js": "application/javascript",
          "booking.js": "application/javascript",  # the 预约 tab
          "phones.js": "application/javascript"}  # the 短信留号 tab
routes = ApiRoutes()


class StaticPath(BaseModel):
    name: Literal[tuple(STATIC)] = Field(title="文件名")


@routes.get("/admin", "管理后台 Admin pages (HTML): 概览、实时大厅、潮汐窗口、评价台账、差评整改、有诉即办、企业回访、统计、导出、"
            "预约、短信留号、服务举措、承诺件、培训、任务台账、季度通报、操作日志、外发",
            produces="text/html", responses={"200": "the page; log in with an admin 工号"})
async def _handle_get_admin_page(request: web.Request) -> web.Response:
    page = (WEB / "admin.html").read_text("utf-8").replace("{{hall}}", html.escape(request.app[CONFIG].hall.name))
    return web.Response(text=page, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"})


@routes.get("/admin/static/{name}", "管理后台的脚本与样式 The admin pages' scripts and styles", params=StaticPath,
            produces="text/plain")
async def _handle_get_static(request: web.Request, path: StaticPath) -> web.Response:
    name = path.name
    return web.Response(text=(WEB / name).read_text("utf-8"), content_type=STATIC[name], charset="utf-8",
                        headers={"Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    """Add the admin pages."""
    routes.add_to(app)
