"""Device health as the hall's machines report it: the device agent (buses, screens, keypads, voice) and the kiosks
(their printers). A report is also a heartbeat: a source that stops reporting counts as down."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from queue_server.core.clock import from_iso, to_iso
from queue_server.core.db import write_transaction

#: a source silent for longer than this is shown as down (agents report every 10 s)
STALE_AFTER = timedelta(seconds=60)


def record(db: Database, source: str, devices: list[dict], now: datetime) -> int:
    """Store one source's report; devices it no longer lists are forgotten."""
    with write_transaction(db):
        db.execute("delete from device_reports where source = ?", [source])
        for item in devices:
            db.execute(
                "insert into device_reports (source, device, kind, ok, detail, reported_at) values (?, ?, ?, ?, ?, ?)",
                [source, item["device"], item.get("kind"), 1 if item["ok"] else 0, item.get("detail"), to_iso(now)])
    return len(devices)


def current(db: Database, now: datetime, tz) -> list[dict]:
    """Every reported device with its state, in each source's own order (window 3 before window 30); a silent
    source's devices are down with 心跳超时."""
    rows = db.execute("select source, device, kind, ok, detail, reported_at from device_reports order by source, rowid").fetchall()
    result = []
    for source, device, kind, ok, detail, reported_at in rows:
        seen = from_iso(reported_at)
        stale = now - seen > STALE_AFTER
        result.append({
            "source": source, "device": device, "kind": kind, "ok": bool(ok) and not stale,
            "detail": "心跳超时，设备代理或终端可能已离线" if stale else detail,
            "last_seen": seen.astimezone(tz).isoformat(timespec="seconds"),
        })
    return result
