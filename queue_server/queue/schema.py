"""Tables of the queue core (tickets and their log, windows, appointments, tokens, staff) as sqlite-utils migrations.

Never edit an applied migration: add a new one. Each area keeps its own ``Migrations("govhall.<area>")`` in its own
``schema.py``; :data:`queue_server.app.AREAS` gives the order they are applied in (this set, named ``govhall.core``
since the first release, comes first).
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.core")


@migrations(name="m001_queue_core")
def m001_queue_core(db: Database) -> None:
    db["tickets"].create({
        "id": int, "number": str, "service": str, "prefix": str, "seq": int, "business_day": str,
        "status": str, "priority": str, "kind": str, "request_id": str, "token": str,
        "issued_at": str, "queue_at": str, "called_at": str, "started_at": str, "finished_at": str,
        "window": int, "target_window": int, "ahead_at_issue": int, "estimate_min_at_issue": int,
        "requeues": int, "recalls": int, "appointment_code": str,
    }, pk="id", not_null={"number", "service", "prefix", "seq", "business_day", "status", "kind", "token", "issued_at", "queue_at"},
        defaults={"requeues": 0, "recalls": 0})
    db["tickets"].create_index(["request_id"], unique=True)
    db["tickets"].create_index(["token"], unique=True)
    db["tickets"].create_index(["business_day", "number"], unique=True)
    db["tickets"].create_index(["status", "service"])

    db["ticket_log"].create({
        "id": int, "ticket_id": int, "action": str, "window": int, "actor": str, "reason": str, "at": str, "data": str,
    }, pk="id", foreign_keys=[("ticket_id", "tickets", "id")], not_null={"ticket_id", "action", "at"})
    db["ticket_log"].create_index(["ticket_id"])
    db["ticket_log"].create_index(["at"])

    db["ticket_counters"].create({"prefix": str, "business_day": str, "last_seq": int}, pk=("prefix", "business_day"))

    db["windows"].create({
        "number": int, "state": str, "current_ticket_id": int, "pause_reason": str, "tidal_service": str,
        "staff_no": str, "staff_name": str, "updated_at": str,
    }, pk="number")

    db["window_log"].create({
        "id": int, "window": int, "action": str, "actor": str, "reason": str, "at": str, "data": str,
    }, pk="id", not_null={"window", "action", "at"})

    db["appointments"].create({
        "code": str, "service": str, "date": str, "slot": str, "name": str, "phone": str, "id_number": str,
        "status": str, "ticket_id": int, "created_at": str, "checked_in_at": str,
    }, pk="code", not_null={"service", "date", "slot", "status", "created_at"})

    db["auth_tokens"].create({
        "id": int, "token_hash": str, "role": str, "window": int, "name": str, "staff_no": str,
        "created_at": str, "revoked_at": str,
    }, pk="id", not_null={"token_hash", "role", "created_at"})
    db["auth_tokens"].create_index(["token_hash"], unique=True)

    db["staff"].create({
        "staff_no": str, "name": str, "role": str, "password_hash": str, "created_at": str, "active": int,
    }, pk="staff_no", not_null={"name", "role", "password_hash"}, defaults={"active": 1})


@migrations(name="m002_index_today_queue")
def m002_index_today_queue(db: Database) -> None:
    # every position, waiting count and estimate reads today's queue of one service
    db["tickets"].create_index(["business_day", "service", "status"], index_name="idx_tickets_day_service_status")


@migrations(name="m003_window_plan_service")
def m003_window_plan_service(db: Database) -> None:
    # the day's support plan (每日兼办): the service a regular window takes up next to its own for today
    db["windows"].add_column("plan_service", str)


@migrations(name="m004_staff_photo")
def m004_staff_photo(db: Database) -> None:
    # the counter tablet shows the serving staff member's photo (亮证亮照上岗); the file stays where the hall keeps it
    db["staff"].add_column("photo", str)


@migrations(name="m005_token_expiry_and_use")
def m005_token_expiry_and_use(db: Database) -> None:
    # login sessions end after [security] staff_session_hours; `govhall token list` shows when each token was last used
    db["auth_tokens"].add_column("expires_at", str)
    db["auth_tokens"].add_column("last_used_at", str)
    db["auth_tokens"].create_index(["staff_no"], index_name="idx_auth_tokens_staff_no")


#: a ticket in a queue: waiting, or transferred and not yet called again
_QUEUED = "status in ('waiting', 'transferred')"


@migrations(name="m006_flat_queue")
def m006_flat_queue(db: Database) -> None:
    """Keep issuing and calling flat in the queue's length (issue 20).

    - Two partial indexes in call order, one for each service's queue and one for tickets transferred to a window:
      the head of each (service, kind) is one ``LIMIT 1`` seek, and the few tickets behind a new one are a short
      range.
    - ``queue_counts``: how many tickets wait per (day, service, kind, directed to a window), kept by triggers in
      the same transaction as the ticket change, so a rolled-back savepoint, a crash or a direct repair by hand
      cannot leave it wrong, and there is no second copy to rebuild at start.
    - The recent service times of a service are the last rows of an index on ``finished_at``, not a sort of the
      day's finished tickets. It starts with m002's columns, which therefore goes.
    """
    conn = db.conn
    conn.execute(f"create index idx_queue_service on tickets (business_day, service, kind, queue_at, id) "
                 f"where {_QUEUED} and target_window is null")
    conn.execute(f"create index idx_queue_window on tickets (business_day, target_window, kind, queue_at, id) "
                 f"where {_QUEUED} and target_window is not null")
    conn.execute("create index idx_tickets_day_service_finished on tickets "
                 "(business_day, service, status, finished_at)")
    conn.execute("drop index if exists idx_tickets_day_service_status")
    conn.execute("create table queue_counts (business_day text not null, service text not null, kind text not null, "
                 "directed integer not null, waiting integer not null, "
                 "primary key (business_day, service, kind, directed)) without rowid")

    def bump(row: str, delta: str) -> str:
        return (f"insert into queue_counts (business_day, service, kind, directed, waiting) values "
                f"({row}.business_day, {row}.service, {row}.kind, {row}.target_window is not null, {delta}) "
                f"on conflict (business_day, service, kind, directed) do update set waiting = waiting + ({delta});")

    queued = lambda row: f"{row}.status in ('waiting', 'transferred')"  # noqa: E731
    conn.execute(f"create trigger tickets_queue_insert after insert on tickets when {queued('new')} "
                 f"begin {bump('new', '1')} end")
    conn.execute(f"create trigger tickets_queue_delete after delete on tickets when {queued('old')} "
                 f"begin {bump('old', '-1')} end")
    columns = "status, service, kind, target_window, business_day"
    conn.execute(f"create trigger tickets_queue_leave after update of {columns} on tickets when {queued('old')} "
                 f"begin {bump('old', '-1')} end")
    conn.execute(f"create trigger tickets_queue_join after update of {columns} on tickets when {queued('new')} "
                 f"begin {bump('new', '1')} end")
    conn.execute(f"insert into queue_counts select business_day, service, kind, target_window is not null, count(*) "
                 f"from tickets where {_QUEUED} group by 1, 2, 3, 4")


#: the keypad-presence condition (:func:`queue_server.queue.staffing.keypad_active`): a query must repeat this term
#: word for word for SQLite to use the partial indexes below
AGENT_ACTOR = "actor like 'agent:%'"


@migrations(name="m007_keypad_presence_index")
def m007_keypad_presence_index(db: Database) -> None:
    """Keep the tide's per-batch staffed check flat in the day's traffic (issue 20).

    Which windows a hardware keypad worked at in the last 30 minutes is read after every write batch; on the ``at``
    index alone it scanned every ticket-log row of those 30 minutes (thousands in a busy hour). Partial indexes over
    the device agent's rows only make it a short range of keypad presses.
    """
    for table in ("ticket_log", "window_log"):
        db.conn.execute(f"create index idx_{table}_agent_at on {table} (at, window) where {AGENT_ACTOR}")


@migrations(name="m008_admin_log")
def m008_admin_log(db: Database) -> None:
    """Admin actions outside the queue's own logs for the operation log (操作日志): an admin's cancel of a citizen's
    booking, the withdrawal of a citizen's phone. Written by the booking and phones areas through
    :func:`queue_server.queue.admin_log.record`; ``ticket`` is the ticket's number where there is one, ``data`` the
    JSON of what the row adds (already masked)."""
    db["admin_log"].create({
        "id": int, "at": str, "actor": str, "action": str, "reason": str, "ticket": str, "data": str,
    }, pk="id", not_null={"at", "actor", "action"})
    db["admin_log"].create_index(["at"])


@migrations(name="m009_issue_touches_fewer_index_pages")
def m009_issue_touches_fewer_index_pages(db: Database) -> None:
    """Write fewer pages per new ticket (issue 20: every page a batch changes is written to the WAL and synced).

    Two indexes began with a ticket's service, so a batch of tickets for six services changed a page in six places
    of each; neither needs to hold a waiting ticket at all for the queries it serves:

    - ``(status, service)`` becomes ``(status, business_day)``: the day's roll seeks each open status for earlier
      days, and new tickets append at the end of today's waiting range whatever their service.
    - The service-time index holds finished tickets only (``where status = 'finished'``, which every query over it
      states): issuing no longer writes to it at all.
    """
    conn = db.conn
    conn.execute("drop index if exists idx_tickets_status_service")
    conn.execute("create index idx_tickets_status_day on tickets (status, business_day)")
    conn.execute("drop index if exists idx_tickets_day_service_finished")
    conn.execute("create index idx_tickets_finished on tickets (business_day, service, finished_at) "
                 "where status = 'finished'")
