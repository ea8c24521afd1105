"""Bearer tokens per role, stored hashed, and staff accounts with passwords.

Roles (API.md): ``admin``, ``staff`` (bound to one window), ``kiosk``, ``tablet`` (bound to one window),
``display``, ``agent`` (the device agent, which relays hardware keypads and so may act on any window).

A login session (``POST /api/login``) expires after ``[security] staff_session_hours``; device tokens made with
``govhall token create`` do not expire, and any token can be revoked (``govhall token revoke``, logout, a new
password for the 工号).
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from aiohttp import web
from sqlite_utils import Database

from queue_server.core.clock import Clock, from_iso, to_iso
from queue_server.core.db import write_transaction
from queue_server.core.errors import ApiError, forbidden, unauthorized
from queue_server.web.token_cache import Remembered, TokenCache, forget_everywhere

ROLES = ("admin", "staff", "kiosk", "tablet", "display", "agent")
#: a token's "last used" is written at most this often: a write per request would cost more than it tells
LAST_USED_EVERY = timedelta(minutes=5)
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


@functools.lru_cache(maxsize=4096)
def hash_token(token: str) -> str:
    """The stored form of a token. Remembered for the hall's few thousand live tokens: every request presents its
    token again, and hashing it again is a tenth of the lookup."""
    return hashlib.sha256(token.encode()).hexdigest()


@functools.lru_cache(maxsize=4096)
def _principal(role: str, window: int | None, name: str | None, token_id: int, staff_no: str | None) -> Principal:
    """One immutable :class:`Principal` per distinct token row (a frozen dataclass costs a few microseconds to make,
    and the same kiosk asks thousands of times)."""
    return Principal(role=role, window=window, name=name or "", token_id=token_id, staff_no=staff_no)


def create_token(db: Database, clock: Clock, role: str, window: int | None = None, name: str | None = None,
                 staff_no: str | None = None, *, expires_at: datetime | None = None) -> str:
    """Store a new token (hashed) and return it; the plain token is never stored.

    :param expires_at: when a login session ends (``None``: a device token, valid until revoked)
    """
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
            "expires_at": to_iso(expires_at) if expires_at else None,
        })
    return token


def lookup(db: Database, token: str, now: datetime | None = None,
           note_use: Callable[[int, datetime], None] | None = None,
           cache: TokenCache | None = None) -> Principal | None:
    """The principal for a presented token, or ``None`` if it is unknown, revoked or (at ``now``) expired.

    Notes when the token was last used (for ``govhall token list``), at most every :data:`LAST_USED_EVERY`: through
    ``note_use(token_id, now)`` (the server hands the note to its writer), else on ``db`` itself.

    :param cache: the server's remembered tokens (:mod:`queue_server.web.token_cache`): a token read moments ago
        is not asked of the database again.
    """
    entry = cache.fresh(token) if cache is not None else None
    if entry is None:
        generation = cache.generation if cache is not None else 0
        row = db.execute(
            "select id, role, window, name, staff_no, expires_at, last_used_at from auth_tokens "
            "where token_hash = ? and revoked_at is null",
            [hash_token(token)],
        ).fetchone()
        if row is None:
            return None
        entry = Remembered(_principal(row[1], row[2], row[3], row[0], row[4]), from_iso(row[5]), from_iso(row[6]),
                           time.monotonic())
        if cache is not None:
            cache.keep(token, entry, generation)
    if now is not None:
        if entry.expires_at is not None and entry.expires_at <= now:
            return None
        if entry.last_used_at is None or now - entry.last_used_at >= LAST_USED_EVERY:
            entry.last_used_at = now
            (note_use or functools.partial(_note_use, db))(entry.principal.token_id, now)
    return entry.principal


def _note_use(db: Database, token_id: int, now: datetime) -> None:
    if db.conn.in_transaction:  # never commit someone else's transaction early
        return
    try:
        with write_transaction(db):
            db.execute("update auth_tokens set last_used_at = ? where id = ?", [to_iso(now), token_id])
    except sqlite3.OperationalError:  # a read-only or busy database must not lock everyone out: skip the note
        pass


# -- listing and revoking (govhall token list / revoke) -----------------------------------------------------
# The plain token is never stored, so a listing shows only a prefix of its hash: enough to tell two rows apart,
# useless to anyone who reads it.

@dataclass(frozen=True)
class TokenRow:
    """One token as the listing shows it."""

    id: int
    masked: str
    role: str
    window: int | None
    name: str
    staff_no: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def list_tokens(db: Database, now: datetime, *, include_ended: bool = False) -> list[TokenRow]:
    """Every token, oldest first; without ``include_ended`` only those that still work at ``now``."""
    rows = db.execute(
        "select id, token_hash, role, window, name, staff_no, created_at, last_used_at, expires_at, revoked_at "
        "from auth_tokens order by id").fetchall()
    tokens = [TokenRow(r[0], f"{r[1][:8]}…", r[2], r[3], r[4] or "", r[5], from_iso(r[6]), from_iso(r[7]),
                       from_iso(r[8]), from_iso(r[9])) for r in rows]
    return tokens if include_ended else [t for t in tokens if t.state(now) == "active"]


def revoke_token(db: Database, clock: Clock, token_id: int) -> bool:
    """Revoke the token with ``token_id``; False when there is no such token or it was already revoked.

    A revoked staff session also clears who is on duty at its window (the tablet stops showing them).
    """
    now = to_iso(clock.now())
    with write_transaction(db):
        row = db.execute("select staff_no, window from auth_tokens where id = ? and revoked_at is null",
                         [token_id]).fetchone()
        if row is None:
            return False
        db.execute("update auth_tokens set revoked_at = ? where id = ?", [now, token_id])
        staff_no, window = row
        if staff_no is not None and window is not None:
            db.execute("update windows set staff_no = null, staff_name = null, updated_at = ? "
                       "where number = ? and staff_no = ?", [now, window, staff_no])
    forget_everywhere()
    return True


def presented_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    return request.query.get("token") or None


#: the server's remembered tokens (absent: every request asks the database)
TOKEN_CACHE: web.AppKey[TokenCache] = web.AppKey("token_cache", TokenCache)

#: the request's caller once known: looked up once per request (the declared roles and the handler both ask), or
#: left there by a server that resolves tokens itself (the city server, over PostgreSQL)
PRINCIPAL: web.RequestKey[Principal | None] = web.RequestKey("principal", object)


def principal(request: web.Request) -> Principal | None:
    """The caller if it presented a valid token, else ``None`` (for routes open to anyone)."""
    if PRINCIPAL in request:
        return request[PRINCIPAL]
    request[PRINCIPAL] = who = _lookup_principal(request)
    return who


def _lookup_principal(request: web.Request) -> Principal | None:
    from queue_server.keys import CLOCK, DB, WRITER

    token = presented_token(request)
    if not token:
        return None
    writer = request.app.get(WRITER)

    def note_use(token_id: int, now: datetime) -> None:
        # the note is not the caller's business: it goes to the writer and nobody waits for it
        task = asyncio.get_running_loop().create_task(_note_use_later(writer, token_id, now))
        _NOTES.add(task)
        task.add_done_callback(_NOTES.discard)

    return lookup(request.app[DB], token, request.app[CLOCK].now(),
                  note_use if writer is not None and writer.running else None, request.app.get(TOKEN_CACHE))


#: notes of use on their way to the writer (kept so they are not collected before they run)
_NOTES: set[asyncio.Task] = set()


async def _note_use_later(writer, token_id: int, now: datetime) -> None:
    try:
        await writer.run(lambda db: db.execute("update auth_tokens set last_used_at = ? where id = ?",
                                               [to_iso(now), token_id]))
    except sqlite3.OperationalError:  # a read-only or busy database must not lock anyone out: skip the note
        pass


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


#: scrypt's cost: ~60 ms of one core per check, which is why checks run off the event loop
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
#: password checks run here, never on the event loop (scrypt would stall every request in the hall); two threads
#: keep a burst of logins from taking every core, and the login guards bound how many arrive at all
_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="govhall-scrypt")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest)


@cache
def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown 工号 so that they take as long as real ones."""
    return hash_password(secrets.token_urlsafe(32))


async def check_password_off_loop(password: str, stored: str | None) -> bool:
    """:func:`check_password` in the hashing threads; ``stored=None`` (no such account) costs the same and fails."""
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(_HASHING, check_password, password, stored or _dummy_hash())
    return ok and stored is not None


def add_staff(db: Database, clock: Clock, staff_no: str, name: str, role: str, password: str) -> int:
    """Create or replace a staff account (工号); replacing one (a new password) ends its login sessions.

    :returns: how many sessions were revoked
    """
    if role not in STAFF_ACCOUNT_ROLES:
        raise ValueError(f"角色应为 {'、'.join(STAFF_ACCOUNT_ROLES)} 之一")
    if len(password) < 6:
        raise ValueError("密码至少 6 位")
    now = to_iso(clock.now())
    with write_transaction(db):
        db["staff"].upsert({
            "staff_no": staff_no, "name": name, "role": role, "password_hash": hash_password(password),
            "created_at": now, "active": 1,
        }, pk="staff_no")
        # whoever learnt the old password keeps nothing: every session of the 工号 ends now
        revoked = db.execute("update auth_tokens set revoked_at = ? where staff_no = ? and revoked_at is null",
                             [now, staff_no]).rowcount
        if revoked:
            db.execute("update windows set staff_no = null, staff_name = null, updated_at = ? where staff_no = ?",
                       [now, staff_no])
    if revoked:
        forget_everywhere()
    return revoked


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
                session_hours: float, on_login: Callable[[int, str, str], object] | None = None) -> tuple[str, dict]:
    """Check a staff member's password (off the event loop, as long for an unknown 工号 as for a real one) and
    issue a session token of their role (staff tokens bound to ``window``) that expires after ``session_hours``.

    The new token is written by the ``writer`` (:class:`queue_server.core.writer.Writer`), so neither the scrypt
    check nor the write holds up the event loop.

    :param on_login: ``(window, staff_no, name)`` for a counter staff member, run in the same write (the hall
        records who is on duty).
    :raises ApiError: 401 for a wrong 工号 or password (the same answer for both).
    """
    row = db.execute("select name, role, password_hash, active from staff where staff_no = ?", [staff_no]).fetchone()
    stored = row[2] if row is not None and row[3] else None
    if not await check_password_off_loop(password, stored):
        raise ApiError(401, "unauthorized", "工号或密码错误")
    name, role = row[0], row[1]
    if role == "staff" and window is None:
        raise ApiError(422, "invalid", "窗口人员登录需选择窗口", field="window")
    bound = window if role == "staff" else None
    expires = clock.now() + timedelta(hours=session_hours)

    def write(wdb: Database) -> str:
        token = create_token(wdb, clock, role, bound, name=name, staff_no=staff_no, expires_at=expires)
        if bound is not None and on_login is not None:
            on_login(bound, staff_no, name)
        return token

    token = await writer.run(write)
    return token, {"role": role, "window": bound, "name": name, "staff_no": staff_no, "expires_at": to_iso(expires)}
