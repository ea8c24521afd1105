"""Tickets issued per second and latency at durable settings (WAL + synchronous=FULL), against a bare
aiohttp + sqlite3 insert server measured in the same run. Aim: at least half the bare figure."""
from __future__ import annotations

import asyncio

import aiohttp

from bench.support import HEADER, Process, closed_loop, free_port, govhall, make_token, row, tmpdir

SECONDS = 5.0
CONNECTIONS = 8
SERVICES = ["si_card", "passport", "bdc_transfer", "tax_invoice", "hpf_withdraw", "id_card"]


def _load(url: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def issue(session: aiohttp.ClientSession, n: int) -> int:
        body = {"service": SERVICES[n % len(SERVICES)], "request_id": f"bench-{n}"}
        async with session.post(f"{url}/api/tickets", json=body, headers=headers) as r:
            await r.read()
            return r.status

    return issue


ROUNDS = 3


def _run(args: list[str], url_token: str | None, port: int) -> tuple[float, list[float], int]:
    server = Process(args, port)
    try:
        return asyncio.run(closed_loop(_load(server.url, url_token), connections=CONNECTIONS, seconds=SECONDS))
    finally:
        server.stop()


def main() -> None:
    work = tmpdir()
    print(f"{CONNECTIONS} connections, {SECONDS:.0f} s per run, {ROUNDS} interleaved rounds (fsync speed drifts), "
          "one server process, access log off")
    print(HEADER)
    db = work / "govhall.db"
    token = make_token(db, "kiosk")
    ratios = []
    for round_no in range(1, ROUNDS + 1):
        port = free_port()
        bare_rate, bare_lat, bare_err = _run(["-m", "bench.bare_server", str(work / f"bare{round_no}.db"), str(port)], None, port)
        print(row(f"[{round_no}] baseline: bare aiohttp + sqlite3 insert", bare_rate, bare_lat, f"errors={bare_err}"))
        port = free_port()
        rate, lat, err = _run(govhall("serve", "--db", str(db), "--port", str(port), "--open-all-hours"), token, port)
        print(row(f"[{round_no}] govhall POST /api/tickets", rate, lat, f"errors={err}"))
        ratios.append(rate / bare_rate)
    ratios.sort()
    print(f"ratio govhall / baseline per round: {', '.join(f'{r:.2f}' for r in ratios)}; median {ratios[len(ratios) // 2]:.2f} "
          "(aim >= 0.50)")


if __name__ == "__main__":
    main()
