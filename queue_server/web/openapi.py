"""The contract as OpenAPI 3 (``GET /api/openapi.json``) and as a readable page (``GET /api/docs``).

Each route module declares its own ``OPENAPI_PATHS``; this module merges them, so the document cannot forget a
module that is registered.
"""
from __future__ import annotations

import html
import importlib

from aiohttp import web

from queue_server import __version__

TICKET_SCHEMA = {
    "type": "object",
    "properties": {k: {"type": t} for k, t in {
        "id": "integer", "number": "string", "service": "string", "service_name": "string", "status": "string",
        "priority": "string", "kind": "string", "ahead": "integer", "estimated_wait_min": "integer", "token": "string",
        "issued_at": "string", "status_url": "string", "review_url": "string"}.items()},
}
ERROR_SCHEMA = {"type": "object", "required": ["error", "message"],
                "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}


def build_spec(view_modules: list[str]) -> dict:
    """Merge every registered module's paths into one OpenAPI document."""
    paths: dict = {}
    for name in view_modules:
        module = importlib.import_module(name)
        for path, ops in getattr(module, "OPENAPI_PATHS", {}).items():
            paths.setdefault(path, {}).update(ops)
    return {
        "openapi": "3.0.3",
        "info": {"title": "govhall queue server", "version": __version__,
                 "description": "政务服务大厅排队叫号与好差评接口。Errors: 4xx {error, message}."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Ticket": TICKET_SCHEMA, "Error": ERROR_SCHEMA},
        },
    }


def render_docs(spec: dict) -> str:
    """A plain HTML page of the contract: every route, who may call it, what it takes and answers."""
    rows = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            roles = ", ".join(r for s in op.get("security", []) for r in s.get("bearer", [])) or "anyone"
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            fields = ", ".join(body.get("properties", {}))
            answers = "; ".join(f"{code}: {r.get('description', '')}" for code, r in op.get("responses", {}).items())
            rows.append(
                f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op.get('summary', ''))}</td><td>{html.escape(roles)}</td>"
                f"<td>{html.escape(fields)}</td><td>{html.escape(answers)}</td></tr>")
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>govhall API</title>'
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:4px 8px;vertical-align:top}</style></head><body>"
        f"<h1>govhall API {html.escape(spec['info']['version'])}</h1><p>{html.escape(spec['info']['description'])} "
        'Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>.</p>'
        "<table><tr><th>method</th><th>path</th><th>what</th><th>who</th><th>body</th><th>answers</th></tr>"
        + "".join(rows) + "</table></body></html>")


def setup(app: web.Application, view_modules: list[str]) -> None:
    spec = build_spec(view_modules)
    page = render_docs(spec)

    async def _handle_openapi(request: web.Request) -> web.Response:
        return web.json_response(spec)

    async def _handle_docs(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app.router.add_get("/api/openapi.json", _handle_openapi)
    app.router.add_get("/api/docs", _handle_docs)
