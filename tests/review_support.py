"""Helpers for the reviews area's tests: serve tickets through the real Hall, post reviews over real HTTP."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from queue_server.core.clock import SystemClock
from queue_server.keys import BUS
from queue_server.web.auth import add_staff

SH = ZoneInfo("Asia/Shanghai")


class Desk:
    """Drives one test hall: tickets through the Hall's own operations, reviews through the HTTP API."""

    def __init__(self, server: Any, http: aiohttp.ClientSession) -> None:
        self.server = server
        self.http = http
        self.hall = server.hall
        self._seq = 0
        self._admin: dict[str, str] | None = None

    def at(self, local: datetime) -> None:
        """Move the fake clock to a hall-local instant."""
        self.server.clock.set(local)

    def issue(self, service: str = "bdc_transfer") -> dict:
        self._seq += 1
        ticket, _, events = self.hall.issue_ticket(service, f"test-{self._seq}", None, "kiosk:test")
        self.server.app[BUS].publish_all(events)
        return ticket

    def call(self, window: int, staff_no: str = "1001") -> dict:
        ticket, events = self.hall.call_next(window, f"staff:{staff_no}")
        self.server.app[BUS].publish_all(events)
        return ticket

    def finish(self, window: int, staff_no: str = "1001") -> dict:
        ticket, events = self.hall.finish(window, f"staff:{staff_no}")
        self.server.app[BUS].publish_all(events)
        return ticket

    def skip(self, window: int, staff_no: str = "1001") -> dict:
        ticket, _ = self.hall.skip(window, f"staff:{staff_no}", "未到场")
        return ticket

    def serve(self, window: int = 1, service: str = "bdc_transfer") -> dict:
        """Issue, call and finish one ticket; returns the ticket row (with its token)."""
        self.issue(service)
        self.call(window)
        return self.finish(window)

    def admin(self) -> dict[str, str]:
        if self._admin is None:
            self._admin = self.server.auth("admin")
        return self._admin

    def add_staff(self, staff_no: str, name: str) -> None:
        add_staff(self.server.db, SystemClock(), staff_no, name, "staff", "secret123")

    def approver(self) -> dict[str, str]:
        """A second admin's credentials, as a review void needs them (王主任, 工号 9002)."""
        if not self.server.db.execute("select 1 from staff where staff_no = '9002'").fetchone():
            add_staff(self.server.db, SystemClock(), "9002", "王主任", "admin", "approve-9002")
        return {"approver": "9002", "approver_password": "approve-9002"}

    async def review(self, token: str | None, level: str = "very_satisfied", *, channel: str = "qr",
                     reasons: list[str] | None = None, headers: dict[str, str] | None = None,
                     **extra: Any) -> tuple[int, dict]:
        body: dict[str, Any] = {"level": level, "reasons": reasons or [], "comment": "", "channel": channel, **extra}
        if token is not None:
            body["ticket_token"] = token
        async with self.http.post(f"{self.server.url}/api/reviews", json=body, headers=headers or {}) as r:
            return r.status, await r.json()

    async def get(self, path: str) -> Any:
        async with self.http.get(f"{self.server.url}{path}", headers=self.admin()) as r:
            assert r.status == 200, (path, r.status, await r.text())
            return await r.json()

    async def post(self, path: str, body: dict) -> tuple[int, dict]:
        async with self.http.post(f"{self.server.url}{path}", json=body, headers=self.admin()) as r:
            return r.status, await r.json()


def mon(hh: int, mm: int) -> datetime:
    return datetime(2026, 11, 23, hh, mm, tzinfo=SH)


async def script_day(desk: Desk) -> None:
    """Monday 2026-11-23. Waits (issue at 09:00 → first call): A001 5, B001 10, A002 15, A003 25 (no-show),
    A004 30, A005 40 min. Reviews: A001 非常满意 (tablet), A002 不满意 (QR), A004 非常不满意 (QR), B001 满意
    (电话邀评), A005 unrated. A002's case is called back Tuesday, rectified Wednesday, the citizen satisfied; A004's
    case is never worked. Complaint 1 (window 1, 不动产) answered Tuesday; complaint 2 (企业开办) never answered."""
    desk.add_staff("1001", "张三")
    desk.add_staff("1002", "李四")
    tablet1 = desk.server.auth("tablet", 1)
    tickets = {}
    for n in range(1, 6):
        tickets[f"A00{n}"] = desk.issue("bdc_transfer")
    tickets["B001"] = desk.issue("company_setup")
    desk.at(mon(9, 5))
    desk.call(1)
    desk.at(mon(9, 10))
    desk.call(4, "1002")
    desk.at(mon(9, 15))
    desk.finish(1)
    assert (await desk.review(None, "very_satisfied", channel="tablet", headers=tablet1))[0] == 201
    desk.call(1)
    desk.at(mon(9, 25))
    desk.finish(1)
    assert (await desk.review(tickets["A002"]["token"], "dissatisfied", reasons=["等候时间过长"]))[0] == 201
    desk.call(1)
    desk.at(mon(9, 27))
    desk.skip(1)
    desk.at(mon(9, 30))
    desk.finish(4, "1002")
    desk.call(1)
    desk.at(mon(9, 40))
    desk.finish(1)
    assert (await desk.review(tickets["A004"]["token"], "very_dissatisfied", reasons=["服务态度不好"]))[0] == 201
    desk.call(1)
    desk.at(mon(9, 50))
    desk.finish(1)
    desk.at(mon(10, 0))
    _, c1 = await desk.post("/api/complaints", {"complainant": "赵六", "content": "窗口推诿", "service": "bdc_transfer",
                                                "window": 1, "responsible": "李科长"})
    _, c2 = await desk.post("/api/complaints", {"complainant": "钱七", "content": "营业执照办不成",
                                                "kind": "cannot_get_done", "service": "company_setup",
                                                "responsible": "周股长"})
    desk.at(mon(16, 0))
    status, _ = await desk.post("/api/reviews/invitations", {"ticket_id": tickets["B001"]["id"], "outcome": "rated",
                                                            "level": "satisfied"})
    assert status == 201
    [case_a004, case_a002] = await desk.get("/api/rectifications")
    assert (case_a002["ticket"], case_a004["ticket"]) == ("A002", "A004")
    desk.at(datetime(2026, 11, 24, 10, 0, tzinfo=SH))
    await desk.post(f"/api/rectifications/{case_a002['id']}/call_back", {"note": "属实"})
    await desk.post(f"/api/rectifications/{case_a002['id']}/start", {"responsible": "王股长"})
    await desk.post(f"/api/complaints/{c1['id']}/resolve", {"answer": "已协调办理"})
    desk.at(datetime(2026, 11, 25, 10, 0, tzinfo=SH))
    await desk.post(f"/api/rectifications/{case_a002['id']}/rectify", {"measures": "增开窗口"})
    await desk.post(f"/api/rectifications/{case_a002['id']}/verdict", {"verdict": "satisfied"})
    # Past A004's rectification deadline (end of 14 December) and complaint 2's (end of 30 November).
    desk.at(datetime(2026, 12, 15, 10, 0, tzinfo=SH))
