"""Masking personal data for anything public or printed (个人信息保护法, GB/T 35273; DOMAIN.md): a name as
张*三 / 张*, a phone as 138****1234, an ID number as its first 6 and last 4 characters — as fields, and inside
free text that people typed (:func:`mask_in_text`)."""
from __future__ import annotations

import re
from collections.abc import Iterable

#: an ID number standing alone in a text: 18 characters (the last may be X) or the old 15 digits
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
#: a mobile number (also typed 138 1234 5678 or 138-1234-5678), or a landline written with its area code
_PHONE_IN_TEXT = re.compile(r"(?<![\d-])(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-\d{7,8})(?![\d-])")
#: a name after the words that introduce one (我叫张三, 姓名：李四, 联系人王五); 我是 and 本人 are left out, since
#: they far more often start a sentence (我是来办证的) than a name
_NAME_AFTER_CUE = re.compile(r"(我叫|名叫|姓名[是为]?[:：]?\s*|名字[是叫]?[:：]?\s*|联系人[:：]?\s*)([\u4e00-\u9fff]{2,4})")


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


def mask_in_text(text: str, names: Iterable[str] = ()) -> str:
    """Free text as it may be shown (a questionnaire's comment, an SMS's wording): ID numbers, phone numbers and
    names inside it masked as above. Names are those in ``names`` (people the hall knows, such as its staff, whom
    citizens name in comments) and any after the words that introduce one (我叫…, 姓名：…, 联系人…); a name typed
    with nothing to tell it apart stays, as no rule tells names from words reliably.

    :param names: names to mask wherever they occur (two characters or more)
    """
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
    text = _NAME_AFTER_CUE.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)
    known = sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True)
    if known:
        text = re.sub("|".join(map(re.escape, known)), lambda m: mask_name(m.group(0)), text)
    return text
