"""How the kiosk words a guide's material (``kiosk.guide.content.material_line``), on screen and on the slip."""
from __future__ import annotations

from kiosk.guide.content import material_line


def test_a_zero_count_is_left_out() -> None:
    line = material_line({"name": "不动产登记申请书", "required": True, "originals": 1, "copies": 0, "issuer": "申请人自备"})
    assert line == "不动产登记申请书（必需） 原件1份；出具：申请人自备"
    both = material_line({"name": "居民身份证", "required": True, "originals": 1, "copies": 1, "issuer": "公安机关"})
    assert both == "居民身份证（必需） 原件1份，复印件1份；出具：公安机关"
    assert "0份" not in material_line({"name": "结婚证", "required": False, "originals": 0, "copies": 2})
