"""The errors every area raises for its callers: ``ApiError`` with a code from API.md and a Chinese message.

They carry no HTTP machinery: :mod:`queue_server.web.json_io` renders them as ``{"error": code, "message": 中文说明}``.
"""
from __future__ import annotations


class ApiError(Exception):
    """An error the API reports to its caller.

    :param status: HTTP status.
    :param code: machine-readable code from API.md (``invalid``, ``not_found``, ``conflict``…).
    :param message: what went wrong, in Chinese, naming the field where there is one.
    """

    def __init__(self, status: int, code: str, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict:
        return {"error": self.code, "message": self.message, **self.extra}


def invalid(field: str, message: str) -> ApiError:
    """422 for a field that is missing, of the wrong type or out of range.

    :param field: the request field's English name, for programs (the answer's ``field`` key).
    :param message: the whole message in Chinese, naming the field in Chinese: a kiosk shows it to citizens as it is,
        so it carries no English prefix.
    """
    return ApiError(422, "invalid", message, field=field)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def conflict(message: str, code: str = "conflict") -> ApiError:
    return ApiError(409, code, message)


def unauthorized(message: str = "缺少或无效的访问令牌") -> ApiError:
    return ApiError(401, "unauthorized", message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)
