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

from queue_server.core.workdays import holiday_data_warnings
from queue_server.keys import CONFIG, DB
from queue_server.reviews import complaints, exports, followups, kpis, ranking, rectification
from queue_server.reviews.common import case_history
from queue_server.reviews.http import admin_write, day_range, now, run_read, state, today
from queue_server.reviews.requests import (BreakdownQuery, ComplaintActionPath, ComplaintActionRequest,
                                           ComplaintListQuery, ComplaintRequest, DaysQuery, DrawRequest,
                                           EnterpriseRequest, ExportPath, FollowupQuery, FollowupRequest, IdPath,
                                           SampleRequest)
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response

ADMIN = ("admin",)
routes = ApiRoutes()


@routes.get("/api/complaints", "有诉即办台账 Complaints", roles=ADMIN, query=ComplaintListQuery)
async def _handle_list_complaints(request: web.Request, query: ComplaintListQuery) -> web.Response:
    require(request, "admin")
    day_from, day_to = day_range(request, default_days=3650) if (query.from_ or query.to) else (None, None)
    at, tz = now(request), request.app[CONFIG].hall.tz
    rows = [complaints.complaint_json(r, tz, at) for r in complaints.list_rows(
        request.app[DB], state=query.state, kind=query.kind, day_from=day_from, day_to=day_to)]
    if query.overdue:
        rows = [r for r in rows if r["overdue"]]
    return json_response(rows)


@routes.post("/api/complaints", "登记诉求 Register a complaint (deadline in working days)", roles=ADMIN,
             body=ComplaintRequest, responses={"201": "the entry"})
async def _handle_create_complaint(request: web.Request, body: ComplaintRequest) -> web.Response:
    settings, config, at = state(request).settings, request.app[CONFIG], now(request)
    row = await admin_write(request, body.model_dump(),
                            lambda db, body, actor: complaints.create(db, body, settings, config, actor, at))
    return json_response(complaints.complaint_json(row, config.hall.tz, at), status=201)


@routes.get(r"/api/complaints/{id:\d+}", "诉求详情 One complaint with its history", roles=ADMIN, params=IdPath,
            responses={"200": "the complaint", "404": "no such complaint"})
async def _handle_get_complaint(request: web.Request, path: IdPath) -> web.Response:
    require(request, "admin")
    db, tz = request.app[DB], request.app[CONFIG].hall.tz
    row = complaints.get(db, path.id)
    return json_response({**complaints.complaint_json(row, tz, now(request)),
                              "history": case_history(db, "complaint", row["id"], tz)})


@routes.post(r"/api/complaints/{id:\d+}/{action}", "诉求办理 handle; resolve {answer}; confirm {confirmation: "
             "satisfied|dissatisfied}; assign {responsible}", roles=ADMIN, params=ComplaintActionPath,
             body=ComplaintActionRequest, body_required=False,
             responses={"200": "the entry", "404": "no such complaint", "409": "not allowed in this state"})
async def _handle_complaint_action(request: web.Request, path: ComplaintActionPath,
                                   body: ComplaintActionRequest) -> web.Response:
    complaint_id, action, at = path.id, path.action, now(request)
    row = await admin_write(request, body.model_dump(),
                            lambda db, body, actor: complaints.act(db, complaint_id, action, body, actor, at))
    return json_response(complaints.complaint_json(row, request.app[CONFIG].hall.tz, at))


@routes.get("/api/followups", "企业回访台账 Enterprises with call-backs and samples", roles=ADMIN, query=FollowupQuery)
async def _handle_list_followups(request: web.Request, query: FollowupQuery) -> web.Response:
    require(request, "admin")
    category = query.category
    return json_response(followups.ledger(request.app[DB], request.app[CONFIG].hall.tz, category=category))


@routes.post("/api/enterprises", "登记服务企业 Register an enterprise served", roles=ADMIN, body=EnterpriseRequest,
             responses={"201": "the entry", "409": "already listed"})
async def _handle_add_enterprise(request: web.Request, body: EnterpriseRequest) -> web.Response:
    config, at = request.app[CONFIG], now(request)
    row = await admin_write(request, body.model_dump(),
                            lambda db, body, actor: followups.add_enterprise(db, body, config, actor, at))
    return json_response(row, status=201)


@routes.post(r"/api/enterprises/{id:\d+}/followups", "回访记录 A call-back", roles=ADMIN, params=IdPath,
             body=FollowupRequest, responses={"201": "the call-back", "404": "no such enterprise"})
async def _handle_add_followup(request: web.Request, path: IdPath, body: FollowupRequest) -> web.Response:
    enterprise, at = path.id, now(request)
    row = await admin_write(request, body.model_dump(),
                            lambda db, body, actor: followups.add_followup(db, enterprise, body, actor, at))
    return json_response(row, status=201)


@routes.post(r"/api/followups/{id:\d+}/samples", "督查抽查 Supervision's spot check", roles=ADMIN, params=IdPath,
             body=SampleRequest, responses={"201": "the sample", "404": "no such call-back"})
async def _handle_add_sample(request: web.Request, path: IdPath, body: SampleRequest) -> web.Response:
    followup, at = path.id, now(request)
    row = await admin_write(request, body.model_dump(),
                            lambda db, body, actor: followups.add_sample(db, followup, body, actor, at))
    return json_response(row, status=201)


@routes.post("/api/followups/draw", "随机抽查 Draw reached, not yet sampled call-backs at random", roles=ADMIN,
             body=DrawRequest, body_required=False, responses={"200": "{followup_ids}"})
async def _handle_draw_samples(request: web.Request, body: DrawRequest) -> web.Response:
    """Supervision's random draw of call-backs to verify (抽查); the draw itself is not stored."""
    require(request, "admin")
    ids = followups.draw_for_sampling(request.app[DB], body.count, random.SystemRandom())
    return json_response({"followup_ids": ids})


@routes.get("/api/kpis", "指标 KPIs from the records: tickets, served, no_shows, mean/p90 wait, share_over_20_min, "
            "good/bad rate, active_review_rate, unrated_rate, on_time_rectification_rate, "
            "rectification_satisfaction_rate, …", roles=ADMIN, query=DaysQuery)
async def _handle_get_kpis(request: web.Request, query: DaysQuery) -> web.Response:
    require(request, "admin")
    day_from, day_to = day_range(request)
    config, at = request.app[CONFIG], now(request)
    figures = await run_read(request, lambda db: kpis.compute(kpis.load_facts(db, config, day_from, day_to), at))
    return json_response({"from": day_from, "to": day_to, **kpis.rounded(figures)})


@routes.get("/api/kpis/breakdown", "分组指标 KPIs by day/week/month/quarter/window/staff/service/department",
            roles=ADMIN, query=BreakdownQuery)
async def _handle_get_kpi_breakdown(request: web.Request, query: BreakdownQuery) -> web.Response:
    require(request, "admin")
    by = query.by
    day_from, day_to = day_range(request, default_days=30)
    config, at = request.app[CONFIG], now(request)
    rows = await run_read(request, lambda db: [
        kpis.rounded(r) for r in kpis.breakdown(kpis.load_facts(db, config, day_from, day_to), by, at)])
    return json_response({"from": day_from, "to": day_to, "by": by, "rows": _named(request, by, rows)})


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


@routes.get("/api/kpis/ranking", "单位考核排名 Departments ranked (default: this quarter)", roles=ADMIN,
            query=DaysQuery)
async def _handle_get_ranking(request: web.Request, query: DaysQuery) -> web.Response:
    require(request, "admin")
    if query.from_ or query.to:
        day_from, day_to = day_range(request)
    else:
        day_from, day_to = _quarter(today(request))
    config, at, weights = request.app[CONFIG], now(request), state(request).settings.ranking_weights
    rows = await run_read(request, lambda db: [kpis.rounded(r) for r in ranking.ranking(
        kpis.load_facts(db, config, day_from, day_to), at, weights, config.departments)])
    return json_response({"from": day_from, "to": day_to, "weights": weights,
                              "rows": _named(request, "department", rows)})


@routes.get("/api/alerts", "逾期预警 Overdue call-backs, rectifications and complaints; holiday data missing",
            roles=ADMIN)
async def _handle_list_alerts(request: web.Request) -> web.Response:
    """Overdue call-backs, rectifications and complaints, for the admin pages' alert bar; ``calendar``: a line for
    each coming year whose statutory holidays neither ``chinese_calendar`` nor the config knows
    (:func:`queue_server.core.workdays.holiday_data_warnings`)."""
    require(request, "admin")
    db, hall, at = request.app[DB], request.app[CONFIG].hall, now(request)
    cases = [rectification.case_json(c, hall.tz, at) for c in rectification.list_cases(db, state="open")]
    open_complaints = [complaints.complaint_json(c, hall.tz, at) for c in complaints.list_rows(db, state="open")]
    return json_response({
        "rectifications": [c for c in cases if c["overdue"]],
        "complaints": [c for c in open_complaints if c["overdue"]],
        "calendar": holiday_data_warnings(today(request), hall, state(request).settings.calendar),
    })


@routes.get("/api/exports/{ledger:[a-z0-9]+}.{fmt:csv|xlsx}", "导出 reviews|rectifications|complaints|followups|"
            "gbt39046 as csv|xlsx", roles=ADMIN, params=ExportPath, query=DaysQuery, produces="application/octet-stream",
            responses={"200": "the file"})
async def _handle_get_export(request: web.Request, path: ExportPath, query: DaysQuery) -> web.Response:
    require(request, "admin")
    ledger, fmt = path.ledger, path.fmt
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


def setup(app: web.Application) -> None:
    """Add the ledger, KPI and export routes."""
    routes.add_to(app)
