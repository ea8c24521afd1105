"""Keeping a consented phone: the number's rule, storing it for one ticket, withdrawing it (the citizen, or an admin
for them), listing it masked, and the retention purge (which also masks the number in old SMS messages of the outbox)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from queue_server.core.clock import to_iso
from queue_server.core.errors import ApiError, conflict
from queue_server.core.privacy import mask_phone
from queue_server.policy.ordering import OrderRule
from queue_server.queue import admin_log
from queue_server.queue.positions import people_ahead

#: a mainland mobile number: 11 digits, 1 then 3–9 (the numbering plan's mobile ranges)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
MOBILE_RULE = "请输入11位手机号码（以13–19开头）"
#: the ticket states a reminder can still help (a finished or expired ticket has nothing left to remind of)
OPEN = ("waiting", "transferred", "called", "serving", "held")


def check_mobile(text: str) -> str:
    """``text`` as a mainland mobile number, spaces and dashes dropped (the pad shows 138 1234 5678).

    :raises ValueError: with the Chinese rule, when it is not one.
    """
    digits = re.sub(r"[\s-]", "", text)
    if not MOBILE.match(digits):
        raise ValueError(MOBILE_RULE)
    return digits


def ticket_for_phone(db: Database, token: str) -> dict[str, Any]:
    """The ticket a phone may be left for: an open one (404 for an unknown token, 409 for a closed one)."""
    row = db.execute("select id, number, status, business_day, service, kind, queue_at, target_window "
                     "from tickets where token = ?", [token]).fetchone()
    if row is None:
        raise ApiError(404, "not_found", "没有这个号码（链接无效）")
    ticket = dict(zip(("id", "number", "status", "business_day", "service", "kind", "queue_at", "target_window"), row))
    if ticket["status"] not in OPEN:
        raise conflict(f"{ticket['number']}号已办结或已失效，不再发送提醒")
    return ticket


def save_phone(db: Database, ticket: dict[str, Any], phone: str, source: str, now: datetime, rule: OrderRule,
               remind_ahead: int) -> dict[str, Any]:
    """Store ``phone`` for ``ticket`` with the consent time (a second number replaces the first).

    No "前面还有 N 位" SMS is due when the citizen already has ``remind_ahead`` or fewer ahead: the kiosk showed
    the count a moment ago; the call's SMS follows.
    """
    ahead_sent = None
    if ticket["status"] not in ("waiting", "transferred"):
        ahead_sent = -1
    elif people_ahead(db, rule, ticket["business_day"], ticket["id"], ticket["service"], ticket["kind"],
                      ticket["queue_at"], ticket["target_window"]) <= remind_ahead:
        ahead_sent = -1
    db.execute(
        "insert into citizen_phones (ticket_id, phone, business_day, consented_at, source, ahead_sent) "
        "values (?, ?, ?, ?, ?, ?) on conflict (ticket_id) do update set phone = excluded.phone, "
        "consented_at = excluded.consented_at, source = excluded.source",
        [ticket["id"], phone, ticket["business_day"], to_iso(now), source, ahead_sent])
    return {"number": ticket["number"], "phone": mask_phone(phone), "consented_at": to_iso(now)}


def withdraw(db: Database, ticket_id: int) -> bool:
    """Forget the phone of ``ticket_id`` (consent withdrawn); whether there was one."""
    return db.execute("delete from citizen_phones where ticket_id = ?", [ticket_id]).rowcount > 0


def consents(db: Database, day: str) -> list[dict[str, Any]]:
    """The day's consented phones for the admin page, masked: ticket, number, phone, when, where, what was sent."""
    rows = db.execute(
        "select t.id, t.number, p.phone, p.consented_at, p.source, p.ahead_sent, p.review_link_at from "
        "citizen_phones p join tickets t on t.id = p.ticket_id where p.business_day = ? order by p.consented_at",
        [day]).fetchall()
    return [{"ticket_id": ticket_id, "number": number, "phone": mask_phone(phone), "consented_at": at,
             "source": source, "ahead_sent": ahead if ahead is not None and ahead >= 0 else None,
             "review_link_at": review}
            for ticket_id, number, phone, at, source, ahead, review in rows]


def withdraw_for(db: Database, ticket_id: int, actor: str, reason: str | None, now: datetime) -> dict[str, Any]:
    """An admin (``actor``) withdraws the phone of ``ticket_id`` (the citizen asked, by phone or at the desk): the
    number is deleted at once, not at the retention, and masked in the SMS messages already done with that went to
    it; the operation log (操作日志) gets who, why and the ticket (the phone masked), in the same operation.

    :raises ApiError: 404 when no phone is kept for that ticket.
    """
    row = db.execute("select p.phone, t.number from citizen_phones p join tickets t on t.id = p.ticket_id "
                     "where p.ticket_id = ?", [ticket_id]).fetchone()
    if row is None:
        raise ApiError(404, "not_found", "该号码没有留手机号（或已撤回、已到期删除）")
    phone, number = row
    withdraw(db, ticket_id)
    admin_log.record(db, now, actor, "phone_withdraw", reason, ticket=number, detail=f"手机号{mask_phone(phone)}")
    masked = _mask_done_sms(db, f"{_SMS_PHONE} = ?", [phone])
    return {"number": number, "phone": mask_phone(phone), "withdrawn": True, "masked_messages": masked}


def purge(db: Database, now: datetime, days: int) -> tuple[int, int]:
    """Delete phones consented more than ``days`` ago, and mask the number in the SMS messages of the outbox
    stored before then that are done with (delivered, dead or discarded; a pending one still needs it, and is
    younger than any retention anyway). Returns (phones deleted, messages masked)."""
    cutoff = to_iso(now - timedelta(days=days))
    deleted = db.execute("delete from citizen_phones where consented_at < ?", [cutoff]).rowcount
    return deleted, _mask_done_sms(db, "created_at < ?", [cutoff])


_SMS_PHONE = "json_extract(payload, '$.phone')"


def _mask_done_sms(db: Database, where: str, args: list[Any]) -> int:
    """Mask the number in the outbox's SMS messages done with (delivered, dead or discarded: a pending one still
    needs it) that match ``where``; how many."""
    if not db["outbox"].exists():
        return 0
    return db.execute(
        f"update outbox set payload = json_set(payload, '$.phone', substr({_SMS_PHONE}, 1, 3) || '****' || "
        f"substr({_SMS_PHONE}, -4)) where channel = 'sms' and state in ('delivered', 'dead', 'discarded') and "
        f"json_valid(payload) and {_SMS_PHONE} not like '%*%' and {where}", args).rowcount
