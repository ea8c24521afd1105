"""Device health as the hall's machines report it: the device agent (buses, screens, keypads, voice) and the kiosks
(their printers). A report is also a heartbeat: a source that stops reporting counts as down — unless its token was
revoked (``govhall token revoke``, a logout) or has expired: the machine was retired or given a new token, so its
last reports are kept, apart, as retired devices instead of staying "down" for ever."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from queue_server.core.clock import from_iso, to_iso
from queue_server.core.db import write_transaction

#: a source silent for longer than this is shown as down (agents report every 10 s)
STALE_AFTER = timedelta(seconds=60)


def record(db: Database, source: str, devices: list[dict], now: datetime, token_id: int | None = None) -> int:
    """Store one source's report, made with the token ``token_id``; devices it no longer lists are forgotten."""
    with write_transaction(db):
        db.execute("delete from device_reports where source = ?", [source])
        for item in devices:
            db.execute(
                "insert into device_reports (source, device, kind, ok, detail, reported_at, token_id) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                [source, item["device"], item.get("kind"), 1 if item["ok"] else 0, item.get("detail"), to_iso(now),
                 token_id])
    return len(devices)


def current(db: Database, now: datetime, tz) -> tuple[list[dict], list[dict]]:
    """(live, retired): every reported device with its state, in each source's own order (window 3 before window
    30). Live: a silent source's devices are down with 心跳超时. Retired: the last reports made with a token since
    revoked or expired, each with ``retired_at``."""
    at = to_iso(now)
    rows = db.execute(
        "select r.source, r.device, r.kind, r.ok, r.detail, r.reported_at, "
        "case when a.revoked_at is not null then a.revoked_at when a.expires_at <= ? then a.expires_at end "
        "from device_reports r left join auth_tokens a on a.id = r.token_id order by r.source, r.rowid",
        [at]).fetchall()
    live, retired = [], []
    for source, device, kind, ok, detail, reported_at, ended in rows:
        seen = from_iso(reported_at)
        item = {"source": source, "device": device, "kind": kind,
                "last_seen": seen.astimezone(tz).isoformat(timespec="seconds")}
        if ended is not None:
            retired.append({**item, "ok": bool(ok), "detail": detail,
                            "retired_at": from_iso(ended).astimezone(tz).isoformat(timespec="seconds")})
            continue
        stale = now - seen > STALE_AFTER
        live.append({**item, "ok": bool(ok) and not stale,
                     "detail": "心跳超时，设备代理或终端可能已离线" if stale else detail})
    return live, retired
