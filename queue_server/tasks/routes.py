"""The task ledger's routes, all for admins: list (with overdue), add, import an Excel ledger, record progress,
ask for 销号, approve or refuse it as a second admin, and export."""
from __future__ import annotations

import asyncio

from aiohttp import web

from queue_server.core.errors import invalid
from queue_server.keys import CLOCK, CONFIG, DB, WRITER
from queue_server.tasks import ledger
from queue_server.tasks.excel import read_tasks, write_tasks
from queue_server.web.auth import require
from queue_server.web.json_io import json_response, read_json

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _task_id(request: web.Request) -> int:
    text = request.match_info["id"]
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise invalid("id", "任务编号应为数字")
    return int(text)


def _rows(request: web.Request, *, only_overdue: bool = False) -> list[dict]:
    q = request.query
    return ledger.listing(request.app[DB], request.app[CLOCK].now(), request.app[CONFIG].hall.tz,
                          state=q.get("state") or None, unit=q.get("unit") or None,
                          only_overdue=only_overdue or q.get("overdue") in ("1", "true"))


async def _handle_list(request: web.Request) -> web.Response:
    require(request, "admin")
    return json_response(_rows(request))


async def _handle_add(request: web.Request) -> web.Response:
    who = require(request, "admin")
    task = ledger.task_input(await read_json(request))
    db = request.app[DB]
    at = request.app[CLOCK].now()
    task_id = await request.app[WRITER].run(lambda wdb: ledger.add(wdb, task, who.actor, at))
    return json_response(ledger.get(db, task_id), status=201)


async def _handle_import(request: web.Request) -> web.Response:
    who = require(request, "admin")
    tasks = await asyncio.to_thread(read_tasks, await request.read())
    at = request.app[CLOCK].now()
    added, skipped = await request.app[WRITER].run(lambda wdb: ledger.import_tasks(wdb, tasks, who.actor, at))
    return json_response({"added": added, "skipped": skipped}, status=201)


async def _handle_action(request: web.Request) -> web.Response:
    who = require(request, "admin")
    task_id, action = _task_id(request), request.match_info["action"]
    body = await read_json(request, optional=True)
    now = request.app[CLOCK].now()

    def act(wdb):
        if action == "progress":
            return ledger.progress(wdb, task_id, body, who.actor, now)
        if action == "close":
            return ledger.request_close(wdb, task_id, body, who.actor, now)
        return ledger.review_close(wdb, task_id, action == "approve", body, who.actor, now)

    task = await request.app[WRITER].run(act)
    return json_response(task)


async def _handle_export(request: web.Request) -> web.Response:
    require(request, "admin")
    data = await asyncio.to_thread(write_tasks, _rows(request))
    return web.Response(body=data, headers={"Content-Type": _XLSX,
                                            "Content-Disposition": 'attachment; filename="tasks.xlsx"'})


def setup(app: web.Application) -> None:
    """Add the task ledger's routes."""
    app.router.add_get("/api/tasks", _handle_list)
    app.router.add_post("/api/tasks", _handle_add)
    app.router.add_post("/api/tasks/import", _handle_import)
    app.router.add_get("/api/tasks.xlsx", _handle_export)
    app.router.add_post("/api/tasks/{id}/{action:progress|close|approve|refuse}", _handle_action)


_ADMIN = [{"bearer": ["admin"]}]
_S = {"type": "string"}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _body(required: list[str], **props: dict) -> dict:
    return {"content": {"application/json": {"schema": {"type": "object", "required": required, "properties": props}}}}


OPENAPI_PATHS = {
    "/api/tasks": {
        "get": {"summary": "任务台账 The work-plan tasks (?state, ?unit, ?overdue=1)", "security": _ADMIN,
                "responses": {"200": {"description": "tasks with state, overdue and updates"}}},
        "post": {"summary": "新增任务 Add a task", "security": _ADMIN,
                 "requestBody": _body(["title", "unit", "owner"], ref=_S, title=_S, unit=_S, measures=_S, owner=_S,
                                      deadline={"type": "string", "format": "date"}, source=_S),
                 "responses": {"201": {"description": "the task"}, "422": {"description": "a field named"}}},
    },
    "/api/tasks/import": {"post": {
        "summary": "导入任务台账 Import an .xlsx ledger (body: the file)", "security": _ADMIN,
        "requestBody": {"content": {_XLSX: {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {"201": {"description": '{"added", "skipped"}'},
                      "422": {"description": "every problem with sheet, row and column; nothing imported"}}}},
    "/api/tasks.xlsx": {"get": {"summary": "导出任务台账 The ledger as .xlsx", "security": _ADMIN,
                                "responses": {"200": {"description": "the .xlsx"}}}},
    "/api/tasks/{id}/progress": {"post": {
        "summary": "登记进展 Record progress", "security": _ADMIN, "parameters": _ID,
        "requestBody": _body(["note"], note=_S, evidence=_S), "responses": {"200": {"description": "the task"}}}},
    "/api/tasks/{id}/close": {"post": {
        "summary": "申请销号 Ask to close, with evidence", "security": _ADMIN, "parameters": _ID,
        "requestBody": _body(["evidence"], note=_S, evidence=_S), "responses": {"200": {"description": "the task"}}}},
    "/api/tasks/{id}/approve": {"post": {
        "summary": "审核销号 Approve the closing (another admin than who asked)", "security": _ADMIN,
        "parameters": _ID, "requestBody": _body([], note=_S),
        "responses": {"200": {"description": "the task, closed"}, "403": {"description": "the same admin"}}}},
    "/api/tasks/{id}/refuse": {"post": {
        "summary": "退回销号 Refuse the closing, with the reason", "security": _ADMIN, "parameters": _ID,
        "requestBody": _body(["note"], note=_S), "responses": {"200": {"description": "the task, back in progress"}}}},
}
