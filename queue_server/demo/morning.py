"""A scripted busy morning, compressed into a minute, through the hall's real APIs.

Citizens take numbers at the kiosk (each ticket rendered by the kiosk's printer code into the simulated
printer), counter staff log in and call, the device agent shows and speaks every call, the tidal policy opens a
standby window when a queue grows and its staff acknowledge, tablets collect reviews — one of them bad, which opens
a rectification case — and the KPIs count it all.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from queue_server.booking import slots
from queue_server.core.config import HallConfig
from queue_server.demo.duties import DutiesReport, record_duties, save_bulletin
from queue_server.demo.supervisor import DEMO_PASSWORD, DEMO_STAFF, DemoTokens

#: (service, share of the morning's citizens): 不动产 and 社保 are the Monday crowd
DEMAND = [("bdc_transfer", 14), ("si_card", 8), ("mi_reimburse", 5), ("company_setup", 4), ("hpf_withdraw", 4),
          ("id_card", 4), ("tax_invoice", 3), ("passport", 3), ("license_renew", 3), ("general_intake", 2)]
#: the windows staffed this morning (the rest of the hall stays as it is)
ON_DUTY = [1, 2, 7, 10, 12, 14, 16, 19, 21, 27]
#: standby windows whose clerks sign in at the start and wait for a tidal order (the tide opens only windows where
#: someone is signed in, so a standby window nobody staffs never gets citizens sent to it)
STANDING_BY = [31, 32, 33, 34]
LEVELS = ["very_satisfied"] * 6 + ["satisfied"] * 3 + ["basically_satisfied"]


@dataclass
class MorningReport:
    """What happened, for the summary."""

    tickets: list[dict] = field(default_factory=list)
    printed: int = 0
    calls: int = 0
    finished: int = 0
    no_shows: int = 0
    reviews: int = 0
    bad_review: dict | None = None
    rectification: dict | None = None
    tidal: list[dict] = field(default_factory=list)
    kpis: dict = field(default_factory=dict)
    duties: DutiesReport | None = None
    #: booked online for tomorrow (/book's route), and booked on behalf for now and checked in at the kiosk
    booked_online: list[dict] = field(default_factory=list)
    checked_in: int = 0
    problems: list[str] = field(default_factory=list)


class Hall:
    """HTTP helpers bound to the demo server."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.request(method, self.url + path, json=body, headers=headers) as r:
            return r.status, await r.json(content_type=None)


async def run_morning(url: str, config: HallConfig, tokens: DemoTokens, printer: Any, *, citizens: int = 48,
                      seed: int = 2026, out_dir: Path | None = None) -> MorningReport:
    """Play the morning against the server at ``url``; ``printer`` is the kiosk's (simulated) ticket printer;
    the quarter's bulletin is written into ``out_dir`` (none: not written)."""
    from devices.printer.ticket import ticket_print_from_api

    rng = random.Random(seed)
    report = MorningReport()
    async with aiohttp.ClientSession() as session:
        hall = Hall(session, url)
        _, snapshot = await hall.call("GET", "/api/hall")
        today = snapshot["hall"]["business_day"]  # after midnight the hall's day may still be yesterday's
        staff = await _log_in(hall, ON_DUTY + STANDING_BY, report)

        async def take(service: str, priority: str | None = None) -> None:
            body = {"service": service, "request_id": uuid.uuid4().hex, **({"priority": priority} if priority else {})}
            status, ticket = await hall.call("POST", "/api/tickets", tokens.kiosk, body)
            if status not in (200, 201):
                report.problems.append(f"取号失败 {service}：{ticket.get('message')}")
                return
            report.tickets.append(ticket)
            printer.print_ticket(ticket_print_from_api(ticket, config))
            report.printed += 1

        services = [s for s, weight in DEMAND for _ in range(weight)]
        # 08:30 the doors open: the first wave, a few 绿色通道 citizens and two appointments among them
        for i in range(citizens * 2 // 3):
            await take(rng.choice(services), "elderly" if i in (5, 17) else None)
        await _book_online(hall, today, report)
        slot = slots.first_slot_not_ended(slots.ALL_HOURS, 30, today, datetime.now(config.hall.tz), config.hall)
        for service in ("bdc_transfer", "si_card"):
            # booked on a citizen's behalf by phone this morning, then checked in at the kiosk
            status, booked = await hall.call("POST", "/api/appointments", tokens.admin, {
                "service": service, "date": today, "slot": slot,
                "name": "预约群众", "phone": "13800000000"})
            if status == 201:
                status, ticket = await hall.call("POST", f"/api/appointments/{booked['code']}/check-in", tokens.kiosk)
                if status == 201:
                    report.tickets.append(ticket)
                    report.checked_in += 1
                    printer.print_ticket(ticket_print_from_api(ticket, config))
                    report.printed += 1

        await _take_up_tidal_windows(hall, tokens, staff, report)
        await _serve_rounds(hall, tokens, staff, report, rng, rounds=3)
        for _ in range(citizens - citizens * 2 // 3):  # the second wave
            await take(rng.choice(services))
        await _take_up_tidal_windows(hall, tokens, staff, report)
        printed = {t["number"]: t["token"] for t in report.tickets}
        report.duties = await record_duties(hall, tokens.admin, staff, printed, today, report.problems)
        report.calls += report.duties.calls
        report.finished += report.duties.finished
        await _serve_rounds(hall, tokens, staff, report, rng, rounds=3)

        status, cases = await hall.call("GET", "/api/rectifications", tokens.admin)
        if status == 200 and cases:
            report.rectification = cases[-1] if isinstance(cases, list) else cases
        status, tidal = await hall.call("GET", "/api/tidal/log", tokens.admin)
        report.tidal = tidal.get("entries", []) if status == 200 else []
        status, kpis = await hall.call("GET", f"/api/kpis?from={today}&to={today}", tokens.admin)
        report.kpis = kpis if status == 200 else {}
        if out_dir is not None and report.duties is not None:
            report.duties.bulletin = await save_bulletin(hall, tokens.admin, today, out_dir)
        for token in staff.values():  # 下班: the counters log out, so the hall is not left showing them on duty
            await hall.call("POST", "/api/logout", token)
    return report


async def _book_online(hall: Hall, today: str, report: MorningReport) -> None:
    """Three citizens book tomorrow on their phones, as the /book page does (no token)."""
    tomorrow = (date.fromisoformat(today) + timedelta(days=1)).isoformat()
    for n, (service, slot) in enumerate((("hpf_withdraw", "09:00-09:30"), ("passport", "09:30-10:00"),
                                         ("bdc_transfer", "14:00-14:30"))):
        status, booked = await hall.call("POST", "/api/appointments", None, {
            "service": service, "date": tomorrow, "slot": slot, "name": "网约群众", "phone": f"1390000{n:04d}"})
        if status == 201:
            report.booked_online.append(booked)
        else:
            report.problems.append(f"网上预约失败 {service}：{booked.get('message')}")


async def _log_in(hall: Hall, windows: list[int], report: MorningReport) -> dict[int, str]:
    """Counter staff log in with 工号 and password (the tablets then show who serves)."""
    tokens = {}
    for (staff_no, _), window in zip(DEMO_STAFF, windows):
        status, body = await hall.call("POST", "/api/login", None, {"staff_no": staff_no, "password": DEMO_PASSWORD, "window": window})
        if status == 200:
            tokens[window] = body["token"]
        else:
            report.problems.append(f"{window}号窗口登录失败：{body.get('message')}")
    return tokens


async def _take_up_tidal_windows(hall: Hall, tokens: DemoTokens, staff: dict[int, str], report: MorningReport) -> None:
    """Staff sent to a newly opened tidal window log in there and acknowledge the order."""
    status, tidal = await hall.call("GET", "/api/tidal", tokens.admin)
    if status != 200:
        return
    spare = [s for s in DEMO_STAFF[len(staff):]]
    for opening in tidal.get("open", []):
        window = opening["window"]
        if window in staff:  # signed in there already (the tide only opens such windows): acknowledge the order
            if opening.get("acknowledged_at") is None:
                await hall.call("POST", f"/api/windows/{window}/tidal/ack", staff[window])
            continue
        if not spare:
            continue
        staff_no, _ = spare.pop(0)
        status, body = await hall.call("POST", "/api/login", None, {"staff_no": staff_no, "password": DEMO_PASSWORD, "window": window})
        if status != 200:
            continue
        staff[window] = body["token"]
        if opening.get("acknowledged_at") is None:
            await hall.call("POST", f"/api/windows/{window}/tidal/ack", staff[window])


async def _serve_rounds(hall: Hall, tokens: DemoTokens, staff: dict[int, str], report: MorningReport,
                        rng: random.Random, rounds: int) -> None:
    """Each staffed window calls, serves and finishes; the counter tablet takes a review."""
    for _ in range(rounds):
        for window, token in list(staff.items()):
            status, _ = await hall.call("POST", f"/api/windows/{window}/call", token)
            if status != 200:
                continue
            report.calls += 1
            if rng.random() < 0.07:
                await hall.call("POST", f"/api/windows/{window}/skip", token, {"reason": "未到场"})
                report.no_shows += 1
                continue
            await hall.call("POST", f"/api/windows/{window}/start", token)
            status, _ = await hall.call("POST", f"/api/windows/{window}/finish", token)
            if status != 200:
                continue
            report.finished += 1
            tablet = tokens.tablets.get(window)
            if tablet is None or rng.random() > 0.7:
                continue  # left unrated: counted by the 未评价率, never faked
            bad = report.bad_review is None and window in (1, 2) and report.finished > 8
            level = "dissatisfied" if bad else rng.choice(LEVELS)
            # the tablet reviews its window's just-finished ticket; it needs no token for that
            body = {"level": level, "channel": "tablet", "reasons": ["等候时间过长"] if bad else [],
                    "comment": "排队时间太长了" if bad else ""}
            status, review = await hall.call("POST", "/api/reviews", tablet, body)
            if status == 201:
                report.reviews += 1
                if bad:
                    report.bad_review = review
            elif status != 429:
                report.problems.append(f"{window}号窗口评价失败：{review.get('message')}")
