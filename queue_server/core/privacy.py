"""Masking personal data for anything public or printed (个人信息保护法, GB/T 35273; DOMAIN.md): a name as
张*三 / 张*, a phone as 138****1234, an ID number as its first 6 and last 4 characters."""
from __future__ import annotations


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; anything short is starred out entirely."""
    digits = phone.strip()
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_id_number(id_number: str) -> str:
    """410101199001011234 → 410101********1234; anything too short to keep 10 characters is starred out."""
    text = id_number.strip()
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]
