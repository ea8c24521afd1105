"""Routes of the 有诉即办 and enterprise follow-up ledgers, KPIs, the unit ranking, overdue alerts and exports.

Registered by ``queue_server.reviews.routes.setup``; every route here is for admin tokens (supervision and the
hall manager).
"""
from __future__ import annotations

import random
from datetime import date
from typing import Any
from urllib.parse import quote

from aiohttp import web

from queue_server.core.errors import invalid, not_found
from queue_server.keys import CONFIG, DB
from queue_server.reviews import complaints, exports, followups, kpis, ranking, rectification
from queue_server.reviews.api_doc import LEDGER_PATHS
from queue_server.reviews.common import case_history
from queue_server.reviews.http import admin_write, day_range, json_body, now, run_read, state, today
from queue_server.web.auth import require


async def _handle_list_complaints(request: web.Request) -> web.Response:
    require(request, "admin")
    q = request.query
    if q.get("state") and q["state"] != "open" and q["state"] not in complaints.STATES:
        raise invalid("state", "未知状态")
    day_from, day_to = day_range(request, default_days=3650) if (q.get("from") or q.get("to")) else (None, None)
    at, tz = now(request), request.app[CONFIG].hall.tz
    rows = [complaints.complaint_json(r, tz, at) for r in complaints.list_rows(
        request.app[DB], state=q.get("state"), kind=q.get("kind"), day_from=day_from, day_to=day_to)]
    if q.get("overdue"):
        rows = [r for r in rows if r["overdue"]]
    return web.json_response(rows)


async def _handle_create_complaint(request: web.Request) -> web.Response:
    settings, config, at = state(request).settings, request.app[CONFIG], now(request)
    row = await admin_write(request, lambda db, body, actor: complaints.create(db, body, settings, config, actor, at))
    return web.json_response(complaints.complaint_json(row, config.hall.tz, at), status=201)


async def _handle_get_complaint(request: web.Request) -> web.Response:
    require(request, "admin")
    db, tz = request.app[DB], request.app[CONFIG].hall.tz
    row = complaints.get(db, int(request.match_info["id"]))
    return web.json_response({**complaints.complaint_json(row, tz, now(request)),
                              "history": case_history(db, "complaint", row["id"], tz)})


async def _handle_complaint_action(request: web.Request) -> web.Response:
    complaint_id, action, at = int(request.match_info["id"]), request.match_info["action"], now(request)
    row = await admin_write(request, lambda db, body, actor: complaints.act(db, complaint_id, action, body, actor, at))
    return web.json_response(complaints.complaint_json(row, request.app[CONFIG].hall.tz, at))


async def _handle_list_followups(request: web.Request) -> web.Response:
    require(request, "admin")
    category = request.query.get("category")
    if category and category not in followups.CATEGORIES:
        raise invalid("category", "企业类别应为 new 或 existing")
    return web.json_response(followups.ledger(request.app[DB], request.app[CONFIG].hall.tz, category=category))


async def _handle_add_enterprise(request: web.Request) -> web.Response:
    config, at = request.app[CONFIG], now(request)
    row = await admin_write(request, lambda db, body, actor: followups.add_enterprise(db, body, config, actor, at))
    return web.json_response(row, status=201)


async def _handle_add_followup(request: web.Request) -> web.Response:
    enterprise, at = int(request.match_info["id"]), now(request)
    row = await admin_write(request, lambda db, body, actor: followups.add_followup(db, enterprise, body, actor, at))
    return web.json_response(row, status=201)


async def _handle_add_sample(request: web.Request) -> web.Response:
    followup, at = int(request.match_info["id"]), now(request)
    row = await admin_write(request, lambda db, body, actor: followups.add_sample(db, followup, body, actor, at))
    return web.json_response(row, status=201)


async def _handle_draw_samples(request: web.Request) -> web.Response:
    """Supervision's random draw of call-backs to verify (抽查); the draw itself is not stored."""
    require(request, "admin")
    body = await json_body(request)
    count = body.get("count", 5)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100:
        raise invalid("count", "抽查数量应为 1 到 100 之间的整数")
    ids = followups.draw_for_sampling(request.app[DB], count, random.SystemRandom())
    return web.json_response({"followup_ids": ids})


async def _handle_get_kpis(request: web.Request) -> web.Response:
    require(request, "admin")
    day_from, day_to = day_range(request)
    config, at = request.app[CONFIG], now(request)
    figures = await run_read(request, lambda db: kpis.compute(kpis.load_facts(db, config, day_from, day_to), at))
    return web.json_response({"from": day_from, "to": day_to, **kpis.rounded(figures)})


async def _handle_get_kpi_breakdown(request: web.Request) -> web.Response:
    require(request, "admin")
    by = request.query.get("by", "day")
    if by not in kpis.PERIODS + kpis.DIMENSIONS:
        raise invalid("by", "分组应为 " + "/".join(kpis.PERIODS + kpis.DIMENSIONS))
    day_from, day_to = day_range(request, default_days=30)
    config, at = request.app[CONFIG], now(request)
    rows = await run_read(request, lambda db: [
        kpis.rounded(r) for r in kpis.breakdown(kpis.load_facts(db, config, day_from, day_to), by, at)])
    return web.json_response({"from": day_from, "to": day_to, "by": by, "rows": _named(request, by, rows)})


def _named(request: web.Request, by: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the Chinese name of each group key (window, service, department, staff)."""
    config = request.app[CONFIG]
    names: dict[Any, str] = {}
    if by == "window":
        names = {n: w.name for n, w in config.windows.items()}
    elif by == "service":
        names = {c: s.name for c, s in config.services.items()}
    elif by == "department":
        names = {c: d.name for c, d in config.departments.items()}
    elif by == "staff" and request.app[DB]["staff"].exists():
        names = {str(no): name for no, name in request.app[DB].execute("SELECT staff_no, name FROM staff")}
    return [{**r, "name": names.get(r["key"], str(r["key"]))} for r in rows]


def _quarter(day: date) -> tuple[str, str]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return start.isoformat(), date.fromordinal(end.toordinal() - 1).isoformat()


async def _handle_get_ranking(request: web.Request) -> web.Response:
    require(request, "admin")
    if request.query.get("from") or request.query.get("to"):
        day_from, day_to = day_range(request)
    else:
        day_from, day_to = _quarter(today(request))
    config, at, weights = request.app[CONFIG], now(request), state(request).settings.ranking_weights
    rows = await run_read(request, lambda db: [kpis.rounded(r) for r in ranking.ranking(
        kpis.load_facts(db, config, day_from, day_to), at, weights, config.departments)])
    return web.json_response({"from": day_from, "to": day_to, "weights": weights,
                              "rows": _named(request, "department", rows)})


async def _handle_list_alerts(request: web.Request) -> web.Response:
    """Overdue call-backs, rectifications and complaints, for the admin pages' alert bar."""
    require(request, "admin")
    db, tz, at = request.app[DB], request.app[CONFIG].hall.tz, now(request)
    cases = [rectification.case_json(c, tz, at) for c in rectification.list_cases(db, state="open")]
    open_complaints = [complaints.complaint_json(c, tz, at) for c in complaints.list_rows(db, state="open")]
    return web.json_response({
        "rectifications": [c for c in cases if c["overdue"]],
        "complaints": [c for c in open_complaints if c["overdue"]],
    })


async def _handle_get_export(request: web.Request) -> web.Response:
    require(request, "admin")
    ledger, fmt = request.match_info["ledger"], request.match_info["fmt"]
    if ledger not in exports.LEDGERS:
        raise not_found("没有这种台账")
    day_from, day_to = day_range(request, default_days=30)
    config, settings, at = request.app[CONFIG], state(request).settings, now(request)
    title = exports.LEDGERS[ledger]
    filename = f"{title}_{day_from}_{day_to}.{fmt}"

    def render(db: Any) -> bytes:
        table = exports.build(ledger, db, config, settings, day_from, day_to, at)
        return exports.to_csv(table) if fmt == "csv" else exports.to_xlsx(table, title)

    body = await run_read(request, render)
    if fmt == "csv":
        ctype = "text/csv; charset=utf-8"
    else:
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return web.Response(body=body, headers={
        "Content-Type": ctype, "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


OPENAPI_PATHS: dict[str, Any] = LEDGER_PATHS


def setup(app: web.Application) -> None:
    """Add the ledger, KPI and export routes."""
    app.router.add_get("/api/complaints", _handle_list_complaints)
    app.router.add_post("/api/complaints", _handle_create_complaint)
    app.router.add_get(r"/api/complaints/{id:\d+}", _handle_get_complaint)
    app.router.add_post(r"/api/complaints/{id:\d+}/{action}", _handle_complaint_action)
    app.router.add_get("/api/followups", _handle_list_followups)
    app.router.add_post("/api/enterprises", _handle_add_enterprise)
    app.router.add_post(r"/api/enterprises/{id:\d+}/followups", _handle_add_followup)
    app.router.add_post(r"/api/followups/{id:\d+}/samples", _handle_add_sample)
    app.router.add_post("/api/followups/draw", _handle_draw_samples)
    app.router.add_get("/api/kpis", _handle_get_kpis)
    app.router.add_get("/api/kpis/breakdown", _handle_get_kpi_breakdown)
    app.router.add_get("/api/kpis/ranking", _handle_get_ranking)
    app.router.add_get("/api/alerts", _handle_list_alerts)
    app.router.add_get(r"/api/exports/{ledger:[a-z0-9]+}.{fmt:csv|xlsx}", _handle_get_export)
