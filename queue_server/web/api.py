"""Every route's input declared once: a pydantic model for the body, the query string and the path, bound to the
handler by a decorator that validates the request from it and feeds the same declaration to ``/api/openapi.json``.

An area writes::

    routes = ApiRoutes()

    @routes.post("/api/tickets", "取号", roles=("kiosk", "admin"), body=TicketRequest)
    async def _handle_issue_ticket(request: web.Request, body: TicketRequest) -> web.Response: ...

    def setup(app): routes.add_to(app)

The handler gets the validated models as keyword arguments ``body``, ``query`` and ``path`` (only those declared).
Any problem is a 422 ``{"error": "invalid", "field": <English name, for programs>, "message": <Chinese, naming the
field by its title>}``; see :func:`describe_error`. Fields without a ``title`` fall back to their name, so every
field of a request model is given a Chinese title.
"""
from __future__ import annotations

import functools
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from queue_server.core.errors import ApiError
from queue_server.web.auth import require

Handler = Callable[..., Awaitable[web.StreamResponse]]
#: every ApiRoutes added to an app, for the OpenAPI document
ROUTE_TABLES = web.AppKey("route_tables", list)

#: Chinese for pydantic's error types; ``{...}`` fields come from the error's context
_MESSAGES = {
    "missing": "必填",
    "string_type": "应为文字",
    "string_too_short": "至少 {min_length} 个字",
    "string_too_long": "不能超过 {max_length} 个字",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "应小于 {lt}",
    "literal_error": "不是可选的值",
    "enum": "不是可选的值",
    "list_type": "应为列表",
    "too_long": "最多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "none_required": "应为空",
}


@dataclass
class Operation:
    """One declared route: what it takes, who may call it, what it answers."""

    method: str
    path: str
    summary: str
    handler: Handler
    roles: tuple[str, ...] = ()
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: type[BaseModel] | None = None
    params: type[BaseModel] | None = None
    responses: dict[str, str] = field(default_factory=dict)
    #: what a 2xx answer is, when it is not JSON ("text/html", a download)
    produces: str = "application/json"
    #: routes whose body is not JSON at all (the guide catalogue upload): its OpenAPI request body, as given
    raw_body: dict[str, Any] | None = None


class ApiRoutes:
    """An area's declared routes (like aiohttp's ``RouteTableDef``, plus the input schemas)."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []

    def route(self, method: str, path: str, summary: str, **declared: Any) -> Callable[[Handler], Handler]:
        """Declare ``method path``; see :class:`Operation` for the keyword arguments."""
        def decorate(handler: Handler) -> Handler:
            op = Operation(method, path, summary, handler, **declared)
            self.operations.append(op)
            return handler
        return decorate

    def get(self, path: str, summary: str, **declared: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, summary, **declared)

    def post(self, path: str, summary: str, **declared: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, summary, **declared)

    def put(self, path: str, summary: str, **declared: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, summary, **declared)

    def add_to(self, app: web.Application) -> None:
        """Register every route with validation in front of its handler, and list the table for OpenAPI."""
        # aiohttp tries routes in the order they are added: fixed paths first, so /api/guides/lint is not taken
        # for the guide coded "lint" (the sort is stable: otherwise the order of declaration)
        for op in sorted(self.operations, key=lambda op: op.path.count("{")):
            app.router.add_route(op.method, op.path, _validating(op))
        app.setdefault(ROUTE_TABLES, []).append(self)


def _validating(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @functools.wraps(op.handler)
    async def handler(request: web.Request) -> web.StreamResponse:
        if op.roles:
            # who may call it first: a caller without the right token learns nothing about the input rules
            # (the handler's own check may bind further, e.g. staff to their window)
            require(request, *op.roles)
        inputs: dict[str, BaseModel] = {}
        if op.params is not None:
            # a path that does not validate names nothing that exists: 404, with the reason
            inputs["path"] = validate(op.params, dict(request.match_info), status=404, code="not_found")
        if op.query is not None:
            # ?from=&to= from an empty form field means "not given", as browsers send it
            inputs["query"] = validate(op.query, {k: request.query.get(k) for k in request.query
                                                  if request.query.get(k) != ""})
        if op.body is not None:
            inputs["body"] = await read_body(request, op.body, required=op.body_required)
        return await op.handler(request, **inputs)
    return handler


def validate(model: type[BaseModel], data: dict[str, Any], *, status: int = 422, code: str = "invalid") -> BaseModel:
    """Query-string or path values (text, converted: ``"3"`` is the window 3) checked against ``model``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(model, exc, status, code) from None


async def read_body(request: web.Request, model: type[BaseModel], *, required: bool = True) -> BaseModel:
    """The JSON body checked strictly against ``model`` (no ``"3"`` for 3, no ``1`` for ``true``).

    The JSON is parsed by pydantic's own parser, which refuses nesting deeper than a few hundred levels before
    it costs anything, and lone surrogate escapes (``"\\ud800"``), which no database column can hold.
    """
    raw = await request.read()
    if not raw.strip():
        if not required:
            raw = b"{}"
        else:
            raise ApiError(422, "invalid", "请求体为空，应为 JSON 对象", field="body")
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise _invalid(model, exc) from None


def _invalid(model: type[BaseModel], exc: ValidationError, status: int = 422, code: str = "invalid") -> ApiError:
    name, message = describe_error(model, exc.errors(include_url=False)[0])
    return ApiError(status, code, message, field=name)


def describe_error(model: type[BaseModel], error: dict[str, Any]) -> tuple[str, str]:
    """(field path for programs, Chinese message naming the field by its titles) of one pydantic error."""
    loc = error.get("loc", ())
    if error["type"] == "json_invalid":
        deep = "recursion limit" in str(error.get("ctx", {}).get("error", ""))
        return "body", "请求体嵌套过深" if deep else "请求体不是合法的 JSON"
    if not loc:
        if error["type"] in ("model_type", "model_attributes_type", "dict_type"):
            return "body", "请求体应为 JSON 对象"
    template = _MESSAGES.get(error["type"])
    ctx = error.get("ctx") or {}
    if error["type"] == "string_too_short" and ctx.get("min_length") == 1:
        template = "不能为空"
    if template is None:
        # our own checks (PydanticCustomError) already speak Chinese; anything else is named generically
        message = error["msg"] if any("\u4e00" <= ch <= "\u9fff" for ch in error["msg"]) else "格式不正确"
    else:
        message = template.format(**{k: v for k, v in ctx.items()}) if ctx else template.split("{")[0].strip()
    name = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))
    label = _label(model, loc)
    return name or "body", f"{label}：{message}" if label else message


def _label(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """The Chinese titles along ``loc``: ("devices", 0, "device") → 设备列表第1项的设备名称."""
    parts: list[str] = []
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            parts.append(f"第{part + 1}项")
            continue
        fields = getattr(current, "model_fields", None) if isinstance(current, type) else None
        info = None
        for name, candidate in (fields or {}).items():
            if part in (name, candidate.alias):  # ?from= is the field from_
                info = candidate
                break
        if info is None:
            parts.append(str(part))
            current = None
            continue
        if parts:
            parts.append("的")
        parts.append(info.title or part)
        current = _inner_model(info.annotation)
    return "".join(parts)


def _inner_model(annotation: Any) -> Any:
    """The model inside ``list[M]``, ``M | None``, ``Annotated[M, …]`` (or None)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
