"""Baseline for bench.tickets: the least a durable ticket server can do — aiohttp + one sqlite3 insert per request
(WAL, synchronous=FULL), no validation, no numbering, no events; its ``/api/health`` is a ``select 1``."""
from __future__ import annotations

import sqlite3
import sys

from aiohttp import web


def main() -> None:
    db_path, port = sys.argv[1], int(sys.argv[2])
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("pragma journal_mode=WAL")
    conn.execute("pragma synchronous=FULL")
    conn.execute("create table if not exists t (id integer primary key, service text, request_id text)")

    async def insert(request: web.Request) -> web.Response:
        body = await request.json()
        cur = conn.execute("insert into t (service, request_id) values (?, ?)", [body["service"], body["request_id"]])
        return web.json_response({"id": cur.lastrowid}, status=201)

    async def health(request: web.Request) -> web.Response:
        conn.execute("select 1").fetchone()
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/api/tickets", insert)
    app.router.add_get("/api/health", health)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
