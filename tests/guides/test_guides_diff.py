"""Same-source check against a hand-made provincial export: every differing element, every one-sided item,
and `--apply` taking the provincial version."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

from queue_server.guides.diff import apply_provincial, diff_catalogues
from queue_server.guides.exchange import read_catalogue, write_catalogue
from queue_server.guides.model import catalogue_from_dict, catalogue_to_dict

ROOT = Path(__file__).resolve().parents[2]
LOCAL_ITEMS = ["bdc-002", "scjg-001", "rsj-004", "hj-005", "mzj-003"]


def _local_and_provincial(demo_catalogue):
    data = catalogue_to_dict(demo_catalogue)
    data["guides"] = [g for g in data["guides"] if g["code"] in LOCAL_ITEMS]
    data["bundles"] = []
    prov = copy.deepcopy(data)
    by_code = {g["code"]: g for g in prov["guides"]}
    # the province promises 5 days, asks for two copies of the contract and no marriage certificate
    by_code["bdc-002"]["promised_days"] = 5
    by_code["bdc-002"]["materials"][3]["copies"] = 2
    by_code["bdc-002"]["materials"] = [m for m in by_code["bdc-002"]["materials"] if m["name"] != "结婚证"]
    by_code["bdc-002"]["service"] = "provincial-code"  # hall-only element: never compared
    by_code["bdc-002"]["keywords"] = []                 # hall-only element: never compared
    by_code["scjg-001"]["supervise_phone"] = "12345"
    by_code["scjg-001"]["conditions"].append("有符合规定的经营范围")
    # the province numbers 社会保障卡申领 differently: paired by name
    by_code["rsj-004"]["code"] = "P-SI-004"
    by_code["rsj-004"]["fee"] = "免费"
    # 补领结婚证 is not on the provincial platform; 遗失补办 is only there
    prov["guides"] = [g for g in prov["guides"] if g["code"] != "mzj-003"]
    extra = copy.deepcopy(by_code["hj-005"])
    extra.update(code="hj-099", name="出生医学证明遗失补办登记", service="hukou_move")
    prov["guides"].append(extra)
    return catalogue_from_dict(data), catalogue_from_dict(prov)


def test_every_differing_element_is_listed(demo_catalogue):
    local, provincial = _local_and_provincial(demo_catalogue)
    diffs = diff_catalogues(local, provincial)
    found = {(d.kind, d.code, d.element, d.local, d.provincial) for d in diffs}
    assert found == {
        ("element", "bdc-002", "承诺办结时限", "3", "5"),
        ("element", "bdc-002", "申请材料 不动产买卖合同 · 复印件", "0", "2"),
        ("element", "bdc-002", "申请材料 结婚证", "有", "无"),
        ("element", "scjg-001", "监督投诉电话", "0394-4212345", "12345"),
        ("element", "scjg-001", "受理条件",
         "有符合公司章程规定的全体股东认缴的出资额；有公司名称和住所",
         "有符合公司章程规定的全体股东认缴的出资额；有公司名称和住所；有符合规定的经营范围"),
        ("element", "rsj-004", "事项编码", "rsj-004", "P-SI-004"),
        ("element", "rsj-004", "收费标准", "不收费", "免费"),
        ("local_only", "mzj-003", "", "", ""),
        ("provincial_only", "hj-099", "", "", ""),
    }


def test_apply_takes_provincial_elements_and_keeps_hall_ones(demo_catalogue, hall_config):
    local, provincial = _local_and_provincial(demo_catalogue)
    merged, notes = apply_provincial(local, provincial, set(hall_config.services))
    assert notes == []
    assert merged.guides["bdc-002"].promised_days == 5
    assert merged.guides["bdc-002"].service == "bdc_transfer"          # the hall's mapping stays
    assert merged.guides["bdc-002"].keywords == local.guides["bdc-002"].keywords
    assert merged.guides["rsj-004"].fee == "免费"                       # keeps the hall's code
    assert "mzj-003" in merged.guides and "hj-099" in merged.guides
    left = diff_catalogues(merged, provincial)
    assert {(d.kind, d.code) for d in left} == {("element", "rsj-004"), ("local_only", "mzj-003")}


def test_provincial_item_without_hall_service_is_not_taken(demo_catalogue, hall_config):
    local, provincial = _local_and_provincial(demo_catalogue)
    data = catalogue_to_dict(provincial)
    for g in data["guides"]:
        if g["code"] == "hj-099":
            g["service"] = "prov-only"
    merged, notes = apply_provincial(local, catalogue_from_dict(data), set(hall_config.services))
    assert "hj-099" not in merged.guides
    assert notes and "hj-099" in notes[0]


def test_cli_diff_and_apply_with_excel_provincial_file(demo_catalogue, tmp_path):
    local, provincial = _local_and_provincial(demo_catalogue)
    local_path, prov_path = tmp_path / "local.json", tmp_path / "provincial.xlsx"
    write_catalogue(local, local_path)
    write_catalogue(provincial, prov_path)
    cmd = [sys.executable, "-m", "queue_server", "guides", "diff", str(local_path), str(prov_path)]
    shown = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 1
    assert "bdc-002 存量房转移登记(二手房过户)\n  申请材料 不动产买卖合同 · 复印件：本大厅“0” ≠ 省级“2”\n" in shown.stdout
    assert "\n  承诺办结时限：本大厅“3” ≠ 省级“5”\n" in shown.stdout
    assert "mzj-003 补领结婚证：仅本大厅有，省级平台无" in shown.stdout
    assert read_catalogue(local_path) == local  # nothing written without --apply
    as_json = json.loads(subprocess.run(cmd + ["--json"], cwd=ROOT, capture_output=True, text=True).stdout)
    assert len(as_json) == 9
    applied = subprocess.run(cmd + ["--apply"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert applied.returncode == 0, applied.stderr
    assert "承诺办结时限" in applied.stdout  # the changes are shown before they are taken
    assert read_catalogue(local_path).guides["bdc-002"].promised_days == 5


def test_cli_diff_against_the_database_and_apply_there(demo_catalogue, tmp_path):
    from queue_server.app import open_database
    from queue_server.guides.store import load_catalogue, replace_catalogue

    local, provincial = _local_and_provincial(demo_catalogue)
    db_path, prov_path = tmp_path / "h.db", tmp_path / "provincial.json"
    db = open_database(db_path)
    replace_catalogue(db, local)
    db.close()
    write_catalogue(provincial, prov_path)
    cmd = [sys.executable, "-m", "queue_server", "guides", "diff", "--db", str(db_path), "db", str(prov_path)]
    shown = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 1 and "要素不一致事项 3 项" in shown.stdout
    applied = subprocess.run(cmd + ["--apply"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert applied.returncode == 0, applied.stderr
    db = open_database(db_path)
    stored = load_catalogue(db)
    db.close()
    assert stored.guides["bdc-002"].promised_days == 5 and "hj-099" in stored.guides
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "要素不一致事项 1 项" in again.stdout  # only the code difference of the item paired by name is left


def test_provincial_export_without_hall_services(demo_catalogue, tmp_path, hall_config):
    """The provincial platform knows nothing of the hall's services: its export has no `service` values."""
    local, provincial = _local_and_provincial(demo_catalogue)
    data = catalogue_to_dict(provincial)
    for g in data["guides"]:
        del g["service"]
    prov_path = tmp_path / "provincial.json"
    prov_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    xlsx = tmp_path / "provincial.xlsx"
    write_catalogue(catalogue_from_dict(data, hall=False), xlsx)
    for path in (prov_path, xlsx):
        theirs = read_catalogue(path, hall=False)
        assert len(diff_catalogues(local, theirs)) == 9
        merged, notes = apply_provincial(local, theirs, set(hall_config.services))
        assert merged.guides["bdc-002"].service == "bdc_transfer" and "hj-099" not in merged.guides
        assert len(notes) == 1 and "hj-099" in notes[0]
    local_path = tmp_path / "local.json"
    write_catalogue(local, local_path)
    cmd = [sys.executable, "-m", "queue_server", "guides", "diff", str(local_path), str(xlsx)]
    shown = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 1, shown.stderr
