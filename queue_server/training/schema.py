"""Tables of the training register, as sqlite-utils migrations: ``training_sessions`` (one row per session, the
units it covered as a JSON list) and ``training_attendance`` (who attended, by 工号)."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.training")


@migrations(name="m001_training_register")
def m001_training_register(db: Database) -> None:
    db["training_sessions"].create({
        "id": int, "held_on": str, "kind": str, "topic": str, "units": str, "organiser": str, "findings": str,
        "created_at": str, "created_by": str,
    }, pk="id", not_null={"held_on", "kind", "topic", "units", "created_at"})
    db["training_sessions"].create_index(["held_on"])
    db["training_attendance"].create({"session_id": int, "staff_no": str}, pk=("session_id", "staff_no"),
                                     foreign_keys=[("session_id", "training_sessions", "id")])
