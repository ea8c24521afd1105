"""The SMS reminders of consented phones, as ``(kind, payload)`` messages for the SMS channel (payload
``{"phone", "params"}``, see docs/outbound.md):

- ``sms.ahead`` "前面还有 N 位": once per wait, at the first queue move after which ``remind_ahead`` or fewer
  are ahead of it. A call ends the wait (a re-queued no-show is back in the hall and gets no second count, only
  the call's SMS again); a transfer starts a new one in the new queue when more than ``remind_ahead`` are ahead
  there. Only the queues a batch moved are looked at (the services of its calls, transfers and
  re-queues, and the windows called from), and in each only the consented tickets, in call order, until the first
  one still too far back: the count itself is :func:`queue_server.queue.hall_view.people_ahead` (the trigger-kept
  counts and the call-order index), so the cost does not grow with the queue.
- ``sms.called`` "请到 N 号窗口": at every call (a 回呼 or a re-queued citizen's call too).
- ``sms.review_link``: ``review_link_delay_min`` after 办结, if the ticket is still unrated (the counter tablet
  asks first; an SMS while the citizen is rating there would ask twice). No hall event happens then, so the
  periodic :func:`review_due_events` makes one (``ticket.review_due``, seen by no WebSocket client) and the
  channel turns it into the message like any other event.

Reminders go only to the day's tickets, and never name a person: number, window, service, hall, the link.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from queue_server.core.clock import to_iso
from queue_server.core.config import HallConfig
from queue_server.core.events import Event
from queue_server.core.hall_time import business_day_bound
from queue_server.phones.settings import ReminderSettings
from queue_server.policy.ordering import OrderRule
from queue_server.queue.positions import people_ahead

Messages = list[tuple[str, dict[str, Any]]]
#: events after which someone may have fewer ahead of them
QUEUE_MOVES = ("ticket.called", "ticket.transferred", "ticket.requeued")
#: the periodic event of a finished, unrated ticket whose review link is due (no topic: no client sees it)
REVIEW_DUE = "ticket.review_due"


def reminder_messages(db: Database, events: list[Event], config: HallConfig, settings: ReminderSettings,
                      kinds: Collection[str]) -> Messages:
    """The reminders a batch's ``events`` cause, marking what was sent; runs inside the batch's transaction.

    :param kinds: the message kinds the channel has a template for (a reminder without one is not made).
    """
    messages: Messages = []
    called = [e.private["ticket_id"] for e in events if e.name == "ticket.called" and e.private]
    for ticket_id in called:
        row = db.execute("select p.phone, t.number, t.window, t.service from citizen_phones p join tickets t on "
                         "t.id = p.ticket_id where p.ticket_id = ? and p.business_day = t.business_day",
                         [ticket_id]).fetchone()
        if row is None:
            continue
        # once called, a "前面还有 N 位" would come too late (and after a re-queue, it would come twice)
        db.execute("update citizen_phones set ahead_sent = -1 where ticket_id = ? and ahead_sent is null", [ticket_id])
        phone, number, window, service = row
        if "sms.called" in kinds:
            messages.append(("sms.called", _payload(phone, config, number=number, window=str(window),
                                                    service=_service_name(config, service))))
    moved = [e for e in events if e.name in QUEUE_MOVES]
    if moved and settings.remind_ahead > 0 and "sms.ahead" in kinds:
        _wait_anew(db, [e for e in moved if e.name == "ticket.transferred"], config, settings.remind_ahead)
        messages += _ahead_reminders(db, moved, config, settings.remind_ahead)
    due = [e for e in events if e.name == REVIEW_DUE and e.private]
    if due and "sms.review_link" in kinds:
        messages += _review_links(db, due, config)
    return messages


#: one queue's consented tickets still due a "前面还有 N 位", in call order, walked from the front on the queue's own
#: call-order index (the walk stops at the first one too far back: a few rows, whatever the queue's length)
_SERVICE_QUEUE = (
    "select t.id, p.phone, t.number, t.service, t.kind, t.queue_at, t.target_window from tickets t "
    "indexed by idx_queue_service cross join citizen_phones p on p.ticket_id = t.id where t.business_day = ? and "
    "t.service = ? and t.kind = ? and t.status in ('waiting', 'transferred') and t.target_window is null and "
    "p.ahead_sent is null order by t.queue_at, t.id")
_WINDOW_QUEUE = (  # the tickets transferred to one window: a handful, in one queue whatever their class
    "select t.id, p.phone, t.number, t.service, t.kind, t.queue_at, t.target_window from tickets t "
    "indexed by idx_queue_window cross join citizen_phones p on p.ticket_id = t.id where t.business_day = ? and "
    "t.target_window = ? and t.status in ('waiting', 'transferred') and p.ahead_sent is null "
    "order by t.queue_at, t.id")


def _wait_anew(db: Database, transfers: list[Event], config: HallConfig, limit: int) -> None:
    """A transferred ticket waits anew in its new queue (another service's, or one window's): its "前面还有 N 位" is
    due again when more than ``limit`` are ahead of it there; with ``limit`` or fewer, the clerk who sent it has
    just told the citizen, and only the call's SMS follows (as when a phone is left near the front)."""
    if not transfers:
        return
    day = db.execute("select max(business_day) from tickets").fetchone()[0]
    rule = OrderRule(config.queue.class_order, config.queue.service_order_first)
    for event in transfers:
        # still waiting: a transfer and the call of the same ticket can share one batch, and a ticket already
        # called must not be due a count again (it would come after a later re-queue)
        row = db.execute("select t.id, t.service, t.kind, t.queue_at, t.target_window from tickets t join "
                         "citizen_phones p on p.ticket_id = t.id where t.business_day = ? and t.number = ? and "
                         "t.status in ('waiting', 'transferred')", [day, event.data["number"]]).fetchone()
        if row is None:
            continue  # no phone left for it, or no longer waiting
        ticket_id, service, kind, queue_at, target = row
        ahead = people_ahead(db, rule, day, ticket_id, service, kind, queue_at, target)
        db.execute("update citizen_phones set ahead_sent = ? where ticket_id = ?",
                   [None if ahead > limit else -1, ticket_id])


def _ahead_reminders(db: Database, moved: list[Event], config: HallConfig, limit: int) -> Messages:
    day = db.execute("select max(business_day) from tickets").fetchone()[0]  # an index's last entry
    services = {e.data.get("service") for e in moved} - {None}
    windows = {e.data.get("window") for e in moved if e.name == "ticket.called"} - {None}
    walks = [(_SERVICE_QUEUE, [day, service, kind]) for service in sorted(services) for (kind,) in db.execute(
        "select kind from queue_counts where business_day = ? and service = ? and directed = 0 and waiting > 0",
        [day, service]).fetchall()]
    walks += [(_WINDOW_QUEUE, [day, window]) for window in sorted(windows)]
    rule = OrderRule(config.queue.class_order, config.queue.service_order_first)
    messages: Messages = []
    for sql, params in walks:
        due = []
        cursor = db.execute(sql, params)  # read lazily: the walk stops early
        for ticket_id, phone, number, service, kind, queue_at, target in cursor:
            ahead = people_ahead(db, rule, day, ticket_id, service, kind, queue_at, target)
            if ahead > limit:
                break  # the rest of this queue is further back
            due.append((ticket_id, phone, number, service, ahead))
        cursor.close()  # before writing to the rows it walked
        for ticket_id, phone, number, service, ahead in due:
            db.execute("update citizen_phones set ahead_sent = ? where ticket_id = ?", [ahead, ticket_id])
            messages.append(("sms.ahead", _payload(phone, config, number=number, ahead=str(ahead),
                                                   service=_service_name(config, service))))
    return messages


def review_due_events(db: Database, settings: ReminderSettings, now: datetime) -> list[Event]:
    """``ticket.review_due`` for each consented ticket finished at least ``review_link_delay_min`` ago (within the
    last day), still unrated and not yet invited; read-only (the channel marks what it sends)."""
    since = business_day_bound(now)
    # t.business_day repeats p's bound (a phone is kept with its ticket's day) so SQLite reads the last days'
    # finished tickets on (status, business_day), not every finished ticket the hall ever had
    rows = db.execute(
        "select p.ticket_id, t.number from citizen_phones p join tickets t on t.id = p.ticket_id "
        "where p.review_link_at is null and p.business_day >= ? and t.business_day >= ? and t.status = 'finished' "
        "and t.finished_at <= ? and t.finished_at >= ? "
        "and not exists (select 1 from reviews r where r.ticket_id = t.id)",
        [since, since, to_iso(now - timedelta(minutes=settings.review_link_delay_min)),
         to_iso(now - timedelta(days=1))]).fetchall()
    return [Event(REVIEW_DUE, {"number": number, "at": to_iso(now)}, frozenset(), {"ticket_id": ticket_id})
            for ticket_id, number in rows]


def _review_links(db: Database, events: list[Event], config: HallConfig) -> Messages:
    messages: Messages = []
    for event in events:
        row = db.execute(
            "select p.phone, t.number, t.token from citizen_phones p join tickets t on t.id = p.ticket_id "
            "where p.ticket_id = ? and p.review_link_at is null and not exists "
            "(select 1 from reviews r where r.ticket_id = t.id)", [event.private["ticket_id"]]).fetchone()
        if row is None:
            continue  # rated meanwhile, withdrawn, or already invited
        phone, number, token = row
        db.execute("update citizen_phones set review_link_at = ? where ticket_id = ?",
                   [event.data["at"], event.private["ticket_id"]])
        messages.append(("sms.review_link", _payload(phone, config, number=number,
                                                     url=f"{config.hall.public_url}/r/{token}")))
    return messages


def _service_name(config: HallConfig, code: str) -> str:
    service = config.services.get(code)
    return service.name if service else code


def _payload(phone: str, config: HallConfig, **params: str) -> dict[str, Any]:
    return {"phone": phone, "params": {"hall": config.hall.name, **params}}
