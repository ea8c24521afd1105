"""The quality lint: findings on the deliberately defective demo items, none on the clean ones, and the exit code."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from queue_server.guides.exchange import write_catalogue
from queue_server.guides.lint import lint_catalogue, vague_phrase, valid_phone
from queue_server.guides.store import DEMO_GUIDES_PATH

ROOT = Path(__file__).resolve().parents[2]
DEFECTIVE = {"bdc-010", "scjg-009", "rsj-013", "ybj-009", "mzj-004", "zhsl-006"}


def test_findings_only_on_the_defective_demo_items(demo_catalogue):
    findings = lint_catalogue(demo_catalogue)
    assert {f.code for f in findings} == DEFECTIVE
    rules = {(f.code, f.element, f.rule) for f in findings}
    assert ("bdc-010", "受理条件[1]", "vague") in rules
    assert ("bdc-010", "申请材料[4] 相关证明材料", "vague") in rules
    assert ("bdc-010", "申请材料[4] 相关证明材料", "material") in rules
    assert ("scjg-009", "受理条件[2]", "vague") in rules
    assert ("scjg-009", "申请材料[4] 其他相关材料", "vague") in rules
    assert ("rsj-013", "承诺办结时限", "time_limit") in rules
    assert ("rsj-013", "咨询电话", "phone") in rules
    assert ("ybj-009", "申请材料[2] 救助对象身份证明", "material") in rules
    assert ("zhsl-006", "设定依据", "missing") in rules
    assert ("zhsl-006", "办理流程", "missing") in rules
    assert ("zhsl-006", "监督投诉电话", "phone") in rules


@pytest.mark.parametrize("text, phrase", [
    ("法律、法规规定的其他条件", "法律、法规规定的其他条件"),
    ("符合法律法规规定的其他条件", "法律法规规定的其他条件"),
    ("规章规定的其它情形", "规章规定的其它情形"),
    ("相关证明材料", "相关证明"),
    ("其他材料", "其他材料"),
    ("其他相关材料", "其他相关材料"),
    ("有关部门出具的有关证明", "有关证明"),
    ("身份证明等材料", "等材料"),
    ("法律授权部门规定的其他情形除外", "法律授权部门规定的其他情形"),
])
def test_vague_variants_are_caught(text, phrase):
    assert vague_phrase(text) == phrase


@pytest.mark.parametrize("text", ["居民身份证", "相关检查报告", "其他共有人同意抵押的书面意见", "年满 60 周岁",
                                  "法律授权；部门规定的其他情形除外"])  # two clauses, full-width ；
def test_specific_wording_is_not_vague(text):
    assert vague_phrase(text) is None


@pytest.mark.parametrize("phone, ok", [
    ("0394-4211234", True), ("03944211234", True), ("010-12345678", True), ("0394-4211234-801", True),
    ("13812341234", True), ("12345", True), ("400-123-4567", True),
    ("4212345", False), ("0394-42110", False), ("1381234123", False), ("电话待定", False), ("", False),
])
def test_phone_format(phone, ok):
    assert valid_phone(phone) is ok


def _lint(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "queue_server", "guides", "lint", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_cli_report_and_exit_codes(demo_catalogue, tmp_path):
    result = _lint(str(DEMO_GUIDES_PATH))
    assert result.returncode == 1
    assert "bdc-010 地役权登记\n  受理条件[1]: [vague]" in result.stdout
    assert result.stdout.strip().endswith("检查事项 97 项，6 项有问题，共 20 处。")
    as_json = json.loads(_lint(str(DEMO_GUIDES_PATH), "--json").stdout)
    assert {f["code"] for f in as_json} == DEFECTIVE
    for code in DEFECTIVE:
        demo_catalogue.guides.pop(code)
    clean = tmp_path / "clean.xlsx"
    write_catalogue(demo_catalogue, clean)
    result = _lint(str(clean))
    assert result.returncode == 0, result.stdout
    assert "0 项有问题" in result.stdout
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert _lint(str(broken)).returncode == 2
