"""Benchmark: what booking costs the hall's one writer. ``POST /api/appointments`` (slot rules, the slot's count
and the insert in one writer operation) against ``POST /api/tickets`` as the baseline, measured in the same run on
the same in-process server, 8 connections back to back; then the public slot list (a read on the loop).

``python -m bench booking`` (or ``python -m bench.booking [--seconds 5]``). Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from aiohttp import web

from bench.support import HEADER, closed_loop, row
from queue_server.app import create_app, open_database
from queue_server.core.clock import SystemClock
from queue_server.core.config import DEMO_CONFIG_PATH, load_config
from queue_server.web.auth import create_token


async def run(seconds: float) -> None:
    config = load_config(DEMO_CONFIG_PATH)
    # seats enough that every request books (a full slot would measure the refusal instead)
    booking = {**config.sections.get("booking", {}), "capacity_per_window": 100}
    config = replace(config, sections={**config.sections, "booking": booking})
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.db")
        app = create_app(config, db=db, clock=SystemClock(), open_all_hours=True)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        kiosk = {"Authorization": f"Bearer {create_token(db, SystemClock(), 'kiosk')}"}
        admin = {"Authorization": f"Bearer {create_token(db, SystemClock(), 'admin')}"}
        services = ["si_card", "passport", "bdc_transfer", "hpf_withdraw", "id_card", "tax_invoice"]
        days = [(date.today() + timedelta(days=n)).isoformat() for n in range(1, 8)]
        slots = [f"{h:02d}:{m:02d}-{h + (m + 30) // 60:02d}:{(m + 30) % 60:02d}" for h in range(9, 17) for m in (0, 30)]
        plan = itertools.cycle(list(itertools.product(days, slots, services)))

        async def ticket(http, n: int) -> int:
            async with http.post(f"{url}/api/tickets", headers=kiosk,
                                 json={"service": services[n % len(services)], "request_id": f"b-{n}"}) as r:
                await r.read()
                return r.status

        async def book(http, n: int) -> int:
            day, slot, service = next(plan)
            async with http.post(f"{url}/api/appointments", headers=admin, json={
                    "service": service, "date": day, "slot": slot, "name": "压测", "phone": f"139{n:08d}"}) as r:
                await r.read()
                return r.status

        async def slot_list(http, n: int) -> int:
            async with http.get(f"{url}/api/appointments/slots?service=si_card&date={days[n % len(days)]}") as r:
                await r.read()
                return r.status

        print(f"8 connections, {seconds:.0f} s each; SQLite WAL synchronous=FULL, group commit")
        print(HEADER)
        for name, request in (("baseline: POST /api/tickets", ticket), ("POST /api/appointments (on behalf)", book),
                              ("GET /api/appointments/slots", slot_list)):
            rate, latencies, errors = await closed_loop(request, seconds=seconds)
            print(row(name, rate, latencies, f"errors {errors}"), flush=True)
        held = db.execute("select count(*) from appointments").fetchone()[0]
        print(f"bookings stored: {held}")
        await runner.cleanup()
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args, _ = parser.parse_known_args()
    asyncio.run(run(args.seconds))


if __name__ == "__main__":
    main()
