"""What a call sounds like, as text: the template filled in with spoken forms, then cut into clip names.

Ticket numbers are read digit by digit (``A001`` → ``A零零一``), window numbers as a number (``12`` → ``十二``),
as halls announce them. :func:`tokenize` splits the spoken text into the longest clips the library has, so a
hall that records ``号窗口办理`` as one phrase gets it played as one.
"""
from __future__ import annotations

from collections.abc import Collection

DIGITS = "零一二三四五六七八九"


def spoken_ticket(number: str) -> str:
    """A ticket number as spoken: letters stay (their clips are named A-Z), digits one by one."""
    return "".join(DIGITS[int(ch)] if ch.isdigit() else ch.upper() for ch in number)


def spoken_number(n: int) -> str:
    """A whole number 0-9999 in Chinese words (``12`` → ``十二``, ``105`` → ``一百零五``)."""
    if not 0 <= n <= 9999:
        raise ValueError(f"cannot speak {n}")
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n - 10] if n > 10 else "")
    words = ""
    units = (("千", 1000), ("百", 100), ("十", 10))
    zero_pending = False
    for name, value in units:
        q, n = divmod(n, value)
        if q:
            if zero_pending:
                words += "零"
                zero_pending = False
            words += DIGITS[q] + name
        elif words:
            zero_pending = True
    if n:
        if zero_pending:
            words += "零"
        words += DIGITS[n]
    return words


def call_text(template: str, number: str, window: int | str) -> str:
    """The spoken text of a call.

    :param template: e.g. ``请{number}号到{window}号窗口办理``
    :param number: the ticket number, e.g. ``A001``
    :param window: the window number (an int, or digits)
    """
    window_words = spoken_number(int(window)) if str(window).isdigit() else str(window)
    return template.format(number=spoken_ticket(number), window=window_words)


def tokenize(text: str, vocabulary: Collection[str]) -> list[str]:
    """Cut ``text`` into clip names, longest match first.

    :param text: the spoken text
    :param vocabulary: the clip names available
    :raises KeyError: a character no clip covers (names it)
    """
    longest = max((len(v) for v in vocabulary), default=0)
    tokens: list[str] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        for size in range(min(longest, len(text) - i), 0, -1):
            if text[i:i + size] in vocabulary:
                tokens.append(text[i:i + size])
                i += size
                break
        else:
            raise KeyError(f"no voice clip for {text[i]!r} in {text!r}")
    return tokens
