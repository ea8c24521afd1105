"""Taking a review: the 好差评 rules (一次一评, only after 办结, bad levels need a reason, tablets bound to their
window) and opening the rectification case of a bad review in the same transaction.

Who may review is decided by the caller (the view) and passed in as a :class:`Reviewer`; this module checks the
ticket against it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from queue_server.core.case_refs import case_refs
from queue_server.core.errors import ApiError, conflict, invalid, not_found
from queue_server.core.hall_time import business_day_bound
from queue_server.reviews.common import actor_who, iso, log_action, parse
from queue_server.reviews.levels import BAD_LEVELS, CHANNELS, LEVELS
from queue_server.reviews.settings import ReviewSettings


@dataclass(frozen=True)
class Reviewer:
    """Who submits a review.

    :param kind: ``tablet`` (a counter tablet bound to ``window``), ``citizen`` (holds the ticket token),
        ``terminal`` (a hall kiosk that scanned the ticket) or ``invitation`` (supervision entering a 电话邀评).
    :param device: the rate-limit key: the tablet's or kiosk's token id, or the phone (address + the review page's
        random device id).
    :param address: a phone's network address, limited as a whole too (many phones share the hall's WiFi).
    :param name: the rater shown in exports (empty for an anonymous citizen) or the staff member entering it.
    """

    kind: str
    device: str
    window: int | None = None
    name: str = ""
    address: str | None = None


def ticket_by_token(db: Database, token: str) -> dict[str, Any]:
    """The ticket a token belongs to, or 404."""
    rows = list(db.query("SELECT * FROM tickets WHERE token = ?", [token]))
    if not rows:
        raise not_found("找不到该号票，请核对二维码")
    return rows[0]


def ticket_by_id(db: Database, ticket_id: int) -> dict[str, Any]:
    """The ticket with this id, or 404."""
    rows = list(db.query("SELECT * FROM tickets WHERE id = ?", [ticket_id]))
    if not rows:
        raise not_found("找不到该号票")
    return rows[0]


def last_finished_at_window(db: Database, window: int, now: datetime) -> dict[str, Any] | None:
    """The ticket a window finished most recently (what its counter tablet may review), in the last day: a tablet
    reviews within ``tablet_review_minutes`` (at most a day) of 办结, and the bound lets SQLite read those days'
    finished tickets on ``(status, business_day)`` rather than sort every finished ticket the hall ever had."""
    rows = list(db.query(
        "SELECT * FROM tickets WHERE window = ? AND status = 'finished' AND business_day >= ? "
        "AND finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1",
        [window, business_day_bound(now)]))
    return rows[0] if rows else None


def review_of_ticket(db: Database, ticket_id: int) -> dict[str, Any] | None:
    """The review of a ticket, voided or not."""
    rows = list(db.query("SELECT * FROM reviews WHERE ticket_id = ?", [ticket_id]))
    return rows[0] if rows else None


def validate_review_body(body: dict[str, Any], settings: ReviewSettings) -> tuple[str, list[str], str, str]:
    """Level, reasons, comment and channel of a review request, checked; raises ``invalid`` naming the field."""
    level = body.get("level")
    if level not in LEVELS:
        raise invalid("level", "评价等级无效，应为" + "、".join(LEVELS.values()))
    reasons = body.get("reasons") or []
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise invalid("reasons", "差评原因必须是文字列表")
    reasons = [r.strip() for r in reasons if r.strip()]
    if len(reasons) > 10 or any(len(r) > 100 for r in reasons):
        raise invalid("reasons", "差评原因过多或过长")
    comment = body.get("comment") or ""
    if not isinstance(comment, str) or len(comment) > 500:
        raise invalid("comment", "评价内容必须是不超过500字的文字")
    if level in BAD_LEVELS and not reasons:
        raise invalid("reasons", "选择“不满意”或“非常不满意”时请至少选择或填写一条原因")
    channel = body.get("channel")
    if channel not in CHANNELS:
        raise invalid("channel", "评价渠道无效，应为" + "、".join(CHANNELS.values()))
    return level, reasons, comment.strip(), channel


def check_reviewable(db: Database, ticket: dict[str, Any], reviewer: Reviewer, settings: ReviewSettings,
                     now: Any) -> None:
    """Raise unless ``reviewer`` may review ``ticket`` now (一次一评, only after 办结, tablet bound to window)."""
    if review_of_ticket(db, ticket["id"]) is not None:
        raise conflict("该号已评价，每次办事只能评价一次")
    if ticket["status"] != "finished" or not ticket.get("finished_at"):
        raise conflict("办结后才能评价")
    finished_at = parse(ticket["finished_at"])
    if reviewer.kind == "tablet":
        last = last_finished_at_window(db, reviewer.window, now) if reviewer.window is not None else None
        if ticket.get("window") != reviewer.window or last is None or last["id"] != ticket["id"]:
            raise ApiError(403, "forbidden", "评价器只能评价本窗口刚办结的号")
        if now - finished_at > timedelta(minutes=settings.tablet_review_minutes):
            raise ApiError(403, "forbidden", "已超过评价器评价时限，请扫码评价")
    elif reviewer.kind in ("citizen", "terminal"):
        if now - finished_at > timedelta(days=settings.public_review_days):
            raise ApiError(403, "forbidden", "已超过评价期限")


def _served_by(db: Database, ticket: dict[str, Any], settings: ReviewSettings,
               now: Any) -> tuple[str | None, str | None]:
    """工号 and name of who finished the ticket.

    From the finishing log line (the core logs ``role:工号``); when that names no staff account (a keypad relayed
    by the device agent), the window's logged-in staff, but only while the finish is recent enough for them to
    still be the same person.
    """
    row = db.execute("SELECT actor FROM ticket_log WHERE ticket_id = ? AND action = 'finish' ORDER BY id DESC LIMIT 1",
                     [ticket["id"]]).fetchone()
    who = actor_who(row[0]) if row else None
    if who:
        found = db.execute("SELECT staff_no, name FROM staff WHERE staff_no = ? OR name = ? LIMIT 1",
                           [who, who]).fetchone()
        if found:
            return found[0], found[1]
    finished_at = parse(ticket.get("finished_at"))
    recent = finished_at is not None and now - finished_at <= timedelta(minutes=settings.tablet_review_minutes)
    if recent and ticket.get("window") is not None:
        current = db.execute("SELECT staff_no, staff_name FROM windows WHERE number = ?", [ticket["window"]]).fetchone()
        if current:
            return current[0], current[1]
    return None, None


def insert_review(db: Database, ticket: dict[str, Any], reviewer: Reviewer, settings: ReviewSettings,
                  config: Any, now: Any, level: str, reasons: list[str], comment: str, channel: str,
                  flagged: bool) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Store the review and, for a bad level, open its rectification case (inside the caller's transaction).

    The review keeps who served (工号), the 办件编号 and the 事项编码 as they are now (:mod:`queue_server.core.case_refs`)."""
    service = config.services.get(ticket["service"])
    staff_no, staff_name = _served_by(db, ticket, settings, now)
    refs = case_refs(db, ticket, config.hall.region_code)
    review = {
        "ticket_id": ticket["id"], "ticket_number": ticket["number"], "business_day": ticket["business_day"],
        "service": ticket["service"], "department": service.department if service else None,
        "window": ticket.get("window"), "staff_no": staff_no, "staff_name": staff_name,
        "level": level, "reasons": json.dumps(reasons, ensure_ascii=False), "comment": comment,
        "channel": channel, "rater": reviewer.name if reviewer.kind == "citizen" else "",
        "invited": 1 if reviewer.kind == "invitation" else 0,
        "entered_by": reviewer.name if reviewer.kind == "invitation" else None,
        "device": reviewer.device, "flagged": 1 if flagged else 0, "created_at": iso(now),
        "case_no": refs.case_no, "item_code": refs.item_code,
    }
    cursor = db.execute(
        f"INSERT INTO reviews ({', '.join(review)}) VALUES ({', '.join('?' * len(review))})", list(review.values()))
    review["id"] = cursor.lastrowid
    case = None
    if level in BAD_LEVELS:
        from queue_server.reviews.rectification import open_case

        case = open_case(db, review, settings, config.hall.tz, now)
    return review, case


def review_json(row: dict[str, Any], tz: Any) -> dict[str, Any]:
    """A review as the API shows it (times in the hall's zone, reasons as a list)."""
    from queue_server.reviews.common import local_iso
    from queue_server.reviews.levels import channel_name, level_name

    out = dict(row)
    out["reasons"] = json.loads(row["reasons"] or "[]")
    out["level_name"] = level_name(row["level"])
    out["channel_name"] = channel_name(row["channel"])
    out["invited"] = bool(row["invited"])
    out["flagged"] = bool(row["flagged"])
    out["voided"] = row.get("voided_at") is not None
    for key in ("created_at", "voided_at"):
        out[key] = local_iso(row.get(key), tz)
    out.pop("device", None)
    if out.get("rater"):  # a citizen's own name, shown masked in every admin list (the export keeps the record)
        from queue_server.core.privacy import mask_name

        out["rater"] = mask_name(out["rater"])
    return out


def record_invitation(db: Database, ticket: dict[str, Any], method: str, outcome: str, note: str,
                      invited_by: str, now: Any) -> int:
    """Log one invitation to rate (电话邀评, 短信, 二维码) of an unrated ticket."""
    cursor = db.execute(
        "INSERT INTO review_invitations (ticket_id, method, outcome, note, invited_by, at) VALUES (?,?,?,?,?,?)",
        [ticket["id"], method, outcome, note, invited_by, iso(now)])
    return int(cursor.lastrowid)


def unrated_tickets(db: Database, day_from: str, day_to: str, limit: int = 500) -> list[dict[str, Any]]:
    """Finished tickets with no review in [day_from, day_to], with how often each was invited."""
    return list(db.query(
        "SELECT t.id, t.number, t.service, t.window, t.business_day, t.finished_at, "
        "(SELECT COUNT(*) FROM review_invitations i WHERE i.ticket_id = t.id) AS invitations, "
        "(SELECT outcome FROM review_invitations i WHERE i.ticket_id = t.id ORDER BY i.id DESC LIMIT 1) "
        "AS last_outcome "
        "FROM tickets t WHERE t.status = 'finished' AND t.business_day BETWEEN ? AND ? "
        "AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.ticket_id = t.id) "
        "ORDER BY t.finished_at DESC LIMIT ?", [day_from, day_to, limit]))


#: the event of a voided review (the province's push withdraws it)
VOIDED_EVENT = "review.voided"


def log_review_void(db: Database, review_id: int, actor: str, reason: str, approver: str, now: Any) -> None:
    """Void a review (malicious or mistaken): keep the row, record why and who approved; never delete."""
    row = db.execute("SELECT voided_at FROM reviews WHERE id = ?", [review_id]).fetchone()
    if row is None:
        raise not_found("找不到该评价")
    if row[0] is not None:
        raise conflict("该评价已作废")
    db.execute("UPDATE reviews SET voided_at = ?, void_reason = ?, void_approver = ?, voided_by = ? WHERE id = ?",
               [iso(now), reason, approver, actor, review_id])
    log_action(db, "review", review_id, "void", actor, f"{reason}（审批人：{approver}）", now)
    db.execute("UPDATE rectifications SET state = 'voided', voided_at = ? WHERE review_id = ? "
               "AND state != 'voided'", [iso(now), review_id])
    case = db.execute("SELECT id FROM rectifications WHERE review_id = ?", [review_id]).fetchone()
    if case:
        log_action(db, "rectification", case[0], "void", actor, f"评价作废：{reason}（审批人：{approver}）", now)
