"""Who may speak to the city server: each hall (its own token, writing only its own records) and the city's admins.

Tokens are stored hashed (SHA-256, as the hall's own tokens); the plain token is printed once and never kept.
"""
from __future__ import annotations

import secrets
from datetime import datetime

import asyncpg
from aiohttp import web

from queue_server.web.auth import PRINCIPAL, Principal, hash_token, presented_token

#: the city's roles: ``admin`` (the city's staff: every page and report) and ``hall`` (one hall's shipping)
CITY_ROLES = ("admin",)


def new_token() -> str:
    token = secrets.token_urlsafe(24)
    while token.startswith("-"):  # a leading dash would read as an option on a command line
        token = secrets.token_urlsafe(24)
    return token


async def add_hall(conn: asyncpg.Connection, code: str, name: str, now: datetime) -> str:
    """Register a hall (or give a registered one a new token, revoking the old); returns its token."""
    token = new_token()
    await conn.execute(
        "INSERT INTO halls (code, name, token_hash, created_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (code) DO UPDATE SET name = excluded.name, token_hash = excluded.token_hash",
        code, name, hash_token(token), now)
    return token


async def rejoin(conn: asyncpg.Connection, code: str) -> bool:
    """Forget ``code``'s high-water mark: after the hall was restored from a replica its outbox numbers again from
    where the replica stopped, and those records must not be taken for replays. False for an unknown hall."""
    return await conn.fetchval("UPDATE halls SET last_seq = 0 WHERE code = $1 RETURNING true", code) is not None


async def create_token(conn: asyncpg.Connection, role: str, name: str, now: datetime) -> str:
    """A new city token of ``role``; returns it."""
    if role not in CITY_ROLES:
        raise ValueError(f"unknown city role {role!r}; one of {', '.join(CITY_ROLES)}")
    token = new_token()
    await conn.execute("INSERT INTO city_tokens (token_hash, role, name, created_at) VALUES ($1, $2, $3, $4)",
                       hash_token(token), role, name, now)
    return token


async def lookup(pool: asyncpg.Pool, token: str) -> Principal | None:
    """The caller a token stands for: a city admin, or a hall (role ``hall``, ``name`` its code)."""
    digest = hash_token(token)
    row = await pool.fetchrow(
        "SELECT id, role, name FROM city_tokens WHERE token_hash = $1 AND revoked_at IS NULL", digest)
    if row is not None:
        return Principal(role=row["role"], window=None, name=row["name"], token_id=row["id"])
    code = await pool.fetchval("SELECT code FROM halls WHERE token_hash = $1", digest)
    return None if code is None else Principal(role="hall", window=None, name=code, token_id=0)


def authenticating(pool_key: web.AppKey) -> web.middleware:
    """A middleware that looks the presented token up in PostgreSQL once per request and leaves the caller where
    the declared routes' role check reads it (a token made with the commands works at once)."""
    @web.middleware
    async def middleware(request: web.Request, handler):
        token = presented_token(request)
        request[PRINCIPAL] = await lookup(request.app[pool_key], token) if token else None
        return await handler(request)
    return middleware
