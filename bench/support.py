"""Shared bench plumbing: start a server process on a free port, drive a closed-loop load, summarise latencies."""
from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A child Python process serving HTTP on ``port``; waits until it accepts connections."""

    def __init__(self, args: list[str], port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{args} did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


def govhall(*args: str) -> list[str]:
    return ["-m", "queue_server", *args]


def make_token(db: Path, role: str, window: int | None = None) -> str:
    cmd = [sys.executable, *govhall("token", "create", "--db", str(db), "--role", role)]
    if window is not None:
        cmd += ["--window", str(window)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return out.stdout.strip().splitlines()[-1]


def tmpdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="govhall-bench-"))


async def closed_loop(request: Callable[[aiohttp.ClientSession, int], Awaitable[int]], *, connections: int = 8,
                      seconds: float = 5.0) -> tuple[float, list[float], int]:
    """Run ``connections`` workers back to back for ``seconds``; return (req/s, latencies in ms, error count)."""
    latencies: list[float] = []
    errors = 0
    counter = 0
    stop_at = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors, counter
        while time.perf_counter() < stop_at:
            counter += 1
            start = time.perf_counter()
            status = await request(session, counter)
            latencies.append((time.perf_counter() - start) * 1000)
            if status >= 300:
                errors += 1

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, errors


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def row(name: str, rate: float | None, latencies: list[float], extra: str = "") -> str:
    rate_text = f"{rate:9.0f}" if rate is not None else " " * 9
    return (f"{name:<44} {rate_text} {percentile(latencies, 50):8.2f} {percentile(latencies, 99):8.2f} "
            f"{max(latencies):8.2f} {extra}")


HEADER = f"{'':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
