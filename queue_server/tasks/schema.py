"""Tables of the task ledger, as sqlite-utils migrations: ``tasks`` (one row per task, its state) and
``task_updates`` (every progress note, closing request, approval and refusal, never edited)."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.tasks")


@migrations(name="m001_task_ledger")
def m001_task_ledger(db: Database) -> None:
    db["tasks"].create({
        "id": int, "ref": str, "title": str, "unit": str, "measures": str, "owner": str, "deadline": str,
        "source": str, "state": str, "created_at": str, "created_by": str, "close_requested_by": str,
        "closed_at": str, "closed_by": str,
    }, pk="id", not_null={"title", "unit", "owner", "state", "created_at"})
    db["tasks"].create_index(["state", "deadline"])
    db["task_updates"].create({
        "id": int, "task_id": int, "kind": str, "note": str, "evidence": str, "actor": str, "at": str,
    }, pk="id", foreign_keys=[("task_id", "tasks", "id")], not_null={"task_id", "kind", "actor", "at"})
    db["task_updates"].create_index(["task_id"])
