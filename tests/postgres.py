"""A throwaway PostgreSQL cluster for the city tests and benchmarks (TECH-NOTES): ``initdb`` and ``pg_ctl`` on a
temporary folder, as the ``postgres`` user when we run as root (PostgreSQL refuses to run as root), listening on a
free loopback port. Each test gets a database of its own in it."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def pg_bin() -> Path | None:
    """Debian's newest PostgreSQL binaries folder, or the one on PATH; ``None`` when not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One running cluster; ``dsn(db)`` for a database in it, ``stop()`` removes it all."""

    def __init__(self, bin_dir: Path, settings: dict[str, str] | None = None) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="govhall-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(f"{self.bin}/initdb -D {self.data} -A trust -U postgres -E UTF8 --locale=C.UTF-8")
        # fsync stays on: the city's guarantees are tested against a durable server
        options = "".join(f" -c {k}={v}" for k, v in (settings or {}).items())
        self._run(f"{self.bin}/pg_ctl -D {self.data} -l {self.root}/log -w -t 120 start "
                  f"-o '-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200{options}'")

    def _run(self, command: str) -> None:
        argv = ["su", "postgres", "-s", "/bin/sh", "-c", command] if self.as_root else ["/bin/sh", "-c", command]
        subprocess.run(argv, check=True, capture_output=True, cwd="/")

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; its DSN."""
        subprocess.run([f"{self.bin}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
                       check=True, capture_output=True)
        return self.dsn(name)

    def stop(self) -> None:
        try:
            self._run(f"{self.bin}/pg_ctl -D {self.data} -m immediate -w stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

