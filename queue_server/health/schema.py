"""The device-health table: the newest report of each device from each source (agent, kiosk)."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.devices")


@migrations(name="m001_device_reports")
def _m001(db: Database) -> None:
    db["device_reports"].create({
        "source": str, "device": str, "kind": str, "ok": int, "detail": str, "reported_at": str,
    }, pk=("source", "device"), not_null={"source", "device", "ok", "reported_at"})
