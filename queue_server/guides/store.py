"""The guide catalogue in the hall's SQLite file, its migrations, and the server's cached search index.

Tables (migration set `govhall.guides`): `guide_departments`, `guides` (one row per guide, the whole guide as
JSON in `data`), `guide_bundles`, `guide_meta` holding a `revision` bumped by every import, and
`guide_notices`, the record of every one-time notification slip issued.  An import
replaces the whole catalogue in one `BEGIN IMMEDIATE` transaction, so readers see the old catalogue or the new
one, never a mixture.  A running server notices a `govhall guides import` done by another process through the
revision and rebuilds its index.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from queue_server.core.config import ConfigError, HallConfig
from queue_server.core.db import write_transaction
from queue_server.guides.exchange import read_catalogue
from queue_server.guides.model import (Catalogue, CatalogueError, Guide, bundle_from_dict, bundle_to_dict,
                                       guide_from_dict, guide_to_dict)
from queue_server.guides.search import GuideIndex

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEMO_GUIDES_PATH = PROJECT_ROOT / "assets" / "guides" / "demo.json"

@dataclass(frozen=True)
class GuidesSettings:
    """The `[guides]` config section: `catalogue`, the file loaded into an empty database."""

    catalogue: Path


#: the `[guides]` options (docs/configuration.md documents each; a test checks)
GUIDES_OPTIONS = frozenset({"catalogue"})


def guides_settings(config: HallConfig) -> GuidesSettings:
    """Validate `[guides]`; a relative `catalogue` is relative to the config file's folder."""
    section = config.sections.get("guides") or {}
    unknown = set(section) - GUIDES_OPTIONS
    if unknown:
        raise ConfigError(config.path, f"guides.{sorted(unknown)[0]}", "未知的配置项")
    value = section.get("catalogue")
    if value is None:
        return GuidesSettings(DEMO_GUIDES_PATH)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(config.path, "guides.catalogue", "应为指南文件路径（JSON 或 xlsx）")
    path = Path(value)
    if not path.is_absolute():
        path = Path(config.path).parent / path
    if not path.exists():
        raise ConfigError(config.path, "guides.catalogue", f"文件不存在：{path}")
    return GuidesSettings(path)


def catalogue_revision(db: Database) -> int:
    """The catalogue's revision: 0 before the first import, then +1 per import."""
    row = db.execute("select value from guide_meta where key = 'revision'").fetchone()
    return int(row[0]) if row else 0


def replace_catalogue(db: Database, cat: Catalogue, imported_at: str = "") -> int:
    """Replace the stored catalogue with `cat` in one transaction; returns the new revision."""
    with write_transaction(db):
        for table in ("guides", "guide_departments", "guide_bundles"):
            db.execute(f"delete from {table}")
        db["guide_departments"].insert_all(
            [{"code": c, "name": n, "position": i} for i, (c, n) in enumerate(cat.departments.items())])
        db["guides"].insert_all([
            {"code": g.code, "name": g.name, "department": g.department, "service": g.service, "position": i,
             "data": json.dumps(guide_to_dict(g), ensure_ascii=False)}
            for i, g in enumerate(cat.guides.values())])
        db["guide_bundles"].insert_all([
            {"code": b.code, "name": b.name, "position": i, "data": json.dumps(bundle_to_dict(b), ensure_ascii=False)}
            for i, b in enumerate(cat.bundles.values())])
        revision = catalogue_revision(db) + 1
        db["guide_meta"].upsert_all([{"key": "revision", "value": str(revision)},
                                     {"key": "imported_at", "value": imported_at}], pk="key")
    return revision


def guide_by_code(db: Database, code: str) -> Guide | None:
    """One stored guide, or ``None`` when the catalogue has no such item."""
    row = db.execute("select data from guides where code = ?", [code]).fetchone()
    return None if row is None else guide_from_dict(json.loads(row[0]), "db", [])


def load_catalogue(db: Database) -> Catalogue:
    """The stored catalogue (it was validated on import, so any problem here is a bug and raises)."""
    cat = Catalogue()
    for code, name in db.execute("select code, name from guide_departments order by position"):
        cat.departments[code] = name
    problems: list[Any] = []
    for (data,) in db.execute("select data from guides order by position"):
        g = guide_from_dict(json.loads(data), "db", problems)
        cat.guides[g.code] = g
    for (data,) in db.execute("select data from guide_bundles order by position"):
        b = bundle_from_dict(json.loads(data), "db", problems)
        cat.bundles[b.code] = b
    if problems:
        raise RuntimeError(f"stored guide catalogue is invalid: {problems[0]}")
    return cat


def ensure_catalogue(db: Database, config: HallConfig, imported_at: str = "") -> None:
    """Load the configured catalogue file when the database has never had one."""
    if catalogue_revision(db) == 0:
        settings = guides_settings(config)
        try:
            cat = read_catalogue(settings.catalogue, set(config.services))
        except CatalogueError as exc:  # start-up names the setting and the first problem, not a traceback
            raise ConfigError(config.path, "guides.catalogue",
                              f"{settings.catalogue} 有 {len(exc.problems)} 处问题，首个：{exc.problems[0]}") from exc
        replace_catalogue(db, cat, imported_at)


class GuideLibrary:
    """The server's view of the catalogue: loaded once, rebuilt when the stored revision changes.

    :param db: the hall database (migrated).
    :param service_names: hall service code → name, indexed for search.
    """

    def __init__(self, db: Database, service_names: dict[str, str]):
        self.db = db
        self.service_names = service_names
        self.revision = -1
        self._catalogue = Catalogue()
        self._index = GuideIndex(self._catalogue)

    def _refresh(self) -> None:
        revision = catalogue_revision(self.db)
        if revision != self.revision:
            self._catalogue = load_catalogue(self.db)
            self._index = GuideIndex(self._catalogue, self.service_names)
            self.revision = revision

    @property
    def catalogue(self) -> Catalogue:
        """The current catalogue."""
        self._refresh()
        return self._catalogue

    @property
    def index(self) -> GuideIndex:
        """The search index of the current catalogue."""
        self._refresh()
        return self._index
