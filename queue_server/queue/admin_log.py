"""Admin actions that change no ticket or window but that supervision must see in the operation log (操作日志):
an admin's cancel of a citizen's booking (booking area) and an admin's withdrawal of a citizen's phone (phones area).

The queue core owns the ``admin_log`` table so that those areas write it without importing each other, and
:mod:`queue_server.queue.oplog` merges it with the ticket and window logs. Callers record in the same writer
operation as the action itself, so a refused or rolled-back action leaves no row.
"""
from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from queue_server.core.clock import to_iso
from queue_server.core.privacy import mask_in_text
from queue_server.web.json_io import dumps

#: the admin actions this log records, in the words the hall uses
ACTIONS = {"cancel_on_behalf": "代取消预约", "phone_withdraw": "撤回短信留号"}


def record(db: Database, at: datetime, actor: str, action: str, reason: str | None, *, ticket: str | None = None,
           detail: str = "") -> None:
    """Log one admin action: who (``actor``, ``role:工号``), what (a key of :data:`ACTIONS`), why, for which ticket
    number, and a short ``detail`` (a booking code, a masked phone).

    The reason is typed by a person, often while a citizen is on the phone: phone numbers, ID numbers and names
    after 我叫/姓名 in it are masked before it is stored (core/privacy.py), as the log is exported.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown admin action {action!r}")
    db.execute("insert into admin_log (at, actor, action, reason, ticket, data) values (?, ?, ?, ?, ?, ?)",
               [to_iso(at), actor, action, mask_in_text(reason) if reason else None, ticket,
                dumps({"detail": mask_in_text(detail)}).decode() if detail else None])
