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
from queue_server.reviews.api_doc import REVIEW_PATHS
from queue_server.reviews.common import case_history, iso, text_field
from queue_server.reviews.http import (actor_name, admin_write, client_address, day_range, install_state, int_query,
                                       json_body, now, state)
from queue_server.reviews.levels import BAD_LEVELS, LEVELS
from queue_server.web.auth import require

WEB = Path(__file__).resolve().parent / "web"
CITIZEN_CHANNELS = ("qr", "mobile", "pc", "sms")


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
    """Count this attempt (refused ones too: a device probing tokens is a burst) or refuse it with 429 + a flag."""
    st = state(request)
    refusal = None
    if not st.limiter.allow(reviewer.device):
        refusal = (reviewer.device, "rate_limited")
    elif reviewer.address is not None and not st.address_limiter.allow(f"ip:{reviewer.address}"):
        refusal = (f"ip:{reviewer.address}", "address_rate_limited")
    if refusal is not None:
        flag = [*refusal, token[-6:] if isinstance(token, str) else "", iso(now(request))]
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


async def _handle_create_review(request: web.Request) -> web.Response:
    body = await json_body(request)
    reviewer = _reviewer(request, body)
    token = body.get("ticket_token")
    await _check_rate(request, reviewer, token)
    st = state(request)
    db, config, at = request.app[DB], request.app[CONFIG], now(request)
    level, reasons, comment, channel = records.validate_review_body(body, st.settings)
    allowed = {"tablet": ("tablet",), "terminal": ("terminal",)}.get(reviewer.kind, CITIZEN_CHANNELS)
    if channel not in allowed:
        raise invalid("channel", "此渠道只能为 " + "/".join(allowed))
    if not isinstance(token, str) or not token:
        if reviewer.kind != "tablet":
            raise invalid("ticket_token", "缺少号票凭证 ticket_token")
        ticket = records.last_finished_at_window(db, reviewer.window) if reviewer.window is not None else None
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
    return web.json_response(_created(review, case, config), status=201)


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


async def _handle_get_review_form(request: web.Request) -> web.Response:
    """What the phone review page needs about a ticket (public: the token is the credential)."""
    db, config = request.app[DB], request.app[CONFIG]
    ticket = records.ticket_by_token(db, request.match_info["token"])
    service = config.services.get(ticket["service"])
    window = config.windows.get(ticket["window"]) if ticket.get("window") is not None else None
    reviewed = records.review_of_ticket(db, ticket["id"]) is not None
    return web.json_response({
        "hall": config.hall.name, "number": ticket["number"], "service": service.name if service else "",
        "window": ticket.get("window"), "window_name": window.name if window else "", "status": ticket["status"],
        "reviewed": reviewed, "reviewable": ticket["status"] == "finished" and not reviewed,
        "levels": [{"code": k, "name": v, "bad": k in BAD_LEVELS} for k, v in LEVELS.items()],
        "reasons": list(state(request).settings.bad_reasons), "supervision_phone": config.hall.supervision_phone,
    })


async def _handle_get_review_page(request: web.Request) -> web.Response:
    return web.Response(text=(WEB / "review.html").read_text("utf-8"), content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def _handle_list_reviews(request: web.Request) -> web.Response:
    require(request, "admin")
    day_from, day_to = day_range(request, default_days=30)
    where, params = ["business_day BETWEEN ? AND ?"], [day_from, day_to]
    for name in ("level", "channel"):
        if request.query.get(name):
            where.append(f"{name} = ?")
            params.append(request.query[name])
    if (window := int_query(request, "window")) is not None:
        where.append("window = ?")
        params.append(window)
    if request.query.get("flagged"):
        where.append("flagged = 1")
    limit = int_query(request, "limit")
    limit = 1000 if limit is None else limit
    if not 1 <= limit <= 10000:
        raise invalid("limit", "limit 应在 1 到 10000 之间")
    rows = request.app[DB].query(
        f"SELECT * FROM reviews WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?", [*params, limit])
    tz = request.app[CONFIG].hall.tz
    return web.json_response([records.review_json(r, tz) for r in rows])


async def _handle_void_review(request: web.Request) -> web.Response:
    principal = require(request, "admin")
    body = await json_body(request)
    reason = text_field(body, "reason", limit=500)
    approver = text_field(body, "approver", limit=50)
    actor = actor_name(principal)
    if approver == actor:
        raise invalid("approver", "审批人不能是操作人本人")
    db, review_id, at = request.app[DB], int(request.match_info["id"]), now(request)
    await request.app[WRITER].run(lambda wdb: records.log_review_void(wdb, review_id, actor, reason, approver, at))
    row = next(db.query("SELECT * FROM reviews WHERE id = ?", [int(request.match_info["id"])]))
    return web.json_response(records.review_json(row, request.app[CONFIG].hall.tz))


async def _handle_list_unrated(request: web.Request) -> web.Response:
    require(request, "admin")
    day_from, day_to = day_range(request, default_days=7)
    tz = request.app[CONFIG].hall.tz
    from queue_server.reviews.common import local_iso

    rows = records.unrated_tickets(request.app[DB], day_from, day_to)
    return web.json_response([{**r, "finished_at": local_iso(r["finished_at"], tz)} for r in rows])


async def _handle_create_invitation(request: web.Request) -> web.Response:
    """电话邀评 etc.: log the invitation; when the citizen rated on the call, store that review (channel phone)."""
    principal = require(request, "admin")
    body = await json_body(request)
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
    note = text_field(body, "note", required=False, limit=500)
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
    return web.json_response({"id": invitation_id, "ticket": ticket["number"], "outcome": outcome,
                              "review": _created(review, case, config) if review else None}, status=201)


async def _handle_list_flags(request: web.Request) -> web.Response:
    require(request, "admin")
    from queue_server.reviews.common import local_iso

    tz = request.app[CONFIG].hall.tz
    rows = request.app[DB].query("SELECT * FROM review_flags ORDER BY id DESC LIMIT 500")
    return web.json_response([{**r, "at": local_iso(r["at"], tz)} for r in rows])


async def _handle_list_cases(request: web.Request) -> web.Response:
    require(request, "admin")
    q = request.query
    day_from = q.get("from")
    day_to = q.get("to")
    if day_from or day_to:
        day_from, day_to = day_range(request, default_days=3650)
    state_filter = q.get("state")
    if state_filter and state_filter != "open" and state_filter not in rectification.STATES:
        raise invalid("state", "未知状态")
    at, tz = now(request), request.app[CONFIG].hall.tz
    rows = [rectification.case_json(c, tz, at) for c in rectification.list_cases(
        request.app[DB], state=state_filter, day_from=day_from, day_to=day_to, window=int_query(request, "window"))]
    if q.get("overdue"):
        rows = [r for r in rows if r["overdue"]]
    return web.json_response(rows)


async def _handle_get_case(request: web.Request) -> web.Response:
    require(request, "admin")
    db, tz = request.app[DB], request.app[CONFIG].hall.tz
    case = rectification.get_case(db, int(request.match_info["id"]))
    review = next(db.query("SELECT * FROM reviews WHERE id = ?", [case["review_id"]]))
    return web.json_response({**rectification.case_json(case, tz, now(request)),
                              "review": records.review_json(review, tz),
                              "history": case_history(db, "rectification", case["id"], tz)})


async def _handle_case_action(request: web.Request) -> web.Response:
    case_id, action, at = int(request.match_info["id"]), request.match_info["action"], now(request)
    case = await admin_write(request, lambda db, body, actor: rectification.act(db, case_id, action, body, actor, at))
    return web.json_response(rectification.case_json(case, request.app[CONFIG].hall.tz, at))


OPENAPI_PATHS: dict[str, Any] = {**REVIEW_PATHS, **review_ledgers.OPENAPI_PATHS}


def setup(app: web.Application) -> None:
    """Add the reviews area's routes (and validate ``[reviews]``)."""
    install_state(app)
    app.router.add_post("/api/reviews", _handle_create_review)
    app.router.add_get("/api/reviews", _handle_list_reviews)
    app.router.add_get("/api/reviews/form/{token}", _handle_get_review_form)
    app.router.add_get("/api/reviews/unrated", _handle_list_unrated)
    app.router.add_get("/api/reviews/flags", _handle_list_flags)
    app.router.add_post("/api/reviews/invitations", _handle_create_invitation)
    app.router.add_post(r"/api/reviews/{id:\d+}/void", _handle_void_review)
    app.router.add_get("/api/rectifications", _handle_list_cases)
    app.router.add_get(r"/api/rectifications/{id:\d+}", _handle_get_case)
    app.router.add_post(r"/api/rectifications/{id:\d+}/{action}", _handle_case_action)
    app.router.add_get("/r/{token}", _handle_get_review_page)
    review_ledgers.setup(app)
