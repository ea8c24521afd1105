"""Personal data masking (DOMAIN.md)."""
from __future__ import annotations

from queue_server.core.privacy import mask_id_number, mask_name, mask_phone


def test_masks():
    assert [mask_name(n) for n in ("张三", "张小三", "欧阳小明", "王", "")] == ["张*", "张*三", "欧**明", "王", ""]
    assert mask_phone("13812341234") == "138****1234" and mask_phone("0394-4211234") == "039*****1234"
    assert mask_phone("12345") == "*****"
    assert mask_id_number("41010119900101123X") == "410101********123X"
    assert mask_id_number("123") == "***"
