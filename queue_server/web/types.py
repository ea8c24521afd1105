"""The value types every route's declared input is built from: text without invisible or unstorable characters,
business days as strict ``YYYY-MM-DD``, bounded integers.

A route's schema (a pydantic model, see :mod:`queue_server.web.api`) uses these instead of bare ``str``/``int`` so a
value that passes validation can always be stored, shown on a screen, printed and exported: no control characters
(they break the ``.xlsx`` exports and the ticket printer), no lone UTF-16 surrogates (SQLite and UTF-8 cannot hold
them), no bidi marks (they reorder what a manager reads: ``‮`` makes a name read backwards), and no integer an
SQLite column cannot take.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

#: bidirectional formatting characters: marks, embeddings, overrides and isolates
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: the first and last business day a request may name: far enough for any plan, near enough that the day after
#: the last one (a range's end bound) is still a valid date
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
#: an SQLite INTEGER is a signed 64-bit number; ids and counts in requests stay far below it
MAX_ID = 2**53
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _forbidden(allowed: str) -> re.Pattern[str]:
    controls = "".join(f"\\x{c:02x}" for c in (*range(0x20), *range(0x7f, 0xa0)) if chr(c) not in allowed)
    planes_last = "".join(f"\\U{p:04x}fffe\\U{p:04x}ffff" for p in range(0x11))
    return re.compile(f"[{controls}\\ud800-\\udfff{''.join(BIDI)}{planes_last}]")


#: the characters :func:`bad_character` refuses, so a clean text (nearly every one) costs one scan in C
_FORBIDDEN = {False: _forbidden(""), True: _forbidden("\n\t")}


def bad_character(text: str, *, multiline: bool) -> str | None:
    """Why ``text`` cannot be stored as it is (a Chinese reason), or ``None`` when it can.

    :param multiline: allow line breaks and tabs (a complaint's content, a comment), not in names and codes.
    """
    found = _FORBIDDEN[multiline].search(text)
    if found is None:
        return None
    ch = found.group()
    if ch in BIDI:
        return "含有不可见的文字方向控制符"
    category = unicodedata.category(ch)
    if category == "Cs":
        return "含有无法保存的字符（孤立代理项）"
    if category == "Cc":
        return "含有控制字符"
    return "含有非字符码位"


def _line(text: str) -> str:
    reason = bad_character(text, multiline=False)
    if reason:
        raise PydanticCustomError("bad_character", reason)
    return text


def _multiline(text: str) -> str:
    reason = bad_character(text, multiline=True)
    if reason:
        raise PydanticCustomError("bad_character", reason)
    return text.replace("\r\n", "\n")


def _day(text: str) -> str:
    if not _DAY.fullmatch(text):
        raise PydanticCustomError("day_format", "应为日期，格式 YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("day_format", "不是有效的日期") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError("day_range", f"应在 {FIRST_DAY} 到 {LAST_DAY} 之间")
    return text


def Line(max_length: int, *, min_length: int = 1) -> object:  # noqa: N802 - reads as a type in annotations
    """One line of text (a name, a code, a reason): trimmed, ``min_length``..``max_length`` characters, none of
    them a control character, a lone surrogate or a bidi mark."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
                     AfterValidator(_line)]


def Text(max_length: int, *, min_length: int = 1) -> object:  # noqa: N802
    """Free text that may span lines (content, comments, measures, answers); otherwise as :func:`Line`."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
                     AfterValidator(_multiline)]


#: a business day, ``YYYY-MM-DD`` with ASCII digits, a real date between FIRST_DAY and LAST_DAY (kept as text:
#: the stores compare days as ISO text)
Day = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_day),
                WithJsonSchema({"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})]
#: a window number as halls number their counters
WindowNumber = Annotated[int, Field(ge=1, le=9999)]
#: a row id in a request (path or body)
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
#: a code from the hall's configuration (service, department, priority category, guide): short, no spaces
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                        pattern=r"^[A-Za-z0-9_.\-]+$")]
#: an opaque token in a path (a ticket's, a slip's): URL-safe characters only
Token = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$")]
