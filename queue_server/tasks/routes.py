"""The task ledger's routes, all for admins: list (with overdue), add, import an Excel ledger, record progress,
ask for 销号, approve or refuse it as a second admin, and export."""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field, field_validator

from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.tasks import ledger
from queue_server.tasks.excel import read_tasks, write_tasks
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import require
from queue_server.web.json_io import json_response
from queue_server.web.types import Day, Line, RowId, Text

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ADMIN = ("admin",)
_LIMIT = ledger.TEXT_LIMITS
routes = ApiRoutes()


class TaskListQuery(BaseModel):
    state: Literal[tuple(ledger.STATES)] | None = Field(None, title="状态")
    unit: Line(_LIMIT["unit"]) | None = Field(None, title="责任单位")
    overdue: bool | None = Field(None, title="只看逾期")


class TaskRequest(BaseModel):
    ref: Line(_LIMIT["ref"], min_length=0) | None = Field(None, title="序号")
    title: Line(_LIMIT["title"]) = Field(title="任务")
    unit: Line(_LIMIT["unit"]) = Field(title="责任单位")
    measures: Text(_LIMIT["measures"], min_length=0) | None = Field(None, title="整改措施")
    owner: Line(_LIMIT["owner"]) = Field(title="责任人")
    deadline: Day | None = Field(None, title="完成时限", description="YYYY-MM-DD；长期坚持的任务不填（或填空）")
    source: Line(_LIMIT["source"], min_length=0) | None = Field(None, title="来源")

    @field_validator("deadline", mode="before")
    @classmethod
    def _no_deadline(cls, value: Any) -> Any:
        return None if value == "" else value  # 长期坚持: an empty form field


class TaskPath(BaseModel):
    id: RowId = Field(title="任务编号")


class ProgressRequest(BaseModel):
    note: Text(_LIMIT["note"]) = Field(title="进展情况")
    evidence: Text(_LIMIT["evidence"], min_length=0) | None = Field(None, title="佐证材料")


class CloseRequest(BaseModel):
    note: Text(_LIMIT["note"], min_length=0) | None = Field(None, title="完成情况")
    evidence: Text(_LIMIT["evidence"]) = Field(title="销号佐证材料")


class ApproveRequest(BaseModel):
    note: Text(_LIMIT["note"], min_length=0) | None = Field(None, title="审核意见")


class RefuseRequest(BaseModel):
    note: Text(_LIMIT["note"]) = Field(title="退回原因")


def _rows(request: web.Request, query: TaskListQuery, *, only_overdue: bool = False) -> list[dict]:
    return ledger.listing(request.app[DB], request.app[CLOCK].now(), request.app[CONFIG].hall.tz,
                          state=query.state, unit=query.unit, only_overdue=only_overdue or bool(query.overdue))


@routes.get("/api/tasks", "任务台账 The work-plan tasks", roles=_ADMIN, query=TaskListQuery,
            responses={"200": "tasks with state, overdue and updates"})
async def _handle_list(request: web.Request, query: TaskListQuery) -> web.Response:
    require(request, "admin")
    return json_response(_rows(request, query))


@routes.post("/api/tasks", "新增任务 Add a task", roles=_ADMIN, body=TaskRequest,
             responses={"201": "the task", "422": "a field named"})
async def _handle_add(request: web.Request, body: TaskRequest) -> web.Response:
    who = require(request, "admin")
    one = ledger.one_line
    task = ledger.TaskInput(title=one(body.title), unit=one(body.unit), owner=one(body.owner),
                            measures=one(body.measures), ref=one(body.ref), source=one(body.source),
                            deadline=date.fromisoformat(body.deadline) if body.deadline else None)
    db = request.app[DB]
    at = request.app[CLOCK].now()
    task_id = await request.app[WRITER].run(lambda wdb: ledger.add(wdb, task, who.actor, at))
    return json_response(ledger.get(db, task_id), status=201)


# the body is the .xlsx file itself, which the declarations cannot validate: declared for the contract
# (raw_body), read here and checked cell by cell by tasks.excel
@routes.post("/api/tasks/import", "导入任务台账 Import an .xlsx ledger (body: the file)", roles=_ADMIN,
             raw_body={"required": True, "content": {_XLSX: {"schema": {"type": "string", "format": "binary"}}}},
             responses={"201": '{"added", "skipped"}',
                        "422": "every problem with sheet, row and column; nothing imported"})
async def _handle_import(request: web.Request) -> web.Response:
    who = require(request, "admin")
    tasks = await asyncio.to_thread(read_tasks, await request.read())
    at = request.app[CLOCK].now()
    added, skipped = await request.app[WRITER].run(lambda wdb: ledger.import_tasks(wdb, tasks, who.actor, at))
    return json_response({"added": added, "skipped": skipped}, status=201)


async def _act(request: web.Request, act) -> web.Response:
    task = await request.app[WRITER].run(act)
    return json_response(task)


@routes.post("/api/tasks/{id}/progress", "登记进展 Record progress", roles=_ADMIN, params=TaskPath,
             body=ProgressRequest, responses={"200": "the task", "404": "no such task", "409": "closing or closed"})
async def _handle_progress(request: web.Request, path: TaskPath, body: ProgressRequest) -> web.Response:
    who = require(request, "admin")
    now = request.app[CLOCK].now()
    return await _act(request, lambda wdb: ledger.progress(wdb, path.id, body.note, body.evidence or "",
                                                           who.actor, now))


@routes.post("/api/tasks/{id}/close", "申请销号 Ask to close, with evidence", roles=_ADMIN, params=TaskPath,
             body=CloseRequest, responses={"200": "the task", "404": "no such task", "409": "closing or closed"})
async def _handle_close(request: web.Request, path: TaskPath, body: CloseRequest) -> web.Response:
    who = require(request, "admin")
    now = request.app[CLOCK].now()
    return await _act(request, lambda wdb: ledger.request_close(wdb, path.id, body.note or "", body.evidence,
                                                                who.actor, now))


@routes.post("/api/tasks/{id}/approve", "审核销号 Approve the closing (another admin than who asked)", roles=_ADMIN,
             params=TaskPath, body=ApproveRequest, body_required=False,
             responses={"200": "the task, closed", "403": "the same admin", "404": "no such task",
                        "409": "no closing asked for"})
async def _handle_approve(request: web.Request, path: TaskPath, body: ApproveRequest) -> web.Response:
    who = require(request, "admin")
    now = request.app[CLOCK].now()
    return await _act(request, lambda wdb: ledger.review_close(wdb, path.id, True, body.note or "", who.actor, now))


@routes.post("/api/tasks/{id}/refuse", "退回销号 Refuse the closing, with the reason", roles=_ADMIN, params=TaskPath,
             body=RefuseRequest, responses={"200": "the task, back in progress", "403": "the same admin",
                                            "404": "no such task", "409": "no closing asked for"})
async def _handle_refuse(request: web.Request, path: TaskPath, body: RefuseRequest) -> web.Response:
    who = require(request, "admin")
    now = request.app[CLOCK].now()
    return await _act(request, lambda wdb: ledger.review_close(wdb, path.id, False, body.note, who.actor, now))


@routes.get("/api/tasks.xlsx", "导出任务台账 The ledger as .xlsx", roles=_ADMIN, query=TaskListQuery, produces=_XLSX,
            responses={"200": "the .xlsx"})
async def _handle_export(request: web.Request, query: TaskListQuery) -> web.Response:
    require(request, "admin")
    data = await asyncio.to_thread(write_tasks, _rows(request, query))
    return web.Response(body=data, headers={"Content-Type": _XLSX,
                                            "Content-Disposition": 'attachment; filename="tasks.xlsx"'})


def setup(app: web.Application) -> None:
    """Add the task ledger's routes."""
    routes.add_to(app)
