"""The guides area's tables, as the sqlite-utils migration set `govhall.guides` (see `store` for their use).

Kept apart from `store` so that listing the migration sets imports nothing heavy.  Never edit an applied
migration: add one.
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("govhall.guides")


@migrations(name="m001_guides")
def m001_guides(db: Database) -> None:
    """Departments, guides, bundles and the catalogue revision."""
    db["guide_departments"].create({"code": str, "name": str, "position": int}, pk="code",
                                   not_null={"name", "position"})
    db["guides"].create({"code": str, "name": str, "department": str, "service": str, "position": int,
                         "data": str}, pk="code", not_null={"name", "department", "service", "position", "data"})
    db["guides"].create_index(["department"])
    db["guide_bundles"].create({"code": str, "name": str, "position": int, "data": str}, pk="code",
                               not_null={"name", "position", "data"})
    db["guide_meta"].create({"key": str, "value": str}, pk="key")
    db["guide_notices"].create({"id": int, "number": str, "token": str, "guide_code": str, "window": int,
                                "staff": str, "created_at": str, "data": str}, pk="id",
                               not_null={"number", "token", "guide_code", "created_at", "data"})
    db["guide_notices"].create_index(["token"], unique=True)
    db["guide_notices"].create_index(["number"], unique=True)


@migrations(name="m002_guides_by_service")
def m002_guides_by_service(db: Database) -> None:
    # a ticket's 事项编码 is its service's first item (core/case_refs.py), looked up for every 好差评 push
    db["guides"].create_index(["service", "position"])
