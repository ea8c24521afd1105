"""How a typed term meets a text, for the guide search: normalising, toneless pinyin syllables, the pinyin pattern
that takes initials, whole pinyin and mixes alike, one-edit tolerance, and the score tiers these reach.

Readings come from pypinyin (`lazy_pinyin`, which resolves most polyphones from phrases).
"""
from __future__ import annotations

import re
import unicodedata

from pypinyin import lazy_pinyin

#: the tiers a term reaches in a field (the search module's docstring orders them)
EXACT, PREFIX, SUBSTRING, PINYIN_FULL, PINYIN_START, PINYIN_INSIDE, SCATTERED, HOMOPHONE, INITIALS_SCATTERED, \
    ONE_EDIT = (100, 90, 80, 95, 85, 70, 65, 60, 55, 45)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ALNUM = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, no surrounding space."""
    return unicodedata.normalize("NFKC", text).lower().strip()


def syllables(text: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of `text`; Latin letters and digits pass through as lower-case tokens."""
    out: list[str] = []
    for token in lazy_pinyin(normalise(text)):
        if _CJK.search(token) is None:
            out += _ALNUM.findall(token.lower())
        else:  # a character pypinyin has no reading for
            out.append(token)
    return tuple(out)


def within_one_edit(a: str, b: str) -> bool:
    """True when `a` and `b` differ by at most one substitution, insertion or deletion."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i, n = 0, min(la, lb)
    while i < n and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1:] == b[i + 1:]
    return a[i + 1:] == b[i:] if la > lb else a[i:] == b[i + 1:]


def fuzzy_in(query: str, text: str) -> bool:
    """True when some substring of `text` is within one edit of `query` (len ≥ 3).

    One edit leaves one half of the query intact (pigeonhole), so only the places where a half occurs
    exactly are checked."""
    half = len(query) // 2
    left, right = query[:half], query[half:]
    start = text.find(left)
    while start >= 0:
        tail = start + len(left)
        if any(within_one_edit(right, text[tail:tail + k]) for k in (len(right) - 1, len(right), len(right) + 1)):
            return True
        start = text.find(left, start + 1)
    end = text.find(right)
    while end >= 0:
        if any(within_one_edit(left, text[max(0, end - k):end]) for k in (len(left) - 1, len(left), len(left) + 1)
               if end - k >= 0):
            return True
        end = text.find(right, end + 1)
    return False


def pinyin_pattern(query: str) -> re.Pattern[str]:
    """A regex matching `query` against syllables written as "|bu|dong|chan": each query letter either
    continues the current syllable or, skipping that syllable's rest, starts the next one.  So initials,
    full pinyin and mixes ("bdc", "budongchan", "bdcdengji") all match, at C speed."""
    parts = [r"\|" + re.escape(query[0])]
    for c in query[1:]:
        e = re.escape(c)
        parts.append(f"(?:{e}|[^|]*\\|{e})")
    return re.compile("".join(parts))


def marked(syl: tuple[str, ...]) -> str:
    """Syllables as one string with a bar before each: ("bu", "dong") → "|bu|dong"."""
    return "|" + "|".join(syl)


def pinyin_tier(pattern: re.Pattern[str], text: str) -> int:
    """Tier of a `pinyin_pattern` against a `marked` text: from the start (to its last syllable: full),
    inside, or 0."""
    m = pattern.match(text)
    if m:
        return PINYIN_FULL if text.find("|", m.end()) == -1 else PINYIN_START
    return PINYIN_INSIDE if pattern.search(text) else 0


def pinyin_match(query: str, syl: tuple[str, ...]) -> int:
    """Tier for an ASCII query against a syllable sequence; 0 when it does not match."""
    return pinyin_tier(pinyin_pattern(query), marked(syl))


def pinyin_bigrams(syl: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """(head, any) letter pairs a typed query can contain.  A syllable is typed whole, as a prefix, or by
    its initial (zh/ch/sh count as initials); `head` pairs start at a syllable, as a query's first pair must."""
    head: set[str] = set()
    grams: set[str] = set()
    for j, s in enumerate(syl):
        if not s:
            continue
        nxt = syl[j + 1][0] if j + 1 < len(syl) and syl[j + 1] else ""
        grams.update(s[k:k + 2] for k in range(len(s) - 1))
        if len(s) > 1:
            head.add(s[:2])
        if nxt:
            head.add(s[0] + nxt)
            grams.update((s[0] + nxt, s[-1] + nxt))
            if s[:2] in ("zh", "ch", "sh"):
                grams.add("h" + nxt)
    return head, grams | head


def contains_run(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    if not needle or len(needle) > len(haystack):
        return False
    k = len(needle)
    return any(haystack[i:i + k] == needle for i in range(len(haystack) - k + 1))


def in_order(needle: str, haystack: str) -> bool:
    """True when every character of `needle` occurs in `haystack`, in order (不动产登记 in 不动产更正登记)."""
    it = iter(haystack)
    return all(c in it for c in needle)
