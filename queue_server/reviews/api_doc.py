"""The reviews area's part of ``GET /api/openapi.json``: who may call each route, what it takes, what it answers."""
from __future__ import annotations

from typing import Any

from queue_server.reviews.levels import CHANNELS, LEVELS

_TYPES = {str: "string", int: "integer", bool: "boolean", list: "array", float: "number"}


def op(summary: str, roles: tuple[str, ...] = (), body: dict[str, Any] | None = None,
       required: tuple[str, ...] = (), query: tuple[str, ...] = (), path: tuple[str, ...] = (),
       responses: dict[str, str] | None = None) -> dict[str, Any]:
    """One OpenAPI operation; ``body`` maps field → type or a ready schema dict."""
    out: dict[str, Any] = {"summary": summary}
    if roles:
        out["security"] = [{"bearer": list(roles)}]
    params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in path]
    params += [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}} for q in query]
    if params:
        out["parameters"] = params
    if body:
        props = {k: v if isinstance(v, dict) else {"type": _TYPES[v]} for k, v in body.items()}
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            schema["required"] = list(required)
        out["requestBody"] = {"content": {"application/json": {"schema": schema}}}
    out["responses"] = {code: {"description": text} for code, text in (responses or {"200": "ok"}).items()}
    return out


ADMIN = ("admin",)
DAYS = ("from", "to")
LEVEL = {"type": "string", "enum": list(LEVELS)}
REVIEW_BODY = {"ticket_token": str, "level": LEVEL, "reasons": {"type": "array", "items": {"type": "string"}},
               "comment": str, "channel": {"type": "string", "enum": list(CHANNELS)}, "rater": str}

REVIEW_PATHS: dict[str, Any] = {
    "/api/reviews": {
        "post": op("提交评价 Submit a review: counter tablet (its window's just-finished ticket; token optional), "
                   "hall kiosk (channel terminal) or anyone holding the ticket token (qr/mobile/pc/sms). "
                   "One per ticket; bad levels need a reason. Header X-Review-Device: the phone's random id.",
                   body=REVIEW_BODY, required=("level", "channel"),
                   responses={"201": "{id, ticket, level, channel, created_at, rectification_id}",
                              "403": "forbidden: tablet of another window, too late", "404": "unknown ticket token",
                              "409": "conflict: already reviewed, or not finished", "422": "invalid (names the field)",
                              "429": "rate_limited (flagged for supervision)"}),
        "get": op("评价台账 Review ledger, newest first", ADMIN,
                  query=("from", "to", "level", "channel", "window", "flagged", "limit")),
    },
    "/api/reviews/form/{token}": {"get": op(
        "评价页数据 What the phone review page shows (number, service, window, levels, reasons, reviewable)",
        path=("token",), responses={"200": "ok", "404": "unknown token"})},
    "/api/reviews/{id}/void": {"post": op(
        "作废评价 Void a malicious or mistaken review (kept, never deleted)", ADMIN, path=("id",),
        body={"reason": str, "approver": str, "approver_password": str},
        required=("reason", "approver", "approver_password"),
        responses={"200": "the voided review", "409": "already voided",
                   "422": "approver is not another admin's 工号 and password", "429": "too many wrong approver passwords"})},
    "/api/reviews/unrated": {"get": op("未评价办件 Finished tickets without a review (to invite)", ADMIN,
                                       query=DAYS)},
    "/api/reviews/invitations": {"post": op(
        "邀评记录 Log an invitation; a 电话邀评 answered on the phone stores the review (channel phone)", ADMIN,
        body={"ticket_id": int, "method": {"type": "string", "enum": ["phone", "sms", "qr"]},
              "outcome": {"type": "string", "enum": ["rated", "declined", "unreachable", "sent"]},
              "level": LEVEL, "reasons": {"type": "array", "items": {"type": "string"}}, "comment": str,
              "note": str},
        required=("ticket_id", "outcome"), responses={"201": "{id, ticket, outcome, review}",
                                                      "409": "already reviewed"})},
    "/api/reviews/flags": {"get": op("限流记录 Devices refused for bursts", ADMIN)},
    "/api/rectifications": {"get": op(
        "差评整改 Bad-review cases: [{id, review_id, ticket, window, level, state, callback_due, rectify_due, "
        "opened_at, overdue, on_time, …}]", ADMIN, query=("state", "from", "to", "window", "overdue"))},
    "/api/rectifications/{id}": {"get": op("整改案件 One case with its review and history", ADMIN, path=("id",))},
    "/api/rectifications/{id}/{action}": {"post": op(
        "整改操作 call_back {note} → start {responsible} → rectify {measures} → verdict {verdict: "
        "satisfied|dissatisfied}; assign {responsible}", ADMIN, path=("id", "action"),
        body={"note": str, "responsible": str, "measures": str,
              "verdict": {"type": "string", "enum": ["satisfied", "dissatisfied"]}},
        responses={"200": "the updated case", "409": "not allowed in this state", "422": "missing field"})},
    "/r/{token}": {"get": op("手机评价页 The phone review page (HTML)", path=("token",))},
}

LEDGER_PATHS: dict[str, Any] = {
    "/api/complaints": {
        "get": op("有诉即办台账 Complaints", ADMIN, query=("state", "kind", "from", "to", "overdue")),
        "post": op("登记诉求 Register a complaint (deadline in working days)", ADMIN,
                   body={"kind": {"type": "string", "enum": ["complaint", "cannot_get_done"]},
                         "channel": {"type": "string", "enum": ["desk", "phone", "online", "letter", "review"]},
                         "complainant": str, "phone": str, "content": str, "service": str, "window": int,
                         "department": str, "ticket_number": str, "responsible": str},
                   required=("complainant", "content", "responsible"), responses={"201": "the entry"}),
    },
    "/api/complaints/{id}": {"get": op("诉求详情 One complaint with its history", ADMIN, path=("id",))},
    "/api/complaints/{id}/{action}": {"post": op(
        "诉求办理 handle; resolve {answer}; confirm {confirmation: satisfied|dissatisfied}; assign {responsible}",
        ADMIN, path=("id", "action"), body={"answer": str, "confirmation": str, "responsible": str, "note": str})},
    "/api/followups": {"get": op("企业回访台账 Enterprises with call-backs and samples", ADMIN,
                                 query=("category",))},
    "/api/enterprises": {"post": op(
        "登记服务企业 Register an enterprise served", ADMIN,
        body={"name": str, "credit_code": str, "category": {"type": "string", "enum": ["new", "existing"]},
              "contact": str, "phone": str, "service": str, "served_on": str, "ticket_number": str},
        required=("name", "credit_code", "category"), responses={"201": "the entry", "409": "already listed"})},
    "/api/enterprises/{id}/followups": {"post": op(
        "回访记录 A call-back", ADMIN, path=("id",),
        body={"reached": bool, "conduct": LEVEL, "experience": LEVEL, "satisfaction": LEVEL, "notes": str},
        responses={"201": "the call-back"})},
    "/api/followups/{id}/samples": {"post": op("督查抽查 Supervision's spot check", ADMIN, path=("id",),
                                               body={"consistent": bool, "note": str}, required=("consistent",),
                                               responses={"201": "the sample"})},
    "/api/followups/draw": {"post": op("随机抽查 Draw reached, not yet sampled call-backs at random", ADMIN,
                                       body={"count": int}, responses={"200": "{followup_ids}"})},
    "/api/kpis": {"get": op(
        "指标 KPIs from the records: tickets, served, no_shows, mean/p90 wait, share_over_20_min, good/bad rate, "
        "active_review_rate, unrated_rate, on_time_rectification_rate, rectification_satisfaction_rate, …",
        ADMIN, query=DAYS)},
    "/api/kpis/breakdown": {"get": op("分组指标 KPIs by day/week/month/quarter/window/staff/service/department/hour",
                                      ADMIN, query=("by", "from", "to"))},
    "/api/kpis/ranking": {"get": op("单位考核排名 Departments ranked (default: this quarter)", ADMIN, query=DAYS)},
    "/api/alerts": {"get": op("逾期预警 Overdue call-backs, rectifications and complaints", ADMIN)},
    "/api/exports/{ledger}.{fmt}": {"get": op(
        "导出 reviews|rectifications|complaints|followups|gbt39046 as csv|xlsx", ADMIN,
        path=("ledger", "fmt"), query=DAYS, responses={"200": "the file", "404": "unknown ledger"})},
}
