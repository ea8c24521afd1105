"""Routes of the service guides: search, whole guides, department browsing, bundles, and the one-time
notification slip (recorded through the API, printable as an HTML page).

`GET /api/guides?q=` and `GET /api/guides/{code}` are API.md's fixed contract; the rest is this area's own.
On start-up an empty database gets the configured catalogue (`[guides] catalogue`, the demo by default).
"""
from __future__ import annotations

import json
import secrets

from aiohttp import web

from ..auth import require
from ..clock import to_iso
from ..db import write_transaction
from ..errors import field, invalid, not_found, read_json
from ..guides.bundles import merge_bundle
from ..guides.model import guide_to_dict
from ..guides.notice import NotificationSlip, Pick, PickError, build_slip, slip_from_dict, slip_html
from ..guides.page import guide_html, pick_form_html
from ..guides.store import GuideLibrary, ensure_catalogue, guides_settings
from ..keys import CLOCK, CONFIG, DB
from .common import json_response

GUIDES: web.AppKey[GuideLibrary] = web.AppKey("guides", GuideLibrary)
MAX_LIMIT = 200


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
            raise invalid(f"picks[{n}].index", "应为整数(从 1 开始)")
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
    config, clock, db = request.app[CONFIG], request.app[CLOCK], request.app[DB]
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
    with write_transaction(db):
        prefix = day.strftime("%Y%m%d")
        count = db.execute("select count(*) from guide_notices where number like ?", [f"{prefix}-%"]).fetchone()[0]
        number = f"{prefix}-{count + 1:03d}"
        data = {**slip.as_dict(), "number": number}
        row_id = db["guide_notices"].insert({
            "number": number, "token": token, "guide_code": guide.code, "window": window,
            "staff": who.actor, "created_at": to_iso(now), "data": json.dumps(data, ensure_ascii=False)}).last_pk
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
