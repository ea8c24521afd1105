"""Tickets issued per second at durable settings (WAL + synchronous=FULL), and ``GET /api/health`` latency during
that load, against a bare aiohttp + sqlite3 insert server measured in the same run.

The load comes from wrk (C, Debian package ``wrk``; 2 threads, 8 connections), so the client is not what limits
the rate; the health probe is a separate process asking every 10 ms. Each round runs the bare server, then
govhall on one service, then govhall spread over six services, each on a fresh database. Aim (issue 20): govhall
at least 0.7x the bare server, and health p99 under 20 ms while it is loaded. Each line also gives the server's
CPU time per request (all its threads): on a machine others share, rates follow their load and the disk's fsync
time, while CPU per request mostly shows what the server itself does.
Run: ``./run bench tickets``.
"""
from __future__ import annotations

from pathlib import Path

from bench.support import HealthProbe, Process, free_port, govhall, make_token, percentile, tmpdir, wrk

SECONDS = 5.0
THREADS, CONNECTIONS = 2, 8
ROUNDS = 3
SERVICES = ["si_card", "passport", "bdc_transfer", "tax_invoice", "hpf_withdraw", "id_card"]

#: args: token, run tag, services joined by commas
ISSUE_LUA = """
function make(n)
  if services == nil then
    services = {}
    for s in string.gmatch(args[3], "[^,]+") do table.insert(services, s) end
  end
  local body = '{"service":"' .. services[(n % #services) + 1] .. '","request_id":"' .. args[2] .. '-' .. tid
               .. '-' .. n .. '"}'
  return wrk.format("POST", "/api/tickets",
                    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[1]}, body)
end
"""


def issue_load(url: str, token: str, tag: str, services: list[str], seconds: float = SECONDS) -> dict:
    """wrk issuing tickets round-robin over ``services``."""
    return wrk(url, ISSUE_LUA, [token, tag, ",".join(services)], threads=THREADS, connections=CONNECTIONS,
               seconds=seconds)


def _run(args: list[str], port: int, token: str, tag: str, services: list[str]) -> tuple[dict, list[float]]:
    server = Process(args, port)
    try:
        probe = HealthProbe(port, SECONDS)
        cpu = server.cpu_seconds()
        result = issue_load(server.url, token, tag, services)
        # the health probe's ~500 requests are in the CPU too: a small share of thousands of tickets
        result["cpu_us"] = (server.cpu_seconds() - cpu) / max(result["rate"] * SECONDS, 1) * 1e6
        return result, probe.result()
    finally:
        server.stop()


def _line(name: str, result: dict, health: list[float]) -> str:
    return (f"{name:<34} {result['rate']:6.0f}/s {result['cpu_us']:5.0f} us CPU/req  p50 {result['p50']:6.2f} ms  "
            f"p99 {result['p99']:6.2f} ms  non-2xx {result['errors']:<3d} | health p50 {percentile(health, 50):5.2f} "
            f"p99 {percentile(health, 99):6.2f} max {max(health):6.2f} ms")


def main() -> None:
    work = tmpdir()
    print(f"wrk -t{THREADS} -c{CONNECTIONS}, {SECONDS:.0f} s per run, {ROUNDS} interleaved rounds (fsync speed drifts); "
          "health probed every 10 ms from another process; one server process, access log off, fresh database each")
    ratios: dict[str, list[float]] = {"one service": [], "six services": []}
    cpu_ratios: dict[str, list[float]] = {"one service": [], "six services": []}
    health99: list[float] = []
    for round_no in range(1, ROUNDS + 1):
        port = free_port()
        bare, bare_health = _run(["-m", "bench.bare_server", str(work / f"bare{round_no}.db"), str(port)], port,
                                 "-", f"b{round_no}", SERVICES[:1])
        print(_line(f"[{round_no}] baseline: bare insert server", bare, bare_health))
        for name, services in (("one service", SERVICES[:1]), ("six services", SERVICES)):
            db: Path = work / f"govhall-{round_no}-{len(services)}.db"
            token = make_token(db, "kiosk")
            port = free_port()
            result, health = _run(govhall("serve", "--db", str(db), "--port", str(port), "--open-all-hours"), port,
                                  token, f"g{round_no}", services)
            print(_line(f"[{round_no}] govhall, {name}", result, health))
            ratios[name].append(result["rate"] / bare["rate"])
            cpu_ratios[name].append(result["cpu_us"] / bare["cpu_us"])
            health99.append(percentile(health, 99))
    for name, values in ratios.items():
        print(f"govhall / bare, {name}: {', '.join(f'{r:.2f}' for r in values)} "
              f"(range {min(values):.2f}-{max(values):.2f}; aim >= 0.70)")
    for name, values in cpu_ratios.items():
        print(f"server CPU per request, govhall / bare, {name}: {', '.join(f'{r:.2f}' for r in values)} "
              f"(range {min(values):.2f}-{max(values):.2f})")
    print(f"health p99 under govhall load: {min(health99):.1f}-{max(health99):.1f} ms (aim < 20 ms)")


if __name__ == "__main__":
    main()
