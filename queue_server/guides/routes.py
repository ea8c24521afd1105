"""Routes of the service guides: search, whole guides, department browsing, bundles, and the one-time
notification slip (recorded through the API, printable as an HTML page).

`GET /api/guides?q=` and `GET /api/guides/{code}` are API.md's fixed contract; the rest is this area's own,
including the managers' lint, export and import (`PUT /api/guides/catalogue`, admin).
On start-up an empty database gets the configured catalogue (`[guides] catalogue`, the demo by default).
"""
from __future__ import annotations

import json
import secrets
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.core.clock import to_iso
from queue_server.core.errors import ApiError, invalid, not_found
from queue_server.guides.bundles import merge_bundle
from queue_server.guides.exchange import excel_bytes, json_text, read_catalogue_bytes
from queue_server.guides.lint import lint_catalogue
from queue_server.guides.model import FORMAT_TAG, CatalogueError, guide_to_dict
from queue_server.guides.notice import NotificationSlip, Pick, PickError, build_slip, slip_from_dict, slip_html
from queue_server.guides.page import guide_html, pick_form_html
from queue_server.guides.store import GuideLibrary, ensure_catalogue, guides_settings, replace_catalogue
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.types import Line, Text, Token, WindowNumber

GUIDES: web.AppKey[GuideLibrary] = web.AppKey("guides", GuideLibrary)
MAX_LIMIT = 200
MAX_QUERY = 64
routes = ApiRoutes()


class SearchQuery(BaseModel):
    q: Line(MAX_QUERY, min_length=0) | None = Field(None, title="检索词")
    department: Line(64, min_length=0) | None = Field(None, title="部门编码")
    service: Line(64, min_length=0) | None = Field(None, title="业务代码")
    limit: int | None = Field(None, ge=1, le=MAX_LIMIT, title="条数上限")


class GuidePath(BaseModel):
    code: Line(64) = Field(title="事项编码")


class BundlePath(BaseModel):
    code: Line(64) = Field(title="一件事编码")


class NoticeTokenPath(BaseModel):
    token: Token = Field(title="告知单凭证")


class ExportQuery(BaseModel):
    format: Literal["json", "xlsx"] = Field("json", title="文件格式")


class PickRequest(BaseModel):
    kind: Literal["material", "condition"] = Field("material", title="类别")
    index: int = Field(ge=1, le=1000, title="序号")
    problem: Literal["missing", "wrong"] = Field("missing", title="问题")
    note: Text(200, min_length=0) = Field("", title="说明")


class NoticeRequest(BaseModel):
    picks: list[PickRequest] = Field(title="勾选项", max_length=200)
    applicant: Line(50, min_length=0) | None = Field(None, title="申请人")
    ticket: Line(16, min_length=0) | None = Field(None, title="号码")
    window: WindowNumber | None = Field(None, title="窗口号")


#: the upload of PUT /api/guides/catalogue, for the OpenAPI document: the exchange format's outline (the reader
#: itself checks every element and lists every problem) or an .xlsx workbook
CATALOGUE_UPLOAD = {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "required": ["format", "guides"], "properties": {
        "format": {"const": FORMAT_TAG}, "departments": {"type": "array", "items": {"type": "object"}},
        "guides": {"type": "array", "minItems": 1, "items": {"type": "object"}},
        "bundles": {"type": "array", "items": {"type": "object"}}}}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}}}}


def _library(request: web.Request) -> GuideLibrary:
    return request.app[GUIDES]


def _summary(lib: GuideLibrary, code: str) -> dict:
    g = lib.catalogue.guides[code]
    return {"code": g.code, "name": g.name, "department": g.department,
            "department_name": lib.catalogue.department_name(g.department), "service": g.service,
            "promised_days": g.promised_days}


def _guide(request: web.Request, code: str):
    guide = _library(request).catalogue.guides.get(code)
    if guide is None:
        raise not_found(f"没有编码为 {code} 的办事指南")
    return guide


@routes.get("/api/guides", "办事指南检索 Guide search: name, keyword, full pinyin, initials (bdc), one wrong character",
            query=SearchQuery, responses={"200": "ranked best first: [{code, name, department, department_name, "
                                                "service, promised_days}]"})
async def _handle_search(request: web.Request, query: SearchQuery) -> web.Response:
    """Ranked search (`q`), optionally within one department or for one hall service (`service`); without `q`, the
    department's, the service's or all guides."""
    lib = _library(request)
    q = query.q or ""
    department = query.department or ""
    # browsing (no q) lists every guide unless a limit is asked for
    limit = query.limit if query.limit is not None else (20 if q else None)
    cat = lib.catalogue
    if department and department not in cat.departments:
        raise invalid("department", f"没有编码为 {department} 的部门")
    members = [c for c, g in cat.guides.items() if not department or g.department == department]
    service = query.service or ""
    if service:  # the guides of one hall service (the phone's status page links its materials list)
        members = [c for c in members if cat.guides[c].service == service]
    if q:
        hits = lib.index.search(q, limit=limit or 20, restrict=members if department or service else None)
        codes = [h.code for h in hits]
    else:
        codes = members[:limit]
    return json_response([_summary(lib, c) for c in codes])


@routes.get("/api/guides/departments", "按部门浏览 Departments with guide counts",
            responses={"200": "[{code, name, count}]"})
async def _handle_departments(request: web.Request) -> web.Response:
    cat = _library(request).catalogue
    counts: dict[str, int] = {}
    for g in cat.guides.values():
        counts[g.department] = counts.get(g.department, 0) + 1
    return json_response([{"code": c, "name": n, "count": counts.get(c, 0)} for c, n in cat.departments.items()])


@routes.get("/api/guides/{code}", "办事指南全文 The whole guide (GB/T 39046 elements)", params=GuidePath,
            responses={"200": "guide", "404": "not_found"})
async def _handle_get(request: web.Request, path: GuidePath) -> web.Response:
    lib = _library(request)
    guide = _guide(request, path.code)
    return json_response({**guide_to_dict(guide), "department_name": lib.catalogue.department_name(guide.department),
                          "notice_url": f"/guides/{guide.code}/notice"})


@routes.get("/api/guides/bundles", "一件事一次办 bundles", responses={"200": "[{code, name, mode, items, promised_days}]"})
async def _handle_bundles(request: web.Request) -> web.Response:
    cat = _library(request).catalogue
    out = []
    for b in cat.bundles.values():
        merged = merge_bundle(b, cat)
        out.append({"code": b.code, "name": b.name, "mode": b.mode, "items": list(b.items),
                    "promised_days": merged.promised_days})
    return json_response(out)


@routes.get("/api/guides/bundles/{code}", "一件事：合并后的材料（共用材料只列一次）、表单字段与承诺时限",
            params=BundlePath, responses={"200": "merged bundle", "404": "not_found"})
async def _handle_bundle(request: web.Request, path: BundlePath) -> web.Response:
    cat = _library(request).catalogue
    bundle = cat.bundles.get(path.code)
    if bundle is None:
        raise not_found(f"没有编码为 {path.code} 的一件事")
    return json_response(merge_bundle(bundle, cat).as_dict())


@routes.post("/api/guides/{code}/notices", "一次性告知单 Record a one-time notification slip (staff, admin)",
             roles=("staff", "admin"), params=GuidePath, body=NoticeRequest,
             responses={"201": "slip with number, lines and html_url", "404": "no such guide"})
async def _handle_create_notice(request: web.Request, path: GuidePath, body: NoticeRequest) -> web.Response:
    """Staff record a slip: `{"picks": [{"kind","index","problem","note"}], "applicant"?, "ticket"?}` → 201."""
    who = require(request, "staff", "admin")
    guide = _guide(request, path.code)
    applicant = body.applicant or ""
    ticket = body.ticket or ""
    config, clock = request.app[CONFIG], request.app[CLOCK]
    now = clock.now()
    day = now.astimezone(config.hall.tz).date()
    window = who.window if who.role == "staff" else body.window
    picks = [Pick(p.kind, p.index, p.problem, p.note) for p in body.picks]
    try:
        slip = build_slip(guide, picks, hall_name=config.hall.name, hall_phone=config.hall.phone,
                          supervision_phone=config.hall.supervision_phone,
                          department=_library(request).catalogue.department_name(guide.department), issued_on=day,
                          applicant=applicant, window=window, staff=who.name or who.staff_no or "", ticket=ticket)
    except PickError as exc:
        raise invalid(exc.field, exc.message) from None
    token = secrets.token_urlsafe(12)

    def write(wdb) -> tuple[int, dict]:
        prefix = day.strftime("%Y%m%d")
        count = wdb.execute("select count(*) from guide_notices where number like ?", [f"{prefix}-%"]).fetchone()[0]
        number = f"{prefix}-{count + 1:03d}"
        data = {**slip.as_dict(), "number": number}
        row_id = wdb["guide_notices"].insert({
            "number": number, "token": token, "guide_code": guide.code, "window": window,
            "staff": who.actor, "created_at": to_iso(now), "data": json.dumps(data, ensure_ascii=False)}).last_pk
        return row_id, data

    row_id, data = await request.app[WRITER].run(write)
    return json_response({"id": row_id, "token": token, "html_url": f"/guides/notices/{token}", **data}, status=201)


def stored_slip(db, token: str) -> NotificationSlip | None:
    """A recorded slip by its token (for the HTML page and the ticket printer), or None."""
    row = db.execute("select data from guide_notices where token = ?", [token]).fetchone()
    return slip_from_dict(json.loads(row[0])) if row else None


@routes.get("/api/guides/notices/{token}", "一次性告知单 A recorded slip as JSON (for printing on the ticket printer)",
            params=NoticeTokenPath, responses={"200": "slip", "404": "not_found"})
async def _handle_notice_json(request: web.Request, path: NoticeTokenPath) -> web.Response:
    """A recorded slip as JSON, for whoever holds its token (the staff panel prints it from this)."""
    row = request.app[DB].execute("select data from guide_notices where token = ?", [path.token]).fetchone()
    if row is None:
        raise not_found("没有这张告知单")
    return json_response({**json.loads(row[0]), "html_url": f"/guides/notices/{path.token}"})


@routes.get("/guides/notices/{token}", "告知单打印页 The slip as a printable page (HTML)", params=NoticeTokenPath,
            produces="text/html", responses={"200": "HTML", "404": "no such slip"})
async def _handle_notice_page(request: web.Request, path: NoticeTokenPath) -> web.Response:
    slip = stored_slip(request.app[DB], path.token)
    if slip is None:
        raise web.HTTPNotFound(text="没有这张告知单", content_type="text/plain")
    return web.Response(text=slip_html(slip), content_type="text/html")


@routes.get("/guides/{code}/notice", "告知单勾选页 Staff pick what is missing (HTML)", params=GuidePath,
            produces="text/html", responses={"200": "HTML", "404": "no such guide"})
async def _handle_pick_page(request: web.Request, path: GuidePath) -> web.Response:
    guide = _guide_or_404_page(request, path.code)
    return web.Response(text=pick_form_html(guide), content_type="text/html")


@routes.get("/guides/{code}", "办事指南页 A guide as a page (HTML)", params=GuidePath, produces="text/html",
            responses={"200": "HTML", "404": "no such guide"})
async def _handle_guide_page(request: web.Request, path: GuidePath) -> web.Response:
    guide = _guide_or_404_page(request, path.code)
    lib = _library(request)
    return web.Response(text=guide_html(guide, lib.catalogue.department_name(guide.department),
                                        request.app[CONFIG].hall.name), content_type="text/html")


def _guide_or_404_page(request: web.Request, code: str):
    guide = _library(request).catalogue.guides.get(code)
    if guide is None:
        raise web.HTTPNotFound(text="没有这个办事指南", content_type="text/plain")
    return guide


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 20 * 1024 * 1024


@routes.get("/api/guides/lint", "指南质量检查 Lint of the stored catalogue (admin)", roles=("admin",),
            responses={"200": "{checked, flagged, findings}"})
async def _handle_lint(request: web.Request) -> web.Response:
    """The quality lint of the stored catalogue, for the managers' pages."""
    require(request, "admin")
    cat = _library(request).catalogue
    findings = lint_catalogue(cat)
    return json_response({"checked": len(cat.guides), "flagged": len({f.code for f in findings}),
                          "findings": [f.as_dict() for f in findings]})


@routes.get("/api/guides/export", "导出指南 Download the catalogue (admin)", roles=("admin",), query=ExportQuery,
            produces="application/octet-stream",
            responses={"200": "the JSON exchange format or an .xlsx workbook"})
async def _handle_export(request: web.Request, query: ExportQuery) -> web.Response:
    """The stored catalogue as a download: `?format=json` (default) or `xlsx`."""
    require(request, "admin")
    fmt = query.format
    cat = _library(request).catalogue
    if fmt == "xlsx":
        return web.Response(body=excel_bytes(cat), content_type=XLSX,
                            headers={"Content-Disposition": 'attachment; filename="guides.xlsx"'})
    if fmt == "json":
        return web.Response(text=json_text(cat), content_type="application/json",
                            headers={"Content-Disposition": 'attachment; filename="guides.json"'})
    raise invalid("format", "应为 json 或 xlsx")


@routes.put("/api/guides/catalogue", "导入指南 Replace the catalogue with a JSON or .xlsx body (admin)",
            roles=("admin",), raw_body=CATALOGUE_UPLOAD, responses={
                "200": "{revision, guides, departments, bundles}",
                "422": "invalid, with problems [{where, field, message}]; nothing imported"})
async def _handle_import(request: web.Request) -> web.Response:
    """Replace the catalogue with an uploaded JSON or .xlsx body; every problem is listed, nothing is kept of
    a bad file."""
    require(request, "admin")
    excel = request.content_type == XLSX
    if not excel and request.content_type != "application/json":
        raise ApiError(415, "invalid", f"Content-Type 应为 application/json 或 {XLSX}")
    chunks: list[bytes] = []  # read by hand: the app's 1 MB body limit is too small for a county's catalogue
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_UPLOAD:
            raise ApiError(413, "too_large", "指南文件超过 20 MB")
        chunks.append(chunk)
    data = b"".join(chunks)
    config, clock = request.app[CONFIG], request.app[CLOCK]
    try:
        cat = read_catalogue_bytes(data, excel, set(config.services))
    except CatalogueError as exc:
        raise ApiError(422, "invalid", f"指南有 {len(exc.problems)} 处问题，未导入：{exc.problems[0]}",
                       problems=[{"where": p.where, "field": p.field, "message": p.message}
                                 for p in exc.problems]) from None
    imported_at = to_iso(clock.now()) or ""
    revision = await request.app[WRITER].run(lambda wdb: replace_catalogue(wdb, cat, imported_at))
    return json_response({"revision": revision, "guides": len(cat.guides), "departments": len(cat.departments),
                          "bundles": len(cat.bundles)})


def setup(app: web.Application) -> None:
    """Load the catalogue into an empty database and add the guide routes."""
    config, db = app[CONFIG], app[DB]
    guides_settings(config)  # a bad [guides] section stops start-up even when the database has a catalogue
    ensure_catalogue(db, config, to_iso(app[CLOCK].now()) or "")
    app[GUIDES] = GuideLibrary(db, {code: s.name for code, s in config.services.items()})
    routes.add_to(app)
