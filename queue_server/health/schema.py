"""The device-health table: the newest report of each device from each source (agent, kiosk), with the token that
made it."""
from __future__ import annotations

import re

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.devices")


@migrations(name="m001_device_reports")
def _m001(db: Database) -> None:
    db["device_reports"].create({
        "source": str, "device": str, "kind": str, "ok": int, "detail": str, "reported_at": str,
    }, pk=("source", "device"), not_null={"source", "device", "ok", "reported_at"})


@migrations(name="m002_write_probe")
def _m002(db: Database) -> None:
    # /api/health writes one row here to learn whether the database can still be written (a disk gone read-only
    # still answers reads, so "select 1" alone reported "ok" while every write failed)
    db["health_probe"].create({"id": int, "at": str}, pk="id")


@migrations(name="m003_report_token")
def _m003(db: Database) -> None:
    # which token made each report, so a revoked token's devices leave the live list (health.store.current); the
    # reports made before carry it in their source, "role:name#ID" or "role:name#ID@window"
    db["device_reports"].add_column("token_id", int)
    for (source,) in db.execute("select distinct source from device_reports").fetchall():
        found = re.search(r"#(\d+)(?:@\d+)?$", source)
        if found:
            db.execute("update device_reports set token_id = ? where source = ?", [int(found.group(1)), source])


@migrations(name="m004_drop_unowned_reports")
def _m004(db: Database) -> None:
    # m003 read the token from the source's tail, but sources named their token only from 98f6ace on: an older row
    # ("kiosk:取号机", "tablet:tablet@3") has none, and one whose name ends in "#2" was given token 2. Each was
    # superseded the day its machine first reported under its token-keyed source and is never written again, so
    # it stayed "down" (心跳超时) for ever beside the machine's live row. A row stays only if its source is exactly
    # what its token writes (health.routes: "role:name#ID", "@window" for a window-bound one).
    tokens = {token_id: f"{role}:{name or ''}#{token_id}" + (f"@{window}" if window else "")
              for token_id, role, name, window in db.execute("select id, role, name, window from auth_tokens")}
    for source, token_id in db.execute("select distinct source, token_id from device_reports").fetchall():
        if tokens.get(token_id) != source:
            db.execute("delete from device_reports where source = ?", [source])
