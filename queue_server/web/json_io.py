"""JSON out for every route: answering, and rendering errors.

Reading input is :mod:`queue_server.web.api`'s (declared schemas). Bad input is always a 4xx naming the problem; a
database the disk no longer lets us write is a 503 naming the cause; any other unexpected failure is a 500 JSON
without a stack trace (the trace goes to the server log).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic_core import from_json

from queue_server.core.errors import ApiError, invalid, storage_failure
from queue_server.web.types import bad_character

log = logging.getLogger(__name__)


def json_response(data: object, status: int = 200) -> web.Response:
    """JSON with Chinese left readable."""
    return web.json_response(data, status=status, dumps=_dumps)


async def read_json(request: web.Request, *, optional: bool = False) -> dict:
    """The request body as a JSON object, or a 422 that says why it is not one.

    For the areas not yet moved to declared schemas (:mod:`queue_server.web.api`); new routes declare theirs.
    """
    raw = await request.read()
    if not raw.strip():
        if optional:
            return {}
        raise ApiError(422, "invalid", "请求体为空，应为 JSON 对象")
    try:
        # pydantic's parser: refuses deep nesting and lone surrogates (json.loads gives a RecursionError: a 500)
        body = from_json(raw)
    except ValueError as exc:
        deep = "recursion limit" in str(exc)
        raise ApiError(422, "invalid", "请求体嵌套过深" if deep else "请求体不是合法的 JSON", field="body") from None
    if not isinstance(body, dict):
        raise ApiError(422, "invalid", "请求体应为 JSON 对象")
    return body


def field(body: dict, name: str, kind: type | tuple[type, ...], *, required: bool = True, default: object = None):
    """Take ``body[name]`` checked against ``kind`` (bool is never accepted as int)."""
    if name not in body or body[name] is None:
        if required:
            raise invalid(name, "必填")
        return default
    value = body[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise invalid(name, "类型错误")
    if not isinstance(value, kinds):
        expected = "/".join({str: "字符串", int: "整数", list: "数组", dict: "对象", bool: "布尔值", float: "数字"}.get(k, k.__name__) for k in kinds)
        raise invalid(name, f"应为{expected}")
    if isinstance(value, str) and required and not value.strip():
        raise invalid(name, "不能为空")
    if isinstance(value, str) and (reason := bad_character(value, multiline=True)):
        raise invalid(name, reason)
    return value


@web.middleware
async def error_middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Render :class:`ApiError` and aiohttp's own HTTP errors as JSON for API routes."""
    try:
        return await handler(request)
    except ApiError as exc:
        retry = exc.extra.get("retry_after")
        headers = {"Retry-After": str(retry)} if exc.status == 429 and retry is not None else None
        return web.json_response(exc.body(), status=exc.status, dumps=_dumps, headers=headers)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status, "invalid")
        message = {404: "没有这个接口", 405: "该接口不支持此请求方法", 413: "请求体过大"}.get(exc.status, exc.reason)
        return web.json_response({"error": code, "message": message}, status=exc.status, dumps=_dumps)
    except Exception as exc:
        storage = storage_failure(exc)
        if storage is not None:  # the disk, not the request: say so (503 with the cause), and the log says which
            log.error("storage failure on %s %s: %s", request.method, request.path, exc)
            return web.json_response(storage.body(), status=503, dumps=_dumps)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response({"error": "internal", "message": "服务器内部错误，请稍后重试"}, status=500, dumps=_dumps)


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)
