"""Routes of the service guides: search, whole guides, department browsing, bundles, and the one-time
notification slip (recorded through the API, printable as an HTML page).

`GET /api/guides?q=` and `GET /api/guides/{code}` are API.md's fixed contract; the rest is this area's own,
including the managers' lint, export and import (`PUT /api/guides/catalogue`, admin).
On start-up an empty database gets the configured catalogue (`[guides] catalogue`, the demo by default).
"""
from __future__ import annotations

import json
import secrets

from aiohttp import web

from queue_server.core.clock import to_iso
from queue_server.core.errors import ApiError, invalid, not_found
from queue_server.guides.bundles import merge_bundle
from queue_server.guides.exchange import excel_bytes, json_text, read_catalogue_bytes
from queue_server.guides.lint import lint_catalogue
from queue_server.guides.model import CatalogueError, guide_to_dict
from queue_server.guides.notice import NotificationSlip, Pick, PickError, build_slip, slip_from_dict, slip_html
from queue_server.guides.page import guide_html, pick_form_html
from queue_server.guides.store import GuideLibrary, ensure_catalogue, guides_settings, replace_catalogue
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.web.auth import require
from queue_server.web.json_io import field, json_response, read_json

GUIDES: web.AppKey[GuideLibrary] = web.AppKey("guides", GuideLibrary)
MAX_LIMIT = 200
MAX_QUERY = 64


def _library(request: web.Request) -> GuideLibrary:
    return request.app[GUIDES]


def _summary(lib: GuideLibrary, code: str) -> dict:
    g = lib.catalogue.guides[code]
    return {"code": g.code, "name": g.name, "department": g.department,
            "department_name": lib.catalogue.department_name(g.department), "service": g.service}


def _guide(request: web.Request):
    code = request.match_info["code"]
    guide = _library(request).catalogue.guides.get(code)
    if guide is None:
        raise not_found(f"没有编码为 {code} 的办事指南")
    return guide


async def _handle_search(request: web.Request) -> web.Response:
    """Ranked search (`q`), optionally within one department; without `q`, the department's or all guides."""
    lib = _library(request)
    q = request.query.get("q", "").strip()
    if len(q) > MAX_QUERY:
        raise invalid("q", f"检索词不能超过 {MAX_QUERY} 个字")
    department = request.query.get("department", "").strip()
    limit_text = request.query.get("limit", "20" if q else "")
    limit: int | None = None  # browsing (no q) lists every guide unless a limit is asked for
    if limit_text:
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
            raise invalid("limit", f"应为 1 到 {MAX_LIMIT} 的整数")
        limit = int(limit_text)
    cat = lib.catalogue
    if department and department not in cat.departments:
        raise invalid("department", f"没有编码为 {department} 的部门")
    members = [c for c, g in cat.guides.items() if not department or g.department == department]
    if q:
        hits = lib.index.search(q, limit=limit or 20, restrict=members if department else None)
        codes = [h.code for h in hits]
    else:
        codes = members[:limit]
    return json_response([_summary(lib, c) for c in codes])


async def _handle_departments(request: web.Request) -> web.Response:
    cat = _library(request).catalogue
    counts: dict[str, int] = {}
    for g in cat.guides.values():
        counts[g.department] = counts.get(g.department, 0) + 1
    return json_response([{"code": c, "name": n, "count": counts.get(c, 0)} for c, n in cat.departments.items()])


async def _handle_get(request: web.Request) -> web.Response:
    lib = _library(request)
    guide = _guide(request)
    return json_response({**guide_to_dict(guide), "department_name": lib.catalogue.department_name(guide.department),
                          "notice_url": f"/guides/{guide.code}/notice"})


async def _handle_bundles(request: web.Request) -> web.Response:
    cat = _library(request).catalogue
    out = []
    for b in cat.bundles.values():
        merged = merge_bundle(b, cat)
        out.append({"code": b.code, "name": b.name, "mode": b.mode, "items": list(b.items),
                    "promised_days": merged.promised_days})
    return json_response(out)


async def _handle_bundle(request: web.Request) -> web.Response:
    cat = _library(request).catalogue
    bundle = cat.bundles.get(request.match_info["code"])
    if bundle is None:
        raise not_found(f"没有编码为 {request.match_info['code']} 的一件事")
    return json_response(merge_bundle(bundle, cat).as_dict())


def _picks(body: dict) -> list[Pick]:
    raw = field(body, "picks", list)
    picks = []
    for n, item in enumerate(raw):
        if not isinstance(item, dict):
            raise invalid(f"picks[{n}]", "应为对象")
        kind = item.get("kind", "material")
        index = item.get("index")
        if isinstance(index, bool) or not isinstance(index, int):
            raise invalid(f"picks[{n}].index", "应为整数（从 1 开始）")
        problem, note = item.get("problem", "missing"), item.get("note", "")
        if not isinstance(kind, str) or not isinstance(problem, str) or not isinstance(note, str):
            raise invalid(f"picks[{n}]", "kind、problem、note 应为字符串")
        picks.append(Pick(kind, index, problem, note))
    return picks


async def _handle_create_notice(request: web.Request) -> web.Response:
    """Staff record a slip: `{"picks": [{"kind","index","problem","note"}], "applicant"?, "ticket"?}` → 201."""
    who = require(request, "staff", "admin")
    guide = _guide(request)
    body = await read_json(request)
    applicant = field(body, "applicant", str, required=False, default="")
    ticket = field(body, "ticket", str, required=False, default="")
    config, clock = request.app[CONFIG], request.app[CLOCK]
    now = clock.now()
    day = now.astimezone(config.hall.tz).date()
    window = who.window if who.role == "staff" else field(body, "window", int, required=False)
    try:
        slip = build_slip(guide, _picks(body), hall_name=config.hall.name, hall_phone=config.hall.phone,
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


async def _handle_notice_json(request: web.Request) -> web.Response:
    """A recorded slip as JSON, for whoever holds its token (the staff panel prints it from this)."""
    row = request.app[DB].execute("select data from guide_notices where token = ?",
                                  [request.match_info["token"]]).fetchone()
    if row is None:
        raise not_found("没有这张告知单")
    return json_response({**json.loads(row[0]), "html_url": f"/guides/notices/{request.match_info['token']}"})


async def _handle_notice_page(request: web.Request) -> web.Response:
    slip = stored_slip(request.app[DB], request.match_info["token"])
    if slip is None:
        raise web.HTTPNotFound(text="没有这张告知单", content_type="text/plain")
    return web.Response(text=slip_html(slip), content_type="text/html")


async def _handle_pick_page(request: web.Request) -> web.Response:
    guide = _guide_or_404_page(request)
    return web.Response(text=pick_form_html(guide), content_type="text/html")


async def _handle_guide_page(request: web.Request) -> web.Response:
    guide = _guide_or_404_page(request)
    lib = _library(request)
    return web.Response(text=guide_html(guide, lib.catalogue.department_name(guide.department),
                                        request.app[CONFIG].hall.name), content_type="text/html")


def _guide_or_404_page(request: web.Request):
    guide = _library(request).catalogue.guides.get(request.match_info["code"])
    if guide is None:
        raise web.HTTPNotFound(text="没有这个办事指南", content_type="text/plain")
    return guide


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 20 * 1024 * 1024


async def _handle_lint(request: web.Request) -> web.Response:
    """The quality lint of the stored catalogue, for the managers' pages."""
    require(request, "admin")
    cat = _library(request).catalogue
    findings = lint_catalogue(cat)
    return json_response({"checked": len(cat.guides), "flagged": len({f.code for f in findings}),
                          "findings": [f.as_dict() for f in findings]})


async def _handle_export(request: web.Request) -> web.Response:
    """The stored catalogue as a download: `?format=json` (default) or `xlsx`."""
    require(request, "admin")
    fmt = request.query.get("format", "json")
    cat = _library(request).catalogue
    if fmt == "xlsx":
        return web.Response(body=excel_bytes(cat), content_type=XLSX,
                            headers={"Content-Disposition": 'attachment; filename="guides.xlsx"'})
    if fmt == "json":
        return web.Response(text=json_text(cat), content_type="application/json",
                            headers={"Content-Disposition": 'attachment; filename="guides.json"'})
    raise invalid("format", "应为 json 或 xlsx")


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
    app.router.add_get("/api/guides", _handle_search)
    app.router.add_get("/api/guides/departments", _handle_departments)
    app.router.add_get("/api/guides/bundles", _handle_bundles)
    app.router.add_get("/api/guides/bundles/{code}", _handle_bundle)
    app.router.add_get("/api/guides/lint", _handle_lint)
    app.router.add_get("/api/guides/export", _handle_export)
    app.router.add_put("/api/guides/catalogue", _handle_import)
    app.router.add_get("/api/guides/notices/{token}", _handle_notice_json)
    app.router.add_get("/api/guides/{code}", _handle_get)
    app.router.add_post("/api/guides/{code}/notices", _handle_create_notice)
    app.router.add_get("/guides/notices/{token}", _handle_notice_page)
    app.router.add_get("/guides/{code}/notice", _handle_pick_page)
    app.router.add_get("/guides/{code}", _handle_guide_page)


_SUMMARY = {"type": "array", "items": {"type": "object", "properties": {
    k: {"type": "string"} for k in ("code", "name", "department", "department_name", "service")}}}
OPENAPI_PATHS = {
    "/api/guides": {"get": {
        "summary": "办事指南检索 Guide search: name, keyword, full pinyin, initials (bdc), one wrong character",
        "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}},
                       {"name": "department", "in": "query", "schema": {"type": "string"}},
                       {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": MAX_LIMIT}}],
        "responses": {"200": {"description": "ranked best first",
                              "content": {"application/json": {"schema": _SUMMARY}}}}}},
    "/api/guides/departments": {"get": {"summary": "按部门浏览 Departments with guide counts",
                                        "responses": {"200": {"description": "[{code,name,count}]"}}}},
    "/api/guides/bundles": {"get": {"summary": "一件事一次办 bundles",
                                    "responses": {"200": {"description": "[{code,name,mode,items,promised_days}]"}}}},
    "/api/guides/bundles/{code}": {"get": {
        "summary": "一件事: merged materials (shared once, largest counts), combined form fields, total promised days",
        "responses": {"200": {"description": "merged bundle"}, "404": {"description": "not_found"}}}},
    "/api/guides/lint": {"get": {"summary": "指南质量检查 Lint of the stored catalogue (admin)",
                                 "security": [{"bearer": []}],
                                 "responses": {"200": {"description": "{checked, flagged, findings}"}}}},
    "/api/guides/export": {"get": {
        "summary": "导出指南 Download the catalogue (admin)", "security": [{"bearer": []}],
        "parameters": [{"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "xlsx"]}}],
        "responses": {"200": {"description": "the JSON exchange format or an .xlsx workbook"}}}},
    "/api/guides/catalogue": {"put": {
        "summary": "导入指南 Replace the catalogue with a JSON or .xlsx body (admin)", "security": [{"bearer": []}],
        "responses": {"200": {"description": "{revision, guides, departments, bundles}"},
                      "422": {"description": "invalid, with problems [{where, field, message}]; nothing imported"}}}},
    "/api/guides/notices/{token}": {"get": {
        "summary": "一次性告知单 A recorded slip as JSON (for printing on the ticket printer)",
        "responses": {"200": {"description": "slip"}, "404": {"description": "not_found"}}}},
    "/api/guides/{code}": {"get": {"summary": "办事指南全文 The whole guide (GB/T 39046 elements)",
                                   "responses": {"200": {"description": "guide"}, "404": {"description": "not_found"}}}},
    "/api/guides/{code}/notices": {"post": {
        "summary": "一次性告知单 Record a one-time notification slip (staff, admin)",
        "security": [{"bearer": []}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["picks"],
            "properties": {"picks": {"type": "array", "items": {"type": "object", "properties": {
                "kind": {"type": "string", "enum": ["material", "condition"]}, "index": {"type": "integer"},
                "problem": {"type": "string", "enum": ["missing", "wrong"]}, "note": {"type": "string"}}}},
                "applicant": {"type": "string"}, "ticket": {"type": "string"}, "window": {"type": "integer"}}}}}},
        "responses": {"201": {"description": "slip with number, lines and html_url"},
                      "422": {"description": "invalid pick"}}}},
}
