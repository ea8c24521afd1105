"""Bearer tokens per role, stored hashed, and staff accounts with passwords.

Roles (API.md): ``admin``, ``staff`` (bound to one window), ``kiosk``, ``tablet`` (bound to one window),
``display``, ``agent`` (the device agent, which relays hardware keypads and so may act on any window).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from sqlite_utils import Database

from queue_server.core.clock import Clock, to_iso
from queue_server.core.db import write_transaction
from queue_server.core.errors import ApiError, forbidden, unauthorized

ROLES = ("admin", "staff", "kiosk", "tablet", "display", "agent")
WINDOW_BOUND_ROLES = ("staff", "tablet")
STAFF_ACCOUNT_ROLES = ("staff", "admin")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's role, its window binding and a display name for logs."""

    role: str
    window: int | None
    name: str
    token_id: int
    staff_no: str | None = None

    @property
    def actor(self) -> str:
        """How the ticket log names this caller."""
        who = self.staff_no or self.name or f"token{self.token_id}"
        return f"{self.role}:{who}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Database, clock: Clock, role: str, window: int | None = None, name: str | None = None,
                 staff_no: str | None = None) -> str:
    """Store a new token (hashed) and return it; the plain token is never stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role in WINDOW_BOUND_ROLES and window is None:
        raise ValueError(f"a {role} token needs --window")
    token = secrets.token_urlsafe(24)
    while token.startswith("-"):  # a leading dash would read as an option on a command line
        token = secrets.token_urlsafe(24)
    with write_transaction(db):
        db["auth_tokens"].insert({
            "token_hash": hash_token(token), "role": role, "window": window, "name": name or role,
            "staff_no": staff_no, "created_at": to_iso(clock.now()),
        })
    return token


def lookup(db: Database, token: str) -> Principal | None:
    """The principal for a presented token, or ``None`` if it is unknown or revoked."""
    row = db.execute(
        "select id, role, window, name, staff_no from auth_tokens where token_hash = ? and revoked_at is null",
        [hash_token(token)],
    ).fetchone()
    if row is None:
        return None
    return Principal(role=row[1], window=row[2], name=row[3] or "", token_id=row[0], staff_no=row[4])


def presented_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    return request.query.get("token") or None


def principal(request: web.Request) -> Principal | None:
    """The caller if it presented a valid token, else ``None`` (for routes open to anyone)."""
    from queue_server.keys import DB

    token = presented_token(request)
    return lookup(request.app[DB], token) if token else None


def require(request: web.Request, *roles: str, window: int | None = None) -> Principal:
    """The caller, who must hold one of ``roles``; window-bound roles must be bound to ``window`` when given.

    :raises ApiError: 401 without a valid token, 403 for the wrong role or window.
    """
    who = principal(request)
    if who is None:
        raise unauthorized()
    if who.role not in roles:
        raise forbidden(f"此操作需要以下角色之一：{', '.join(roles)}（当前为 {who.role}）")
    if window is not None and who.role in WINDOW_BOUND_ROLES and who.window != window:
        raise forbidden(f"该令牌绑定 {who.window} 号窗口，不能操作 {window} 号窗口")
    return who


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest)


def add_staff(db: Database, clock: Clock, staff_no: str, name: str, role: str, password: str) -> None:
    """Create or replace a staff account (工号)."""
    if role not in STAFF_ACCOUNT_ROLES:
        raise ValueError(f"角色应为 {'、'.join(STAFF_ACCOUNT_ROLES)} 之一")
    if len(password) < 6:
        raise ValueError("密码至少 6 位")
    with write_transaction(db):
        db["staff"].upsert({
            "staff_no": staff_no, "name": name, "role": role, "password_hash": hash_password(password),
            "created_at": to_iso(clock.now()), "active": 1,
        }, pk="staff_no")


PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def set_staff_photo(db: Database, staff_no: str, photo: Path | None) -> None:
    """Record the photo file shown on the counter tablet for ``staff_no`` (``None`` removes it).

    :param photo: a JPEG or PNG file; its absolute path is stored, so the server finds it whatever its directory
    """
    if photo is not None:
        photo = photo.resolve()
        if photo.suffix.lower() not in PHOTO_TYPES:
            raise ValueError("照片应为 JPG 或 PNG 文件")
        if not photo.is_file():
            raise ValueError(f"找不到照片文件 {photo}")
    with write_transaction(db):
        if db.execute("select 1 from staff where staff_no = ?", [staff_no]).fetchone() is None:
            raise ValueError(f"没有工号 {staff_no}")
        db.execute("update staff set photo = ? where staff_no = ?", [str(photo) if photo else None, staff_no])


def staff_photo(db: Database, staff_no: str) -> Path | None:
    """The photo file of an active staff member, if one is recorded and still on disk."""
    row = db.execute("select photo from staff where staff_no = ? and active", [staff_no]).fetchone()
    path = Path(row[0]) if row and row[0] else None
    return path if path is not None and path.is_file() else None


async def login(db: Database, writer, clock: Clock, staff_no: str, password: str, window: int | None,
                on_login: Callable[[int, str, str], object] | None = None) -> tuple[str, dict]:
    """Check a staff member's password and issue a token of their role (staff tokens bound to ``window``).

    The scrypt check (tens of milliseconds of CPU) runs in a worker thread, the new token is written by the
    ``writer`` (:class:`queue_server.core.writer.Writer`): neither holds up the event loop.

    :param on_login: ``(window, staff_no, name)`` for a counter staff member, run in the same write (the hall
        records who is on duty).
    """
    row = db.execute("select name, role, password_hash, active from staff where staff_no = ?", [staff_no]).fetchone()
    ok = row is not None and bool(row[3]) and await asyncio.get_running_loop().run_in_executor(
        None, check_password, password, row[2])
    if not ok:
        raise ApiError(401, "unauthorized", "工号或密码错误")
    name, role = row[0], row[1]
    if role == "staff" and window is None:
        raise ApiError(422, "invalid", "window: 窗口人员登录需选择窗口")
    bound = window if role == "staff" else None

    def write(wdb: Database) -> str:
        token = create_token(wdb, clock, role, bound, name=name, staff_no=staff_no)
        if bound is not None and on_login is not None:
            on_login(bound, staff_no, name)
        return token

    token = await writer.run(write)
    return token, {"role": role, "window": bound, "name": name, "staff_no": staff_no}
