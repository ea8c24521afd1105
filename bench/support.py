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
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

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

    def cpu_seconds(self) -> float:
        """CPU time (user + system, all threads) the process has used so far: per request, a figure that other
        work on a shared machine disturbs far less than a rate."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

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


# -- wrk, the C load generator (Debian package `wrk`), and a health probe in its own process -------------------

#: a wrk script: each request is built by the Lua function ``make(n)`` the caller supplies, where ``n`` counts this
#: wrk thread's requests and ``tid`` (1..threads) and ``args`` (the words after ``--``) are globals
_WRK_FRAME = """
local threads = {}
function setup(thread) table.insert(threads, thread); thread:set("tid", #threads) end
function init(a) args = a; n = 0 end
function request() n = n + 1; return make(n) end
"""


def wrk(url: str, make_lua: str, args: list[str], *, threads: int = 2, connections: int = 8,
        seconds: float = 5.0) -> dict:
    """Run wrk against ``url`` with requests made by ``make_lua``; returns rate, p50/p99 ms and non-2xx count."""
    script = Path(tempfile.mkstemp(suffix=".lua", prefix="govhall-wrk-")[1])
    script.write_text(_WRK_FRAME + make_lua)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--latency",
                          "-s", str(script), url, "--", *args], capture_output=True, text=True, check=True).stdout
    script.unlink()
    result = {"rate": 0.0, "p50": float("nan"), "p99": float("nan"), "errors": 0, "raw": out}
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            result["rate"] = float(words[1])
        elif len(words) == 2 and words[0] in ("50%", "99%"):
            result["p" + words[0][:-1]] = _ms(words[1])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            result["errors"] = int(words[-1])
    return result


def _ms(text: str) -> float:
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)


class HealthProbe:
    """``GET /api/health`` every 10 ms from a separate process (one keep-alive connection) while a load runs;
    :meth:`result` gives the latencies in ms."""

    CODE = """
import http.client, json, sys, time
host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
conn = http.client.HTTPConnection(host, port, timeout=10)
lat, end = [], time.perf_counter() + seconds
while time.perf_counter() < end:
    start = time.perf_counter()
    conn.request("GET", "/api/health")
    conn.getresponse().read()
    lat.append((time.perf_counter() - start) * 1000)
    time.sleep(max(0.0, 0.01 - (time.perf_counter() - start)))
print(json.dumps(lat))
"""

    def __init__(self, port: int, seconds: float) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", self.CODE, "127.0.0.1", str(port), str(seconds)],
                                     stdout=subprocess.PIPE, text=True)

    def result(self) -> list[float]:
        import json

        out, _ = self.proc.communicate(timeout=120)
        return json.loads(out)


def lua_string(text: str) -> str:
    """A Lua string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@asynccontextmanager
async def loopback_receiver(answer: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
    """An aiohttp server on loopback answering every ``POST /`` with ``answer``; yields its URL (the gateway or
    province an outbound channel delivers to in a bench)."""
    app = web.Application()
    app.router.add_post("/", answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("/"))
    finally:
        await server.close()


async def channel_rates(http: aiohttp.ClientSession, bare: Callable[[], Awaitable[None]], channels: dict,
                        messages: list, what: str) -> None:
    """Deliver ``messages`` one at a time through each outbound channel and through ``bare`` (a plain aiohttp POST
    of the same bodies, the baseline, run first once as a warm-up), and print each rate against the baseline."""
    async def through(channel) -> None:
        for m in messages:
            assert (await channel.deliver(m, http)).delivered

    await bare()  # warm-up: the connection, the loop, the JSON encoder; not counted
    rates = {}
    runs = [("baseline: bare aiohttp POST", bare)] + [(name, lambda c=c: through(c)) for name, c in channels.items()]
    for name, run in runs:
        start = time.perf_counter()
        await run()
        rates[name] = len(messages) / (time.perf_counter() - start)
    base = rates["baseline: bare aiohttp POST"]
    print(f"delivery of {len(messages)} {what}, one in flight:")
    for name, rate in rates.items():
        print(f"  {name:<36} {rate:8.0f} msg/s  ({rate / base:.2f}x the baseline)")
