"""Import and export of the catalogue: lossless JSON and Excel round trips, bad rows reported by row and column,
and nothing half-imported."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from queue_server.app import open_database
from queue_server.guides.exchange import read_catalogue, write_catalogue
from queue_server.guides.model import CatalogueError, catalogue_to_dict
from queue_server.guides.store import (
    DEMO_GUIDES_PATH, catalogue_revision, load_catalogue, replace_catalogue,
)

ROOT = Path(__file__).resolve().parents[2]


def test_demo_catalogue_is_large_and_maps_to_hall_services(demo_catalogue, hall_config):
    assert len(demo_catalogue.guides) >= 80
    departments = {g.department for g in demo_catalogue.guides.values()}
    assert len(departments) >= 10
    assert {g.service for g in demo_catalogue.guides.values()} <= set(hall_config.services)
    assert set(demo_catalogue.departments) <= set(hall_config.departments)
    # and it validates against the hall's services without complaint
    read_catalogue(DEMO_GUIDES_PATH, set(hall_config.services))


def test_json_round_trip_is_byte_identical(demo_catalogue, tmp_path):
    out = tmp_path / "out.json"
    write_catalogue(demo_catalogue, out)
    assert out.read_bytes() == DEMO_GUIDES_PATH.read_bytes()
    assert read_catalogue(out) == demo_catalogue


def test_excel_round_trip_keeps_every_element(demo_catalogue, tmp_path):
    xlsx = tmp_path / "guides.xlsx"
    write_catalogue(demo_catalogue, xlsx)
    back = read_catalogue(xlsx)
    assert catalogue_to_dict(back) == catalogue_to_dict(demo_catalogue)
    # materials with unknown counts (None) stay unknown, not 0
    assert back.guides["bdc-010"].materials[3].originals is None


def test_database_round_trip(demo_catalogue, tmp_path):
    db = open_database(tmp_path / "h.db")
    assert catalogue_revision(db) == 0
    assert replace_catalogue(db, demo_catalogue) == 1
    assert load_catalogue(db) == demo_catalogue
    db.close()


def test_numbers_typed_into_text_cells(demo_catalogue, tmp_path):
    xlsx = tmp_path / "guides.xlsx"
    write_catalogue(demo_catalogue, xlsx)
    wb = load_workbook(xlsx)
    header = [c.value for c in wb["事项"][1]]
    wb["事项"].cell(row=2, column=header.index("监督电话") + 1).value = 12345.0
    wb["事项"].cell(row=2, column=header.index("法定时限") + 1).value = 30.0
    wb.save(xlsx)
    guide = read_catalogue(xlsx).guides["bdc-001"]
    assert (guide.supervise_phone, guide.legal_days) == ("12345", 30)


def _spoil(xlsx: Path) -> None:
    wb = load_workbook(xlsx)
    guides = wb["事项"]
    header = [c.value for c in guides[1]]
    guides.cell(row=3, column=header.index("承诺时限") + 1, value="三天")
    guides.cell(row=5, column=header.index("可预约") + 1, value="也许")
    guides.cell(row=6, column=header.index("事项名称") + 1).value = None
    materials = wb["材料"]
    mheader = [c.value for c in materials[1]]
    materials.cell(row=4, column=mheader.index("事项编码") + 1, value="no-such-item")
    materials.cell(row=7, column=mheader.index("形式") + 1, value="口头")
    wb.save(xlsx)


def test_bad_excel_rows_are_reported_by_row_and_column(demo_catalogue, tmp_path):
    xlsx = tmp_path / "bad.xlsx"
    write_catalogue(demo_catalogue, xlsx)
    _spoil(xlsx)
    with pytest.raises(CatalogueError) as info:
        read_catalogue(xlsx)
    reported = {(p.where, p.field) for p in info.value.problems}
    assert ("事项 第3行", "列J（承诺时限）") in reported
    assert ("事项 第5行", "列L（可预约）") in reported
    assert ("事项 第6行", "列B（事项名称）") in reported
    assert ("材料 第4行", "列A（事项编码）") in reported
    assert ("材料 第7行", "列G（形式）") in reported
    assert len(info.value.problems) == 5


def test_bad_json_names_item_and_field(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"departments": [{"code": "d", "name": "部门"}], "guides": ['
                   '{"code": "x-1", "name": "甲", "department": "d", "service": "s", "legal_days": -1},'
                   '{"code": "x-1", "name": "乙", "department": "nope", "service": "s"}],'
                   '"bundles": [{"code": "b", "name": "一件事", "items": ["x-9"]}]}', encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        read_catalogue(bad, services={"s"})
    text = str(info.value)
    assert "事项 x-1" in text and "legal_days" in text
    assert "事项编码 x-1 重复" in text
    assert "未知部门编码 nope" in text
    assert "未知事项编码 x-9" in text


def test_unknown_hall_service_is_rejected(demo_catalogue, tmp_path):
    with pytest.raises(CatalogueError) as info:
        read_catalogue(DEMO_GUIDES_PATH, services={"bdc_transfer"})
    assert any(p.field == "service" for p in info.value.problems)


def _govhall(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "queue_server", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_cli_import_of_a_bad_file_keeps_the_old_catalogue(demo_catalogue, tmp_path):
    db_path = tmp_path / "h.db"
    xlsx = tmp_path / "guides.xlsx"
    smaller = tmp_path / "smaller.json"
    write_catalogue(demo_catalogue, xlsx)
    demo_catalogue.guides.pop("zhsl-006")
    write_catalogue(demo_catalogue, smaller)
    ok = _govhall("guides", "import", "--db", str(db_path), str(smaller))
    assert ok.returncode == 0, ok.stderr
    assert "96 个事项" in ok.stdout
    _spoil(xlsx)
    bad = _govhall("guides", "import", "--db", str(db_path), str(xlsx))
    assert bad.returncode == 2
    assert "事项 第3行 · 列J（承诺时限）" in bad.stderr
    db = open_database(db_path)
    assert catalogue_revision(db) == 1
    assert len(load_catalogue(db).guides) == 96
    db.close()
    out = tmp_path / "export.json"
    assert _govhall("guides", "export", "--db", str(db_path), str(out)).returncode == 0
    assert read_catalogue(out) == demo_catalogue


def test_guides_config_section(hall_config, tmp_path):
    from dataclasses import replace as dc_replace

    from queue_server.core.config import ConfigError
    from queue_server.guides.store import ensure_catalogue, guides_settings

    assert guides_settings(hall_config).catalogue == DEMO_GUIDES_PATH
    own = tmp_path / "own.json"
    cat = read_catalogue(DEMO_GUIDES_PATH)
    for code in list(cat.guides)[3:]:
        cat.guides.pop(code)
    cat.bundles.clear()
    write_catalogue(cat, own)
    config = dc_replace(hall_config, path=tmp_path / "hall.toml", sections={"guides": {"catalogue": "own.json"}})
    assert guides_settings(config).catalogue == own
    db = open_database(tmp_path / "h.db")
    ensure_catalogue(db, config)
    assert list(load_catalogue(db).guides) == ["bdc-001", "bdc-002", "bdc-003"]
    db.close()
    bad = tmp_path / "bad.json"
    bad.write_text('{"guides": [{"code": "x"}]}', encoding="utf-8")
    fresh = open_database(tmp_path / "fresh.db")
    with pytest.raises(ConfigError) as info:
        ensure_catalogue(fresh, dc_replace(hall_config, path=tmp_path / "hall.toml",
                                           sections={"guides": {"catalogue": "bad.json"}}))
    fresh.close()
    assert info.value.field == "guides.catalogue" and "事项 x" in info.value.problem
    for section, field in (({"catalogue": "nope.json"}, "guides.catalogue"), ({"catalogue": 3}, "guides.catalogue"),
                           ({"catalog": "x"}, "guides.catalog")):
        with pytest.raises(ConfigError) as info:
            guides_settings(dc_replace(hall_config, path=tmp_path / "hall.toml", sections={"guides": section}))
        assert info.value.field == field
