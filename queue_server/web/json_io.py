"""JSON out for every route: answering, and rendering errors.

Reading input is :mod:`queue_server.web.api`'s (declared schemas). Bad input is always a 4xx naming the problem; a
database the disk no longer lets us write is a 503 naming the cause; any other unexpected failure is a 500 JSON
without a stack trace (the trace goes to the server log).
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import orjson
from aiohttp import web

from queue_server.core.errors import ApiError, storage_failure

log = logging.getLogger(__name__)


def json_response(data: object, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """JSON in UTF-8, Chinese left readable.

    Serialised by orjson straight to bytes: on a hot route (a ticket issued) the standard library's encoder and
    the text-to-bytes step were a tenth of the loop's time per request.
    """
    return web.Response(body=dumps(data), status=status, headers=headers, content_type="application/json",
                        charset="utf-8")


@web.middleware
async def error_middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Render :class:`ApiError` and aiohttp's own HTTP errors as JSON for API routes."""
    try:
        return await handler(request)
    except ApiError as exc:
        retry = exc.extra.get("retry_after")
        headers = {"Retry-After": str(retry)} if exc.status == 429 and retry is not None else None
        return json_response(exc.body(), exc.status, headers)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status, "invalid")
        message = {404: "没有这个接口", 405: "该接口不支持此请求方法", 413: "请求体过大"}.get(exc.status, exc.reason)
        return json_response({"error": code, "message": message}, exc.status)
    except Exception as exc:
        storage = storage_failure(exc)
        if storage is not None:  # the disk, not the request: say so (503 with the cause), and the log says which
            log.error("storage failure on %s %s: %s", request.method, request.path, exc)
            return json_response(storage.body(), 503)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_response({"error": "internal", "message": "服务器内部错误，请稍后重试"}, 500)


def dumps(obj: object) -> bytes:
    """``obj`` as UTF-8 JSON. Keys that are not text (a window's number) become text, as the standard library
    makes them."""
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)
