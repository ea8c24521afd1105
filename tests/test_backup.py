"""A backup taken while the server issues tickets restores to a sound database holding every acknowledged ticket."""
from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent


def govhall(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "queue_server", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


async def test_backup_under_load_and_restore(server_process, tmp_path):
    token = server_process.token("kiosk")
    acknowledged: list[str] = []
    stop = asyncio.Event()

    async def issue() -> None:
        async with aiohttp.ClientSession() as http:
            i = 0
            while not stop.is_set():
                i += 1
                async with http.post(f"{server_process.url}/api/tickets", json={"service": "id_card", "request_id": f"b{i}"},
                                     headers={"Authorization": f"Bearer {token}"}) as r:
                    assert r.status == 201
                    acknowledged.append((await r.json())["number"])

    writer = asyncio.create_task(issue())
    while len(acknowledged) < 30:
        await asyncio.sleep(0.01)
    before = list(acknowledged)
    backup_file = tmp_path / "backup" / "hall-backup.db"
    result = await asyncio.to_thread(govhall, "backup", "--db", str(server_process.db_path), "--to", str(backup_file))
    assert result.returncode == 0, result.stderr
    assert "完整性检查通过" in result.stdout
    while len(acknowledged) < len(before) + 10:  # the server kept issuing during and after the backup
        await asyncio.sleep(0.01)
    stop.set()
    await writer

    # restoring over a database a running server holds is refused
    refused = govhall("restore", "--from", str(backup_file), "--db", str(server_process.db_path), "--force")
    assert refused.returncode == 1 and "停止" in refused.stderr

    restored = tmp_path / "restored.db"
    result = govhall("restore", "--from", str(backup_file), "--db", str(restored))
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(restored)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    numbers = {row[0] for row in conn.execute("select number from tickets")}
    conn.close()
    assert set(before) <= numbers


def test_restore_refuses_a_damaged_backup(tmp_path):
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = govhall("restore", "--from", str(damaged), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 1 and "恢复失败" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()
