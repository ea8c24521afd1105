"""The city's schema: plain SQL files in ``queue_server/city/sql/`` (``NNN_name.sql``), applied in order, each in
its own transaction with its row in ``schema_migrations``. Never edit an applied file: add the next one."""
from __future__ import annotations

import json
from pathlib import Path

import asyncpg

SQL_DIR = Path(__file__).resolve().parent / "sql"
#: taken for the whole run, so two servers starting at once do not apply the same file twice
_LOCK_KEY = 0x60E4A11


def migration_files() -> list[Path]:
    """Every schema file, in the order they apply (by their number)."""
    return sorted(SQL_DIR.glob("[0-9][0-9][0-9]_*.sql"))


async def migrate(conn: asyncpg.Connection) -> list[str]:
    """Apply every file not yet applied; returns the names applied now."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                           "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
        for path in migration_files():
            if path.stem in done:
                continue
            async with conn.transaction():
                await conn.execute(path.read_text("utf-8"))
                await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", path.stem)
            applied_now.append(path.stem)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now


async def json_codec(conn: asyncpg.Connection) -> None:
    """jsonb in and out as Python objects (the heartbeat, the units' names, the questionnaires)."""
    await conn.set_type_codec("jsonb", encoder=lambda v: json.dumps(v, ensure_ascii=False), decoder=json.loads,
                              schema="pg_catalog")


async def connect(dsn: str) -> asyncpg.Connection:
    """One connection with the schema up to date and :func:`json_codec` (the commands' way in)."""
    conn = await asyncpg.connect(dsn)
    await json_codec(conn)
    await migrate(conn)
    return conn
