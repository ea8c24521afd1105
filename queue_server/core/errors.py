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


#: SQLite failures that are the storage's fault, not the request's: answered 503 with the cause, never a bare 500
_STORAGE_FAILURES = {
    "SQLITE_READONLY": "数据库磁盘为只读，暂时无法保存，请联系管理员",
    "SQLITE_FULL": "数据库磁盘已满，暂时无法保存，请联系管理员",
    "SQLITE_IOERR": "数据库磁盘读写出错，暂时无法保存，请联系管理员",
    "SQLITE_CANTOPEN": "无法打开数据库文件，请联系管理员",
    "SQLITE_BUSY": "数据库繁忙，请稍后重试",
    "SQLITE_LOCKED": "数据库繁忙，请稍后重试",
}


def storage_failure(exc: BaseException) -> ApiError | None:
    """The 503 ``unavailable`` answer for an SQLite error caused by the storage (read-only or full disk, I/O error,
    lock), or ``None`` for any other exception. Extended codes (``SQLITE_READONLY_DBMOVED``…) map by their base."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    base = next((key for key in _STORAGE_FAILURES if name == key or name.startswith(key + "_")), None)
    if base is None and "readonly database" in str(exc):
        base = "SQLITE_READONLY"
    return ApiError(503, "unavailable", _STORAGE_FAILURES[base], cause=base) if base else None
