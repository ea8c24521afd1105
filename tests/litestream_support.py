"""A real ``litestream replicate`` process running the configuration deploy/ installs, pointed at a test's database
and a ``file://`` replica in the test's folder (used by tests/test_litestream.py and bench/replication.py)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from queue_server.backup.replica import litestream_binary, restore_latest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_CONFIG = ROOT / "deploy" / "litestream.yml"
#: the paths deploy/litestream.yml names on a hall's server PC
HALL_DB, HALL_REPLICA = "/var/lib/govhall/govhall.db", "/mnt/govhall-replica/govhall"


def _seconds(key: str) -> float:
    return float(re.search(rf"^\s*{key}: (\d+(?:\.\d+)?)s$", DEPLOY_CONFIG.read_text(), re.M).group(1))


#: how long a committed change may take to reach the replica with the deployed settings: Litestream notices it
#: within one monitor interval and ships it within one sync interval
WINDOW_S = _seconds("monitor-interval") + _seconds("sync-interval")


class Replication:
    """Litestream replicating ``db_path`` to ``replica_dir`` with the deployed settings; its log beside the database."""

    def __init__(self, db_path: Path, replica_dir: Path) -> None:
        self.db_path = db_path
        self.config = db_path.parent / "litestream.yml"
        text = DEPLOY_CONFIG.read_text(encoding="utf-8")
        assert HALL_DB in text and f"file://{HALL_REPLICA}" in text, "deploy/litestream.yml names other paths"
        self.config.write_text(text.replace(HALL_DB, str(db_path)).replace(HALL_REPLICA, str(replica_dir)))
        self.log_path = db_path.parent / "litestream.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([litestream_binary(), "replicate", "-config", str(self.config)],
                                         stdout=log, stderr=subprocess.STDOUT)

    def stop(self, kill: bool = False) -> None:
        """SIGTERM (Litestream ships what it has, as ``systemctl stop`` lets it) or SIGKILL (a dying PC)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            self.proc.wait(timeout=30)

    def restore(self, target: Path) -> None:
        """``litestream restore`` of the latest replica into ``target``, as on the standby PC."""
        target.parent.mkdir(parents=True, exist_ok=True)
        restore_latest(self.config, self.db_path, target)
