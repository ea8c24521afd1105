"""Listing and revoking tokens: what ``govhall token list`` and ``govhall token revoke`` show and do.

The plain token is never stored, so a listing can show only a prefix of its hash: enough to tell two rows apart,
useless to anyone who reads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from queue_server.core.clock import Clock, from_iso, to_iso
from queue_server.core.db import write_transaction


@dataclass(frozen=True)
class TokenRow:
    """One token as the listing shows it."""

    id: int
    masked: str
    role: str
    window: int | None
    name: str
    staff_no: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def list_tokens(db: Database, now: datetime, *, include_ended: bool = False) -> list[TokenRow]:
    """Every token, oldest first; without ``include_ended`` only those that still work at ``now``."""
    rows = db.execute(
        "select id, token_hash, role, window, name, staff_no, created_at, last_used_at, expires_at, revoked_at "
        "from auth_tokens order by id").fetchall()
    tokens = [TokenRow(r[0], f"{r[1][:8]}…", r[2], r[3], r[4] or "", r[5], from_iso(r[6]), from_iso(r[7]),
                       from_iso(r[8]), from_iso(r[9])) for r in rows]
    return tokens if include_ended else [t for t in tokens if t.state(now) == "active"]


def revoke_token(db: Database, clock: Clock, token_id: int) -> bool:
    """Revoke the token with ``token_id``; False when there is no such token or it was already revoked.

    A revoked staff session also clears who is on duty at its window (the tablet stops showing them).
    """
    now = to_iso(clock.now())
    with write_transaction(db):
        row = db.execute("select staff_no, window from auth_tokens where id = ? and revoked_at is null",
                         [token_id]).fetchone()
        if row is None:
            return False
        db.execute("update auth_tokens set revoked_at = ? where id = ?", [now, token_id])
        staff_no, window = row
        if staff_no is not None and window is not None:
            db.execute("update windows set staff_no = null, staff_name = null, updated_at = ? "
                       "where number = ? and staff_no = ?", [now, window, staff_no])
    return True
