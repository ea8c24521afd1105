"""Who works at which window: the staffed judgement, the sign-in record that survives a restart, and the window's
queue as its staff panel lists it.

**Staffed** (the rule the tide, the admin pages and the display share). A window is staffed when any of:

- ``login``: a staff member is signed in there: ``windows.staff_no`` is set *and* that person holds a live staff
  session bound to this window (a token not revoked, not expired). A session revoked or logged out elsewhere does
  not keep the window staffed, whatever the ``windows`` row still says.
- ``keypad``: a hardware keypad (the device agent, actor ``agent:…``) acted on the window within the last
  :data:`KEYPAD_PRESENCE_MIN` minutes: a hall on keypads has nobody logged in, yet the counter is manned while its
  clerk presses buttons.
- ``serving``: a number is at the window now (called or being served): someone called it.

A window opened by a manager alone is *not* staffed: opening is a setting, not a person. The sign-in lives in the
``windows`` table (``staff_no``, ``staff_name``), so a server restart keeps who is signed in where;
:func:`reconcile_sign_ins` drops the sign-ins whose session ended while the server was down.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from queue_server.core.clock import from_iso, to_iso
from queue_server.queue.schema import AGENT_ACTOR

#: a keypad press this recent (minutes) counts as someone at the counter
KEYPAD_PRESENCE_MIN = 30
#: the tags a queued ticket carries on the staff panel (kind or transfer), in Chinese
TAGS = {"priority": "绿色通道", "appointment": "预约", "transferred": "转入"}


#: the condition on ``auth_tokens`` (alias ``a``) of a session still in force: not revoked, not expired at ``?``
_LIVE_SESSION = "a.revoked_at is null and (a.expires_at is null or a.expires_at > ?)"


def signed_in(db: Database, now: datetime) -> dict[int, tuple[str, str | None]]:
    """Window → (工号, name) of the staff member signed in there with a live session."""
    rows = db.execute(
        "select w.number, w.staff_no, w.staff_name from windows w where w.staff_no is not null and exists ("
        "select 1 from auth_tokens a where a.role = 'staff' and a.window = w.number and a.staff_no = w.staff_no and "
        f"{_LIVE_SESSION})", [to_iso(now)]).fetchall()
    return {number: (staff_no, name) for number, staff_no, name in rows}


def keypad_active(db: Database, now: datetime, minutes: float = KEYPAD_PRESENCE_MIN) -> set[int]:
    """Windows a hardware keypad (the device agent) acted on within ``minutes``."""
    since = to_iso(now - timedelta(minutes=minutes))
    # the agent's rows only, on the partial indexes of m007 (the term must read exactly as theirs)
    rows = db.execute(
        f"select distinct window from ticket_log where window is not null and at >= ? and {AGENT_ACTOR} "
        f"union select distinct window from window_log where at >= ? and {AGENT_ACTOR}", [since, since])
    return {r[0] for r in rows}


def staffed_windows(db: Database, now: datetime) -> dict[int, str]:
    """Window → why it counts as staffed (``login``, ``keypad`` or ``serving``); absent windows are unstaffed."""
    why: dict[int, str] = {}
    for (number,) in db.execute("select number from windows where current_ticket_id is not null"):
        why[number] = "serving"
    for number in keypad_active(db, now):
        why[number] = "keypad"
    for number in signed_in(db, now):
        why[number] = "login"  # the strongest reason: a named person
    return why


def record_sign_in(db: Database, window: int, staff_no: str | None, name: str | None, now: datetime) -> None:
    """Write who is signed in at ``window`` (``None`` signs out). One person works at one window: signing in here
    signs them out of any other window they were recorded at. Run inside the caller's write transaction."""
    at = to_iso(now)
    if staff_no is not None:
        db.execute("update windows set staff_no = null, staff_name = null, updated_at = ? "
                   "where staff_no = ? and number != ?", [at, staff_no, window])
    db.execute("update windows set staff_no = ?, staff_name = ?, updated_at = ? where number = ?",
               [staff_no, name, at, window])


def reconcile_sign_ins(db: Database, now: datetime) -> list[int]:
    """Clear the sign-ins whose session is no longer live (revoked or expired, e.g. while the server was down);
    return the windows cleared. Run inside the caller's write transaction, at start-up."""
    live = signed_in(db, now)
    stale = [n for (n,) in db.execute("select number from windows where staff_no is not null") if n not in live]
    for number in stale:
        db.execute("update windows set staff_no = null, staff_name = null, updated_at = ? where number = ?",
                   [to_iso(now), number])
    return stale


def queue_entry(row: tuple, names: dict[str, str], now: datetime) -> dict:
    """One queued ticket as the staff panel lists it: number, service, tag, minutes waited so far (never a name)."""
    number, service, kind, priority, status, issued_at, transferred = row
    tag_key = "transferred" if (status == "transferred" or transferred) else kind
    waited = (now - from_iso(issued_at)).total_seconds() / 60
    return {"number": number, "service": service, "service_name": names.get(service, service), "kind": kind,
            "priority": priority, "transferred": bool(status == "transferred" or transferred),
            "tag": TAGS.get(tag_key) if tag_key != "walk_in" else None, "waited_min": max(0, int(waited))}


def ticket_tags(db: Database, ids: list[int], names: dict[str, str], now: datetime) -> dict[int, dict]:
    """:func:`queue_entry` for each ticket id (a transfer is read from the ticket's log, so a transferred ticket
    keeps its 转入 tag once called)."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"select t.id, t.number, t.service, t.kind, t.priority, t.status, t.issued_at, exists(select 1 from "
        f"ticket_log l where l.ticket_id = t.id and l.action = 'transfer') from tickets t where t.id in ({marks})",
        ids).fetchall()
    return {r[0]: queue_entry(r[1:], names, now) for r in rows}
