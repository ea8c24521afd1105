"""Tidal-window routes, the policy's timer and bus hook, and the estimate-accuracy report.

- ``GET /api/tidal`` (admin, display): tidal windows open now (each with ``service_name``, ``ack_due`` and
  ``ack_overdue`` by the server's clock), the thresholds in force and today's support plan
  (每日兼办, ``day_plan``: ``[{"window", "service", "service_name"}]``).
- ``POST /api/tidal/open`` (admin) ``{"service", "window"?, "reason"?}``: open one by hand.
- ``POST /api/tidal/close`` (admin) ``{"window", "reason"?}``: close one by hand.
- ``POST /api/tidal/run`` (admin): run the policy now (drills; it also runs after every change and on a timer).
- ``POST /api/windows/{number}/tidal/ack`` (that window's staff, the device agent for its keypad, admin).
- ``GET /api/tidal/log?date=YYYY-MM-DD`` (admin): the audit trail of a business day.
- ``GET /api/estimates/accuracy?from=DATE&to=DATE`` (admin): quoted against actual waits of called tickets.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import date, datetime, timedelta

from aiohttp import web
from pydantic import BaseModel, Field

from queue_server.core.clock import from_iso, to_iso
from queue_server.core.errors import invalid
from queue_server.core.hall_time import business_day
from queue_server.core.writer import last
from queue_server.keys import BUS, CLOCK, CONFIG, DB, HALL, OPEN_ALL_HOURS, WRITER
from queue_server.policy.estimate import EstimateAccuracy
from queue_server.queue.http import WindowPath
from queue_server.tidal.runner import TIDAL, TidalRunner
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.types import Code, Day, Line, WindowNumber

routes = ApiRoutes()
_ANSWERS = {"200": "OK", "403": "wrong role", "409": "conflict"}

log = logging.getLogger(__name__)


class TidalOpen(BaseModel):
    service: Code = Field(title="业务代码")
    window: WindowNumber | None = Field(None, title="窗口号")
    reason: Line(200) | None = Field(None, title="原因")


class TidalClose(BaseModel):
    window: WindowNumber = Field(title="窗口号")
    reason: Line(200) | None = Field(None, title="原因")


class TidalLogQuery(BaseModel):
    date: Day | None = Field(None, title="日期")


class AccuracyQuery(BaseModel):
    from_: Day | None = Field(None, alias="from", title="起始日期")
    to: Day | None = Field(None, title="结束日期")


@routes.get("/api/tidal", "潮汐窗口：当前开设情况、阈值与今日每日兼办计划", roles=("admin", "display"),
            responses={"200": "{enabled, thresholds, open, day_plan}（今日每日兼办：窗口及其兼办业务）"})
async def _handle_get_tidal(request: web.Request) -> web.Response:
    require(request, "admin", "display")
    runner = request.app[TIDAL]
    rows = request.app[DB].query("select * from tidal_openings where closed_at is null order by id")
    s = runner.settings
    return json_response({
        "enabled": s.enabled,
        "thresholds": {
            "open_wait_min": s.defaults.open_wait_min, "open_waiting": s.defaults.open_waiting,
            "close_wait_min": s.defaults.close_wait_min, "close_waiting": s.defaults.close_waiting,
            "hold_min": s.defaults.hold_min, "ack_timeout_min": s.ack_timeout_min,
        },
        "open": [runner.opening_view(r) for r in rows],
        "day_plan": runner.day_plan_view(),
    })


@routes.post("/api/tidal/open", "手动开设潮汐窗口", roles=("admin",), body=TidalOpen,
             responses={"201": "the opening", **_ANSWERS})
async def _handle_open(request: web.Request, body: TidalOpen) -> web.Response:
    who = require(request, "admin")
    reason = body.reason or "值班长手动开设潮汐窗口"
    runner = request.app[TIDAL]
    opened, _ = await request.app[WRITER].run(
        lambda db: runner.open_by_hand(body.service, body.window, who.actor, reason), events=last)
    return json_response(opened, status=201)


@routes.post("/api/tidal/close", "手动关闭潮汐窗口", roles=("admin",), body=TidalClose, responses=_ANSWERS)
async def _handle_close(request: web.Request, body: TidalClose) -> web.Response:
    who = require(request, "admin")
    reason = body.reason or "值班长手动关闭潮汐窗口"
    runner = request.app[TIDAL]
    closed, _ = await request.app[WRITER].run(lambda db: runner.close_by_hand(body.window, who.actor, reason),
                                              events=last)
    return json_response(closed)


@routes.post("/api/tidal/run", "立即运行潮汐策略", roles=("admin",), responses=_ANSWERS)
async def _handle_run(request: web.Request) -> web.Response:
    require(request, "admin")
    decision = await request.app[TIDAL].run_now()
    return json_response({"actions": [
        {"kind": a.kind, "service": a.service, "window": a.window, "reason": a.reason, "figures": a.figures}
        for a in decision.actions
    ]})


@routes.post("/api/windows/{number}/tidal/ack", "备用窗口人员确认潮汐开窗", roles=("staff", "agent", "admin"),
             params=WindowPath, responses=_ANSWERS)
async def _handle_ack(request: web.Request, path: WindowPath) -> web.Response:
    number = path.number
    who = require(request, "staff", "agent", "admin", window=number)
    runner = request.app[TIDAL]
    opening, _ = await request.app[WRITER].run(lambda db: runner.acknowledge(number, who.actor), events=last)
    return json_response(opening)


def _day_span(request: web.Request, text: str | None, name: str) -> date:
    if text is None:
        return business_day(request.app[CLOCK].now(), request.app[CONFIG].hall)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise invalid(name, f"日期格式应为 YYYY-MM-DD，收到 {text!r}") from None


def _utc_bounds(request: web.Request, first: date, last: date) -> tuple[str, str]:
    hall = request.app[CONFIG].hall  # a business day runs from day_starts_at to day_starts_at
    start = datetime.combine(first, hall.day_starts_at, tzinfo=hall.tz)
    end = datetime.combine(last + timedelta(days=1), hall.day_starts_at, tzinfo=hall.tz)
    return to_iso(start), to_iso(end)


@routes.get("/api/tidal/log", "潮汐窗口审计日志", roles=("admin",), query=TidalLogQuery, responses=_ANSWERS)
async def _handle_log(request: web.Request, query: TidalLogQuery) -> web.Response:
    require(request, "admin")
    day = _day_span(request, query.date, "date")
    start, end = _utc_bounds(request, day, day)
    tz = request.app[CONFIG].hall.tz
    rows = request.app[DB].query("select * from tidal_log where at >= ? and at < ? order by id", [start, end])
    return json_response({"date": day.isoformat(), "entries": [
        {"at": from_iso(r["at"]).astimezone(tz).isoformat(timespec="seconds"), "action": r["action"],
         "service": r["service"], "window": r["window"], "actor": r["actor"], "reason": r["reason"],
         "data": json.loads(r["data"] or "{}")}
        for r in rows
    ]})


@routes.get("/api/estimates/accuracy", "预计等候时间准确度（平均绝对误差、低估比例）", roles=("admin",),
            query=AccuracyQuery, responses=_ANSWERS)
async def _handle_accuracy(request: web.Request, query: AccuracyQuery) -> web.Response:
    """How good the quoted waits were: every called ticket's estimate at issue against its wait to first call."""
    require(request, "admin")
    first = _day_span(request, query.from_, "from")
    last = _day_span(request, query.to or query.from_, "to")
    if last < first:
        raise invalid("to", "结束日期不能早于开始日期")
    acc = EstimateAccuracy()
    per_service: dict[str, EstimateAccuracy] = {}
    rows = request.app[DB].execute(
        "select service, issued_at, called_at, estimate_min_at_issue from tickets where business_day >= ? "
        "and business_day <= ? and called_at is not null and estimate_min_at_issue is not null and requeues = 0",
        [first.isoformat(), last.isoformat()]).fetchall()
    for service, issued, called, quoted in rows:
        actual = (from_iso(called) - from_iso(issued)).total_seconds() / 60
        acc.add(quoted, actual)
        per_service.setdefault(service, EstimateAccuracy()).add(quoted, actual)
    return json_response({"from": first.isoformat(), "to": last.isoformat(), **acc.as_dict(),
                          "services": {s: a.as_dict() for s, a in sorted(per_service.items())}})


def setup(app: web.Application) -> None:
    """Create the runner, hook it to the bus and a timer, and add the routes."""
    runner = TidalRunner(app[CONFIG], app[DB], app[CLOCK], app[HALL], app[BUS], open_all_hours=app[OPEN_ALL_HOURS],
                         writer=app[WRITER])
    app[TIDAL] = runner
    app[BUS].subscribe(runner.on_event)

    async def _timer(app: web.Application):
        try:  # before any client: the day's support plan is made when the server starts
            await runner.run_now()
        except Exception:
            log.exception("tidal policy run at start-up failed")
        task = asyncio.create_task(runner.timer())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(_timer)
    routes.add_to(app)
