"""The contract as OpenAPI 3.1 (``GET /api/openapi.json``) and as a readable page (``GET /api/docs``).

Generated from the routes' own declarations (:mod:`queue_server.web.api`): the pydantic models a route validates its
body, query string and path with are the schemas printed here, so the document cannot drift from what the server
accepts, nor forget a route that is registered.
"""
from __future__ import annotations

import html
import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from queue_server import __version__
from queue_server.web.api import ROUTE_TABLES, ApiRoutes, Operation
from queue_server.web.json_io import json_response

REF = "#/components/schemas/{model}"
ERROR_SCHEMA = {"type": "object", "required": ["error", "message"],
                "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                               "field": {"type": "string"}}}
#: ``{id:\d+}`` → ``{id}``: aiohttp's regex-constrained path parts as OpenAPI path templates
_PATH_PART = re.compile(r"\{(\w+)(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}")


def openapi_path(path: str) -> str:
    """An aiohttp route path as an OpenAPI path template."""
    return _PATH_PART.sub(r"{\1}", path)


class _Schemas:
    """The ``components/schemas`` being collected; models are referenced by name, and one name means one model."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Error": ERROR_SCHEMA}
        self._owners: dict[str, type[BaseModel]] = {}

    def model(self, model: type[BaseModel]) -> dict[str, Any]:
        """The model's JSON schema with its nested models moved to the components."""
        schema = model.model_json_schema(ref_template=REF)
        for name, sub in schema.pop("$defs", {}).items():
            self.components.setdefault(name, sub)
        return schema

    def ref(self, model: type[BaseModel]) -> dict[str, Any]:
        owner = self._owners.setdefault(model.__name__, model)
        if owner is not model:
            raise ValueError(f"two request models are named {model.__name__}: {owner} and {model}")
        self.components[model.__name__] = self.model(model)
        return {"$ref": REF.format(model=model.__name__)}

    def parameters(self, model: type[BaseModel] | None, where: str) -> list[dict[str, Any]]:
        if model is None:
            return []
        schema = self.model(model)
        required = set(schema.get("required", ()))
        out = []
        for name, prop in schema.get("properties", {}).items():
            param = {"name": name, "in": where, "required": where == "path" or name in required, "schema": prop}
            if prop.get("title"):
                param["description"] = prop["title"]
            out.append(param)
        return out


def _operation(op: Operation, schemas: _Schemas) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": op.summary, "operationId": op.handler.__name__.lstrip("_")}
    if op.roles:
        out["security"] = [{"bearer": list(op.roles)}]
    params = schemas.parameters(op.params, "path") + schemas.parameters(op.query, "query")
    if params:
        out["parameters"] = params
    if op.raw_body is not None:
        out["requestBody"] = op.raw_body
    elif op.body is not None:
        out["requestBody"] = {"required": op.body_required,
                              "content": {"application/json": {"schema": schemas.ref(op.body)}}}
    responses: dict[str, Any] = {}
    for code, text in (op.responses or {"200": "成功"}).items():
        responses[code] = {"description": text}
        if code.startswith("2") and code != "204":
            responses[code]["content"] = {op.produces: {"schema": {} if op.produces == "application/json"
                                                        else {"type": "string"}}}
    responses.setdefault("4XX", {"description": "请求有误（error 为代码，message 为中文说明，field 为字段名）",
                                 "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}})
    out["responses"] = responses
    return out


def build_spec(tables: list[ApiRoutes]) -> dict[str, Any]:
    """One OpenAPI document of every declared route of the app."""
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for table in tables:
        for op in table.operations:
            paths.setdefault(openapi_path(op.path), {})[op.method.lower()] = _operation(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "govhall queue server", "version": __version__,
                 "description": "政务服务大厅排队叫号与好差评接口。Errors: 4xx {error, message, field}."},
        "paths": dict(sorted(paths.items())),
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": dict(sorted(schemas.components.items()))},
    }


def render_docs(spec: dict[str, Any]) -> str:
    """A plain HTML page of the contract: every route, who may call it, what it takes and answers."""
    rows = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            roles = ", ".join(r for s in op.get("security", []) for r in s.get("bearer", [])) or "anyone"
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            body = spec["components"]["schemas"].get(ref.get("$ref", "").rsplit("/", 1)[-1], {})
            fields = ", ".join(body.get("properties", {}))
            params = ", ".join(f"{p['name']} ({p['in']})" for p in op.get("parameters", []))
            answers = "; ".join(f"{code}: {r.get('description', '')}" for code, r in op.get("responses", {}).items())
            rows.append(
                f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op.get('summary', ''))}</td><td>{html.escape(roles)}</td>"
                f"<td>{html.escape(params)}</td><td>{html.escape(fields)}</td><td>{html.escape(answers)}</td></tr>")
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>govhall API</title>'
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:4px 8px;vertical-align:top}</style></head><body>"
        f"<h1>govhall API {html.escape(spec['info']['version'])}</h1><p>{html.escape(spec['info']['description'])} "
        'Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>.</p>'
        "<table><tr><th>method</th><th>path</th><th>what</th><th>who</th><th>parameters</th><th>body</th>"
        "<th>answers</th></tr>" + "".join(rows) + "</table></body></html>")


routes = ApiRoutes()


@routes.get("/api/openapi.json", "本接口的 OpenAPI 3.1 文档 This contract as OpenAPI")
async def _handle_openapi(request: web.Request) -> web.Response:
    return json_response(request.app[SPEC])


@routes.get("/api/docs", "接口说明页 The contract as an HTML page", produces="text/html")
async def _handle_docs(request: web.Request) -> web.Response:
    return web.Response(text=render_docs(request.app[SPEC]), content_type="text/html")


SPEC = web.AppKey("openapi_spec", dict)


def setup(app: web.Application) -> None:
    """Add the document's routes and build it from every route table added so far (call it last)."""
    routes.add_to(app)
    app[SPEC] = build_spec(app[ROUTE_TABLES])
