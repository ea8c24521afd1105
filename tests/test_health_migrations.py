"""The device-health migrations on a real SQLite file as an older server left it: m003 reads each report's token
from its source ("role:name#ID" or "role:name#ID@window") and m004 drops the reports no token can own (a source
from before sources named their token: "role:name", "role:name@window"), so that after the upgrade /api/health
lists every machine once, a revoked token's devices as retired and nothing as down for ever."""
from __future__ import annotations

from datetime import timedelta

import aiohttp
from aiohttp.test_utils import TestServer

from queue_server.app import create_app, migration_sets, open_database
from queue_server.core.clock import to_iso
from queue_server.core.db import connect
from queue_server.web.auth import create_token, revoke_token
from tests.apiclient import Api


def _old_database(path, clock) -> dict[str, int]:
    """Every migration but health's m003 and later, tokens as a hall has them, and the reports that server wrote."""
    db = connect(path)
    for migrations in migration_sets():
        if migrations.name == "govhall.devices":
            migrations.apply(db, stop_before="m003_report_token")
        else:
            migrations.apply(db)
    tokens = {name: create_token(db, clock, role, window, name=name) for name, role, window in (
        ("hall-agent", "agent", None), ("取号机#2", "kiosk", None), ("old-kiosk", "kiosk", None),
        ("tablet", "tablet", 3))}
    ids = {name: db.execute("select id from auth_tokens where name = ?", [name]).fetchone()[0] for name in tokens}
    revoke_token(db, clock, ids["old-kiosk"])
    seen = to_iso(clock.now() - timedelta(seconds=5))
    sources = [f"agent:hall-agent#{ids['hall-agent']}", f"kiosk:取号机#2#{ids['取号机#2']}",
               f"kiosk:old-kiosk#{ids['old-kiosk']}", f"tablet:tablet#{ids['tablet']}@3",
               # written before sources named their token: superseded by the rows above, never refreshed again
               "kiosk:取号机#2", "agent:hall-agent", "tablet:tablet@3"]
    for source in sources:
        db.execute("insert into device_reports (source, device, kind, ok, detail, reported_at) "
                   "values (?, ?, 'printer', 1, null, ?)", [source, f"{source} 打印机", seen])
    db.conn.commit()
    db.close()
    return ids


async def test_reports_of_an_older_server_after_the_upgrade(hall_config, db_path, clock):
    """GIVEN a database an older server left: token-keyed reports (one of a name ending in "#2", one at window 3,
    one of a token since revoked) and reports from before sources named their token WHEN the server starts on it
    THEN each token-keyed report knows its token, health lists every live machine once and healthy, the revoked
    token's device as retired, and none of the older rows (neither down for ever nor given a stranger's token)."""
    ids = _old_database(db_path, clock)
    db = open_database(db_path)
    owners = dict(db.execute("select source, token_id from device_reports").fetchall())
    assert owners == {f"agent:hall-agent#{ids['hall-agent']}": ids["hall-agent"],
                      f"kiosk:取号机#2#{ids['取号机#2']}": ids["取号机#2"],
                      f"kiosk:old-kiosk#{ids['old-kiosk']}": ids["old-kiosk"],
                      f"tablet:tablet#{ids['tablet']}@3": ids["tablet"]}
    server = TestServer(create_app(hall_config, db=db, clock=clock, open_all_hours=True), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            status, health = await Api(http, str(server.make_url(""))).get("/api/health")
    finally:
        await server.close()
        db.close()
    assert status == 200 and health["devices_down"] == 0, health
    assert sorted(d["source"] for d in health["devices"]) == sorted(
        s for s in owners if "old-kiosk" not in s)
    assert [d["source"] for d in health["retired_devices"]] == [f"kiosk:old-kiosk#{ids['old-kiosk']}"]
