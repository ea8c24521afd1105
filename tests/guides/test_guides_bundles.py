"""一件事一次办: merged materials (shared ones once, largest counts), one combined form, total promised time."""
from __future__ import annotations

from dataclasses import replace

from queue_server.guides.bundles import merge_bundle, total_days
from queue_server.guides.model import Bundle, Material


def test_second_hand_house_bundle_merges_shared_materials(demo_catalogue):
    merged = merge_bundle(demo_catalogue.bundles["yjs-001"], demo_catalogue)
    names = [m.name for m in merged.materials]
    assert len(names) == len(set(names))
    # 不动产买卖合同 is needed by the tax, the registration and the contract filing: once, used by all three
    contract = next(m for m in merged.materials if m.name == "不动产买卖合同")
    assert contract.used_by == ["swj-006", "bdc-002", "zjj-005"]
    # one form with every field once, in first-seen order
    assert merged.form_fields[:3] == ["纳税人姓名", "证件号码", "联系电话"]
    assert merged.form_fields.count("证件号码") == 1
    assert "不动产单元号" in merged.form_fields
    # parallel: the longest promised time (3 working days for the transfer registration)
    assert merged.promised_days == 3


def test_largest_counts_win_and_required_if_any(demo_catalogue):
    cat = demo_catalogue
    a = cat.guides["hj-005"]
    b = cat.guides["ybj-001"]
    cat.guides["hj-005"] = replace(a, materials=(Material("居民户口簿", "公安机关", 1, 0, required=False),))
    cat.guides["ybj-001"] = replace(b, materials=(Material("居民户口簿", "公安机关", 0, 2, required=True),
                                                  Material("居 民 户 口 簿", "", None, 3, required=False)))
    merged = merge_bundle(Bundle("t", "测试", ("hj-005", "ybj-001")), cat)
    assert len(merged.materials) == 1
    book = merged.materials[0]
    assert (book.originals, book.copies, book.required) == (1, 3, True)
    assert book.used_by == ["hj-005", "ybj-001"]


def test_serial_bundle_adds_up_promised_days(demo_catalogue):
    merged = merge_bundle(demo_catalogue.bundles["yjs-003"], demo_catalogue)
    expected = sum(demo_catalogue.guides[c].promised_days for c in demo_catalogue.bundles["yjs-003"].items)
    assert merged.promised_days == expected == 1
    assert merged.as_dict()["mode"] == "serial"


def test_total_days_rules():
    assert total_days([3, 5, 0], "parallel") == 5
    assert total_days([3, 5, 0], "serial") == 8
    assert total_days([3, None], "parallel") is None
    assert total_days([], "serial") is None
