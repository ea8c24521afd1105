"""Issue 13, findings 11 and 12: health tells the truth about a database that cannot be written, and each kiosk's
device report keeps its own name; a revoked token's devices are retired, not down for ever.

The read-only disk is the real SQLite refusal: ``PRAGMA query_only`` makes the writer's connection (the one every
write goes through) answer every write with ``SQLITE_READONLY``, as a disk remounted read-only does (root ignores
file modes, so chmod cannot).
"""
from __future__ import annotations

import subprocess
import sys

import aiohttp
import pytest

from queue_server.keys import WRITER
from tests.apiclient import Api

pytestmark = pytest.mark.open_all_hours


@pytest.fixture
async def api(server):
    async with aiohttp.ClientSession() as session:
        yield Api(session, server.url)


async def test_a_read_only_database_is_reported_by_health_and_writes_answer_503_with_the_cause(server, api):
    kiosk = api.as_(server.token("kiosk"))
    status, health = await api.get("/api/health")
    assert status == 200 and health["db"] == "ok"
    writer = server.app[WRITER]
    await writer.run(lambda db: db.execute("PRAGMA query_only = ON"))
    status, health = await api.get("/api/health")
    assert status == 503 and health["db"] == "read_only" and health["status"] == "degraded"
    assert health["message"] == "数据库磁盘为只读，暂时无法保存，请联系管理员"
    status, reply = await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "ro-1"})
    assert status == 503 and reply == {"error": "unavailable", "cause": "SQLITE_READONLY",
                                       "message": "数据库磁盘为只读，暂时无法保存，请联系管理员"}
    status, hall = await api.get("/api/hall")
    assert status == 200, "reads still work, so the displays keep showing the queue"
    # the disk is writable again: the writer's next connection is (its old one refuses even to begin)
    await writer.stop()
    writer.start()
    assert (await api.get("/api/health"))[0] == 200
    assert (await kiosk.post("/api/tickets", {"service": "bdc_transfer", "request_id": "ro-1"}))[0] == 201


async def test_kiosks_set_up_alike_keep_their_own_device_state(server, api):
    """Two kiosks with tokens made the same way (`token create --role kiosk`, no name) report their printers."""
    east, west = api.as_(server.token("kiosk")), api.as_(server.token("kiosk"))
    status, first = await east.post("/api/devices/report", {"devices": [
        {"device": "取号机打印机", "kind": "printer", "ok": False, "detail": "缺纸"}]})
    assert status == 200
    status, second = await west.post("/api/devices/report", {"devices": [
        {"device": "取号机打印机", "kind": "printer", "ok": True}]})
    assert status == 200 and first["source"] != second["source"]
    _, health = await api.get("/api/health")
    printers = {d["source"]: (d["ok"], d["detail"]) for d in health["devices"]}
    assert printers == {first["source"]: (False, "缺纸"), second["source"]: (True, None)}
    assert health["devices_down"] == 1


async def test_a_revoked_tokens_devices_are_retired_not_down(server, api, db_path):
    """GIVEN two kiosks reporting their printers, one out of paper WHEN that kiosk's token is revoked with
    `govhall token revoke` (the machine retired) THEN health lists its printer apart as retired (with its last report
    and when it was retired), no longer among the devices nor counted down, even once its heartbeat is long stale;
    the other kiosk's printer goes on as before. The report row itself is kept."""
    old, new = api.as_(server.token("kiosk")), api.as_(server.token("kiosk"))
    _, retiring = await old.post("/api/devices/report", {"devices": [
        {"device": "取号机打印机", "kind": "printer", "ok": False, "detail": "缺纸"}]})
    _, staying = await new.post("/api/devices/report", {"devices": [{"device": "取号机打印机", "ok": True}]})
    token_id = retiring["source"].rsplit("#", 1)[1]
    revoke = subprocess.run([sys.executable, "-m", "queue_server", "token", "revoke", "--db", str(db_path), token_id],
                            capture_output=True, text=True)
    assert revoke.returncode == 0, revoke.stderr
    _, health = await api.get("/api/health")
    assert [d["source"] for d in health["devices"]] == [staying["source"]] and health["devices_down"] == 0
    [retired] = health["retired_devices"]
    assert (retired["source"], retired["device"], retired["ok"], retired["detail"]) == (
        retiring["source"], "取号机打印机", False, "缺纸")
    assert retired["retired_at"] and retired["last_seen"]
    server.clock.advance(3600)  # an hour without a heartbeat from either
    _, health = await api.get("/api/health")
    assert [(d["source"], d["ok"]) for d in health["devices"]] == [(staying["source"], False)]
    assert health["devices_down"] == 1 and [d["source"] for d in health["retired_devices"]] == [retiring["source"]]
    assert server.db["device_reports"].count == 2
    assert (await old.post("/api/devices/report", {"devices": []}))[0] == 401
