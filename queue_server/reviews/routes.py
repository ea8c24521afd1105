"""好差评 routes: taking reviews (tablet, phone page, 电话邀评), the review ledger with voiding, unrated tickets,
and the bad-review rectification cases. Complaints, follow-ups, KPIs and exports are in ``review_ledgers``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from queue_server.core.errors import ApiError, invalid
from queue_server.core.events import Event
from queue_server.keys import CONFIG, DB, WRITER
from queue_server.reviews import ledger_routes as review_ledgers
from queue_server.reviews import records, rectification
from queue_server.reviews.common import case_history, iso
from queue_server.reviews.http import (actor_name, admin_write, client_address, day_range, install_state, now,
                                       state)
from queue_server.reviews.levels import BAD_LEVELS, CHANNELS, LEVELS
from queue_server.reviews.requests import (CaseActionPath, CaseActionRequest, CaseListQuery, DaysQuery, IdPath,
                                           InvitationRequest, ReviewListQuery, ReviewRequest, ReviewTokenPath,
                                           VoidRequest)
from queue_server.web.api import ApiRoutes
from queue_server.web.auth import check_password_off_loop, require
from queue_server.web.json_io import json_response
from queue_server.web.security import GUARDS

WEB = Path(__file__).resolve().parent / "web"
CITIZEN_CHANNELS = ("qr", "mobile", "pc", "sms")
ADMIN = ("admin",)
routes = ApiRoutes()


def _reviewer(request: web.Request, body: dict[str, Any]) -> records.Reviewer:
    """Tablet (bound to its window) when a token is sent, else a citizen holding the ticket token."""
    if request.headers.get("Authorization") or request.query.get("token"):
        principal = require(request, "tablet", "kiosk")
        if principal.role == "kiosk":
            # A hall kiosk that scanned the ticket's QR code: a citizen's review on another hall terminal.
            return records.Reviewer("terminal", f"kiosk:{principal.token_id}", None, "")
        return records.Reviewer("tablet", f"tablet:{principal.token_id}", principal.window, "")
    rater = body.get("rater") or ""
    if not isinstance(rater, str) or len(rater) > 50:
        raise invalid("rater", "评价人不超过50字")
    address = client_address(request, state(request).settings.trusted_proxies)
    # The review page sends a random id it keeps in localStorage; phones sharing the hall's WiFi are told apart by
    # it, and the address as a whole has its own, higher limit (an attacker can rotate ids, not addresses).
    phone_id = request.headers.get("X-Review-Device", "")[:64] or "-"
    return records.Reviewer("citizen", f"phone:{address}:{phone_id}", None, rater.strip(), address=address)


async def _check_rate(request: web.Request, reviewer: records.Reviewer, token: Any) -> None:
    """Count this attempt (refused ones too: a device probing tokens is a burst) or refuse it with 429; the first
    refusal of a burst writes one flag, the rest are only counted in memory."""
    st = state(request)
    refusal = None
    if not st.limiter.allow(reviewer.device):
        refusal = (st.limiter, reviewer.device, "rate_limited")
    elif reviewer.address is not None and not st.address_limiter.allow(f"ip:{reviewer.address}"):
        refusal = (st.address_limiter, f"ip:{reviewer.address}", "address_rate_limited")
    if refusal is not None:
        limiter, device, reason = refusal
        if limiter.refuse(device):
            flag = [device, reason, token[-6:] if isinstance(token, str) else "", iso(now(request))]
            await request.app[WRITER].run(lambda db: db.execute(
                "INSERT INTO review_flags (device, reason, ticket_token_tail, at) VALUES (?, ?, ?, ?)", flag))
        raise ApiError(429, "rate_limited", "提交过于频繁，请稍后再试")
    st.limiter.record(reviewer.device)
    if reviewer.address is not None:
        st.address_limiter.record(f"ip:{reviewer.address}")


def _recently_refused(st: Any, reviewer: records.Reviewer) -> bool:
    """Whether this device or its address was refused lately: its reviews are then flagged for supervision."""
    if st.limiter.recently_refused(reviewer.device):
        return True
    return reviewer.address is not None and st.address_limiter.recently_refused(f"ip:{reviewer.address}")


@routes.post("/api/reviews", "提交评价 Submit a review: counter tablet (its window's just-finished ticket; token "
             "optional), hall kiosk (channel terminal) or anyone holding the ticket token (qr/mobile/pc/sms). One per "
             "ticket; bad levels need a reason. Header X-Review-Device: the phone's random id.", body=ReviewRequest,
             responses={"201": "{id, ticket, level, channel, created_at, rectification_id}",
                        "403": "forbidden: tablet of another window, too late", "404": "unknown ticket token",
                        "409": "conflict: already reviewed, or not finished", "422": "invalid (names the field)",
                        "429": "rate_limited (flagged for supervision)"})
async def _handle_create_review(request: web.Request, body: ReviewRequest) -> web.Response:
    body = body.model_dump()
    reviewer = _reviewer(request, body)
    token = body.get("ticket_token")
    await _check_rate(request, reviewer, token)
    st = state(request)
    db, config, at = request.app[DB], request.app[CONFIG], now(request)
    level, reasons, comment, channel = records.validate_review_body(body, st.settings)
    allowed = {"tablet": ("tablet",), "terminal": ("terminal",)}.get(reviewer.kind, CITIZEN_CHANNELS)
    if channel not in allowed:
        raise invalid("channel", "此评价渠道只能为" + "、".join(CHANNELS[c] for c in allowed))
    if not isinstance(token, str) or not token:
        if reviewer.kind != "tablet":
            raise invalid("ticket_token", "缺少号票凭证")
        ticket = records.last_finished_at_window(db, reviewer.window, at) if reviewer.window is not None else None
        if ticket is None:
            raise ApiError(409, "conflict", "本窗口没有刚办结的号")
    else:
        ticket = records.ticket_by_token(db, token)
    flagged = _recently_refused(st, reviewer)

    def write(wdb) -> tuple:
        records.check_reviewable(wdb, ticket, reviewer, st.settings, at)
        return records.insert_review(wdb, ticket, reviewer, st.settings, config, at, level, reasons,
                                     comment, channel, flagged)

    review, case = await request.app[WRITER].run(write, events=lambda done: _review_events(*done))
    return json_response(_created(review, case, config), status=201)


def _created(review: dict[str, Any], case: dict[str, Any] | None, config: Any) -> dict[str, Any]:
    tz = config.hall.tz
    return {"id": review["id"], "ticket": review["ticket_number"], "level": review["level"],
            "channel": review["channel"], "created_at": records.review_json({**review, "voided_at": None}, tz)[
                "created_at"], "rectification_id": case["id"] if case else None}


def _review_events(review: dict[str, Any] | None, case: dict[str, Any] | None, *_: Any) -> list[Event]:
    """``review.created`` when a review was stored (the writer publishes it right after the commit)."""
    if review is None:
        return []
    # Only supervision sees levels: the window's staff must not see or steer the choice.
    data = {"id": review["id"], "ticket": review["ticket_number"], "window": review["window"],
            "level": review["level"], "channel": review["channel"], "bad": review["level"] in BAD_LEVELS,
            "rectification_id": case["id"] if case else None}
    return [Event("review.created", data, frozenset({"admin"}))]


@routes.get("/api/reviews/form/{token}", "评价页数据 What the phone review page shows (number, service, window, levels, "
            "reasons, reviewable)", params=ReviewTokenPath, responses={"200": "ok", "404": "unknown token"})
async def _handle_get_review_form(request: web.Request, path: ReviewTokenPath) -> web.Response:
    """What the phone review page needs about a ticket (public: the token is the credential)."""
    db, config = request.app[DB], request.app[CONFIG]
    ticket = records.ticket_by_token(db, path.token)
    service = config.services.get(ticket["service"])
    window = config.windows.get(ticket["window"]) if ticket.get("window") is not None else None
    reviewed = records.review_of_ticket(db, ticket["id"]) is not None
    return json_response({
        "hall": config.hall.name, "number": ticket["number"], "service": service.name if service else "",
        "window": ticket.get("window"), "window_name": window.name if window else "", "status": ticket["status"],
        "reviewed": reviewed, "reviewable": ticket["status"] == "finished" and not reviewed,
        "levels": [{"code": k, "name": v, "bad": k in BAD_LEVELS} for k, v in LEVELS.items()],
        "reasons": list(state(request).settings.bad_reasons), "supervision_phone": config.hall.supervision_phone,
    })


@routes.get("/r/{token}", "手机评价页 The phone review page (HTML)", params=ReviewTokenPath, produces="text/html")
async def _handle_get_review_page(request: web.Request, path: ReviewTokenPath) -> web.Response:
    return web.Response(text=(WEB / "review.html").read_text("utf-8"), content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@routes.get("/api/reviews", "评价台账 Review ledger, newest first", roles=ADMIN, query=ReviewListQuery)
async def _handle_list_reviews(request: web.Request, query: ReviewListQuery) -> web.Response:
    require(request, "admin")
    day_from, day_to = day_range(request, default_days=30)
    where, params = ["business_day BETWEEN ? AND ?"], [day_from, day_to]
    for name in ("level", "channel"):
        if getattr(query, name):
            where.append(f"{name} = ?")
            params.append(getattr(query, name))
    if query.window is not None:
        where.append("window = ?")
        params.append(query.window)
    if query.flagged:
        where.append("flagged = 1")
    limit = query.limit
    rows = request.app[DB].query(
        f"SELECT * FROM reviews WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?", [*params, limit])
    tz = request.app[CONFIG].hall.tz
    return json_response([records.review_json(r, tz) for r in rows])


@routes.post(r"/api/reviews/{id:\d+}/void", "作废评价 Void a malicious or mistaken review (kept, never deleted)",
             roles=ADMIN, params=IdPath, body=VoidRequest, responses={
                 "200": "the voided review", "404": "no such review", "409": "already voided",
                 "422": "approver missing or oneself"})
async def _handle_void_review(request: web.Request, path: IdPath, body: VoidRequest) -> web.Response:
    """Void a review (恶意/误评). A second admin approves it with their own 工号 and password, checked here: a typed
    name would let one manager void any bad review alone."""
    principal = require(request, "admin")
    reason = body.reason
    actor = actor_name(principal)
    if body.approver == principal.staff_no:
        raise invalid("approver", "审批人不能是操作人本人")
    approver = await _second_admin(request, body.approver, body.approver_password)
    db, at = request.app[DB], now(request)
    # no WebSocket client sees the event (no topic): the outbox's province channel withdraws the review there
    await request.app[WRITER].run(lambda wdb: records.log_review_void(wdb, path.id, actor, reason, approver, at),
                                  events=lambda _: [Event(records.VOIDED_EVENT, {"id": path.id}, frozenset())])
    row = next(db.query("SELECT * FROM reviews WHERE id = ?", [path.id]))
    return json_response(records.review_json(row, request.app[CONFIG].hall.tz))


async def _second_admin(request: web.Request, staff_no: str, password: str) -> str:
    """The approver as the ledger records them (姓名（工号）) once their admin password checks out.

    Wrong passwords count against the 工号 like failed logins, so the form cannot be used to guess them.
    """
    guards, db = request.app[GUARDS], request.app[DB]
    guards.check("审批人验证", (guards.login_staff, staff_no))
    row = db.execute("select name, password_hash from staff where staff_no = ? and role = 'admin' and active",
                     [staff_no]).fetchone()
    if not await check_password_off_loop(password, row[1] if row else None):
        guards.login_staff.fail(staff_no)
        raise invalid("approver", "审批人须为另一位管理员，且工号和密码正确")
    return f"{row[0]}（{staff_no}）"


@routes.get("/api/reviews/unrated", "未评价办件 Finished tickets without a review (to invite)", roles=ADMIN,
            query=DaysQuery)
async def _handle_list_unrated(request: web.Request, query: DaysQuery) -> web.Response:
    require(request, "admin")
    day_from, day_to = day_range(request, default_days=7)
    tz = request.app[CONFIG].hall.tz
    from queue_server.reviews.common import local_iso

    rows = records.unrated_tickets(request.app[DB], day_from, day_to)
    return json_response([{**r, "finished_at": local_iso(r["finished_at"], tz)} for r in rows])


@routes.post("/api/reviews/invitations", "邀评记录 Log an invitation; a 电话邀评 answered on the phone stores the review "
             "(channel phone)", roles=ADMIN, body=InvitationRequest, responses={
                 "201": "{id, ticket, outcome, review}", "404": "no such ticket", "409": "already reviewed"})
async def _handle_create_invitation(request: web.Request, body: InvitationRequest) -> web.Response:
    """电话邀评 etc.: log the invitation; when the citizen rated on the call, store that review (channel phone)."""
    principal = require(request, "admin")
    body = body.model_dump()
    db, config, at, st = request.app[DB], request.app[CONFIG], now(request), state(request)
    ticket_id = body.get("ticket_id")
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int):
        raise invalid("ticket_id", "缺少号票编号 ticket_id")
    method = body.get("method", "phone")
    if method not in ("phone", "sms", "qr"):
        raise invalid("method", "邀评方式应为 phone/sms/qr")
    outcome = body.get("outcome")
    if outcome not in ("rated", "declined", "unreachable", "sent"):
        raise invalid("outcome", "结果应为 rated/declined/unreachable/sent")
    note = body["note"] or ""
    review = case = None
    ticket = records.ticket_by_id(db, ticket_id)
    if outcome == "rated":
        if method != "phone":
            raise invalid("method", "只有电话邀评可以当场录入评价")
        level, reasons, comment, _ = records.validate_review_body({**body, "channel": "phone"}, st.settings)

    def write(wdb) -> tuple:
        review = case = None
        if outcome == "rated":
            reviewer = records.Reviewer("invitation", f"staff:{actor_name(principal)}", None, actor_name(principal))
            records.check_reviewable(wdb, ticket, reviewer, st.settings, at)
            review, case = records.insert_review(wdb, ticket, reviewer, st.settings, config, at, level, reasons,
                                                 comment, "phone", False)
        return review, case, records.record_invitation(wdb, ticket, method, outcome, note, actor_name(principal), at)

    review, case, invitation_id = await request.app[WRITER].run(
        write, events=lambda done: _review_events(*done))
    return json_response({"id": invitation_id, "ticket": ticket["number"], "outcome": outcome,
                              "review": _created(review, case, config) if review else None}, status=201)


@routes.get("/api/reviews/flags", "限流记录 Devices refused for bursts", roles=ADMIN)
async def _handle_list_flags(request: web.Request) -> web.Response:
    require(request, "admin")
    from queue_server.reviews.common import local_iso

    tz = request.app[CONFIG].hall.tz
    rows = request.app[DB].query("SELECT * FROM review_flags ORDER BY id DESC LIMIT 500")
    return json_response([{**r, "at": local_iso(r["at"], tz)} for r in rows])


@routes.get("/api/rectifications", "差评整改 Bad-review cases: [{id, review_id, ticket, window, level, state, "
            "callback_due, rectify_due, opened_at, overdue, on_time, …}]", roles=ADMIN, query=CaseListQuery)
async def _handle_list_cases(request: web.Request, query: CaseListQuery) -> web.Response:
    require(request, "admin")
    day_from, day_to = query.from_, query.to
    if day_from or day_to:
        day_from, day_to = day_range(request, default_days=3650)
    state_filter = query.state
    at, tz = now(request), request.app[CONFIG].hall.tz
    rows = [rectification.case_json(c, tz, at) for c in rectification.list_cases(
        request.app[DB], state=state_filter, day_from=day_from, day_to=day_to, window=query.window)]
    if query.overdue:
        rows = [r for r in rows if r["overdue"]]
    return json_response(rows)


@routes.get(r"/api/rectifications/{id:\d+}", "整改案件 One case with its review and history", roles=ADMIN,
            params=IdPath, responses={"200": "the case", "404": "no such case"})
async def _handle_get_case(request: web.Request, path: IdPath) -> web.Response:
    require(request, "admin")
    db, tz = request.app[DB], request.app[CONFIG].hall.tz
    case = rectification.get_case(db, path.id)
    review = next(db.query("SELECT * FROM reviews WHERE id = ?", [case["review_id"]]))
    return json_response({**rectification.case_json(case, tz, now(request)),
                              "review": records.review_json(review, tz),
                              "history": case_history(db, "rectification", case["id"], tz)})


@routes.post(r"/api/rectifications/{id:\d+}/{action}", "整改操作 call_back {note} → start {responsible} → rectify "
             "{measures} → verdict {verdict: satisfied|dissatisfied}; assign {responsible}", roles=ADMIN,
             params=CaseActionPath, body=CaseActionRequest, body_required=False, responses={
                 "200": "the updated case", "404": "no such case", "409": "not allowed in this state",
                 "422": "missing field"})
async def _handle_case_action(request: web.Request, path: CaseActionPath, body: CaseActionRequest) -> web.Response:
    case_id, action, at = path.id, path.action, now(request)
    case = await admin_write(request, body.model_dump(),
                             lambda db, body, actor: rectification.act(db, case_id, action, body, actor, at))
    return json_response(rectification.case_json(case, request.app[CONFIG].hall.tz, at))


def setup(app: web.Application) -> None:
    """Add the reviews area's routes (and validate ``[reviews]``)."""
    install_state(app)
    routes.add_to(app)
    review_ledgers.setup(app)
