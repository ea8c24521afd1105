"""Does the cost of issuing and calling grow with the queue? (issue 20: it must not)

Two comparisons, each against itself at a short queue in the same run, with wrk as the load (C client):

- issuing on one service with 2,000 tickets already waiting there, against an empty queue (aim >= 0.9x);
- serving at six windows, each connection cycling issue → call → finish on its own window's first service so the
  queue keeps its length, with 10,000 waiting against 100 waiting (aim >= 0.9x, and >= 2x the 180 served/s the
  open-source FQM's REST pull reached on this machine with the same wrk load).

The waiting tickets are made beforehand through the hall's own ``issue_ticket`` in one transaction.
Run: ``./run bench queue_length``.
"""
from __future__ import annotations

from pathlib import Path

from bench.support import Process, free_port, govhall, make_token, tmpdir, wrk
from bench.tickets import issue_load
from queue_server.app import open_database
from queue_server.core.clock import SystemClock
from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.core.db import write_transaction
from queue_server.queue.hall import Hall

SECONDS = 5.0
ROUNDS = 2
WINDOWS = [1, 2, 3, 4, 5, 6]
FQM_SERVED = 180.0

#: args: kiosk token, admin token, run tag, then "window:service" per wrk thread
CYCLE_LUA = """
function make(n)
  local window, service = string.match(args[3 + tid], "(%d+):(.+)")
  local step = n % 3
  if step == 1 then
    local body = '{"service":"' .. service .. '","request_id":"' .. args[3] .. '-' .. tid .. '-' .. n .. '"}'
    return wrk.format("POST", "/api/tickets",
                      {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[1]}, body)
  end
  local action = (step == 2) and "call" or "finish"
  return wrk.format("POST", "/api/windows/" .. window .. "/" .. action, {["Authorization"] = "Bearer " .. args[2]})
end
"""


def preload(db_path: Path, counts: dict[str, int]) -> None:
    """Make ``counts[service]`` waiting tickets per service, through the hall's own issuing."""
    config = load_config(DEMO_CONFIG_PATH)
    db = open_database(db_path)
    hall = Hall(config, db, SystemClock())
    with write_transaction(db):
        for service, count in counts.items():
            for i in range(count):
                hall.issue_ticket(service, f"pre-{service}-{i}", None, "bench")
    db.close()


def window_services() -> dict[int, str]:
    config = load_config(DEMO_CONFIG_PATH)
    return {n: config.windows[n].services[0] for n in WINDOWS}


def _serve(db: Path, load) -> dict:
    port = free_port()
    server = Process(govhall("serve", "--db", str(db), "--port", str(port), "--open-all-hours"), port)
    try:
        return load(server.url)
    finally:
        server.stop()


def issuing(work: Path, tag: str, waiting: int) -> dict:
    db = work / f"issue-{tag}.db"
    preload(db, {"si_card": waiting})
    token = make_token(db, "kiosk")
    return _serve(db, lambda url: issue_load(url, token, tag, ["si_card"]))


def serving(work: Path, tag: str, waiting: int) -> dict:
    db = work / f"serve-{tag}.db"
    services = window_services()
    per = {s: 0 for s in services.values()}
    for i in range(waiting):
        per[list(per)[i % len(per)]] += 1
    preload(db, per)
    kiosk, admin = make_token(db, "kiosk"), make_token(db, "admin")
    pairs = [f"{n}:{s}" for n, s in services.items()]
    result = _serve(db, lambda url: wrk(url, CYCLE_LUA, [kiosk, admin, tag, *pairs], threads=len(pairs),
                                        connections=len(pairs), seconds=SECONDS))
    result["served"] = result["rate"] / 3
    return result


def main() -> None:
    work = tmpdir()
    print(f"wrk, {SECONDS:.0f} s per run, {ROUNDS} interleaved rounds, fresh database per run")
    issue_ratio, serve_ratio, served = [], [], []
    for r in range(1, ROUNDS + 1):
        empty = issuing(work, f"e{r}", 0)
        full = issuing(work, f"f{r}", 2000)
        print(f"[{r}] issue, empty queue        {empty['rate']:7.0f}/s  p99 {empty['p99']:6.2f} ms  non-2xx {empty['errors']}")
        print(f"[{r}] issue, 2,000 waiting      {full['rate']:7.0f}/s  p99 {full['p99']:6.2f} ms  non-2xx {full['errors']}")
        issue_ratio.append(full["rate"] / empty["rate"])
        short = serving(work, f"s{r}", 100)
        long = serving(work, f"l{r}", 10_000)
        for name, res in (("100 waiting", short), ("10,000 waiting", long)):
            print(f"[{r}] serve, {name:<15} {res['served']:7.0f} served/s ({res['rate']:.0f} req/s: issue+call+finish)"
                  f"  p99 {res['p99']:6.2f} ms  non-2xx {res['errors']}")
        serve_ratio.append(long["served"] / short["served"])
        served.append(long["served"])
    print(f"issue at 2,000 waiting / empty: {', '.join(f'{x:.2f}' for x in issue_ratio)} (aim >= 0.90)")
    print(f"serving at 10,000 / 100 waiting: {', '.join(f'{x:.2f}' for x in serve_ratio)} (aim >= 0.90)")
    print(f"served/s at 10,000 waiting vs FQM's {FQM_SERVED:.0f}: "
          f"{', '.join(f'{x / FQM_SERVED:.1f}x' for x in served)} (aim >= 2x)")


if __name__ == "__main__":
    main()
