"""Online backup and tested restore of the hall's SQLite file.

The backup uses SQLite's online backup API, so it runs while the server keeps issuing tickets and yields a
consistent snapshot: everything committed (hence everything acknowledged) before it started is in it. A restore
checks the backup's integrity first and never half-overwrites a database.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


class BackupError(Exception):
    """A backup or restore that must not go ahead, with the reason in Chinese."""


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of a database file (``"ok"`` when sound)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("pragma integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return f"不是有效的数据库文件（{exc}）"
    finally:
        conn.close()


def hold_server_lock(db_path: Path) -> IO:
    """Take the lock a running server holds on its database for its whole life; keep the returned file open.

    :raises BackupError: when another process holds it (a second server, or a restore in progress).
    """
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    handle = open(Path(str(db_path) + ".lock"), "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BackupError(f"{db_path} 正在被另一个 govhall 服务使用，请先停止它") from None
    return handle


@contextmanager
def _server_stopped(db_path: Path) -> Iterator[None]:
    handle = hold_server_lock(db_path)
    try:
        yield
    finally:
        handle.close()


def backup(db_path: Path, target: Path) -> dict:
    """Copy the live database to ``target`` (a new file); return counts to show the operator."""
    db_path, target = Path(db_path), Path(target)
    if not db_path.exists():
        raise BackupError(f"数据库不存在：{db_path}")
    if target.exists():
        raise BackupError(f"目标文件已存在，不会覆盖：{target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(str(db_path), timeout=30)
    dest = sqlite3.connect(str(partial))
    try:
        source.backup(dest, pages=1024)
        dest.execute("pragma journal_mode=DELETE")  # a backup is one self-contained file
    finally:
        dest.close()
        source.close()
    check = integrity(partial)
    if check != "ok":
        partial.unlink()
        raise BackupError(f"备份完整性检查失败：{check}")
    os.replace(partial, target)
    return summary(target)


def restore(backup_path: Path, db_path: Path, *, force: bool = False) -> dict:
    """Replace ``db_path`` with a verified backup. Stop the server first; ``force`` overwrites an existing file."""
    backup_path, db_path = Path(backup_path), Path(db_path)
    if not backup_path.exists():
        raise BackupError(f"备份文件不存在：{backup_path}")
    check = integrity(backup_path)
    if check != "ok":
        raise BackupError(f"备份文件已损坏，未恢复：{check}")
    if db_path.exists() and not force:
        raise BackupError(f"{db_path} 已存在；确认已停止服务后加 --force 覆盖")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _server_stopped(db_path):
        staging = db_path.with_name(db_path.name + ".restoring")
        source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
        dest = sqlite3.connect(str(staging))
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.replace(staging, db_path)
    return summary(db_path)


def summary(path: Path) -> dict:
    """Size, tickets and applied migrations of a database file, to show the operator."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
        tickets = conn.execute("select count(*) from tickets").fetchone()[0] if "tickets" in tables else 0
        migrations = conn.execute("select count(*) from _sqlite_migrations").fetchone()[0] if "_sqlite_migrations" in tables else 0
    finally:
        conn.close()
    return {"path": str(path), "bytes": path.stat().st_size, "tickets": tickets, "migrations": migrations}
