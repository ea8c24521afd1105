"""Guide search by name, keyword, full pinyin and pinyin initials, tolerant of one wrong character.

The kiosk has no pinyin keyboard, so citizens type initials ("bdc", "bdcdj" → 不动产登记), whole pinyin
("budongchan") or a mix ("bdcdengji"); staff type Chinese, sometimes with a wrong or homophone character.
Every query term must match some field of a guide (its name, a keyword, its department's or hall service's
name); the guide's score is the sum over terms of the best tier reached, weighted by the field:

    exact 100 > prefix 90 > substring 80 > pinyin from the start 85/95 > pinyin inside 70
    > all characters in order 65 > homophone 60 > one edit (wrong, missing or extra character) 45

Candidates come from inverted indexes (characters, pinyin bigrams, syllables, pinyin trigrams), so a query
touches only guides that can match: a catalogue of 10,000 items answers in a few milliseconds.
Readings come from pypinyin (`lazy_pinyin`, which resolves most polyphones from phrases).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from pypinyin import lazy_pinyin

from queue_server.guides.model import Catalogue

EXACT, PREFIX, SUBSTRING, PINYIN_FULL, PINYIN_START, PINYIN_INSIDE, SCATTERED, HOMOPHONE, ONE_EDIT = (
    100, 90, 80, 95, 85, 70, 65, 60, 45)
NAME_WEIGHT, KEYWORD_WEIGHT, GROUP_WEIGHT = 1.0, 0.9, 0.5
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPLIT = re.compile(r"[\s,,、;;。.·/()()【】\[\]\-—_:：\"'“”]+")
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


def pinyin_match(query: str, syl: tuple[str, ...]) -> int:
    """Tier for an ASCII query against a syllable sequence: each matched syllable is consumed by a non-empty
    prefix of itself (so initials, full pinyin and mixes all match); 0 when it does not match."""
    best = 0
    for start in range(len(syl)):
        if not syl[start] or syl[start][0] != query[0]:
            continue
        end = _consume(query, 0, syl, start)
        if end is not None:
            if start == 0:
                return PINYIN_FULL if end == len(syl) else PINYIN_START
            best = PINYIN_INSIDE
    return best


def _consume(query: str, i: int, syl: tuple[str, ...], j: int) -> int | None:
    """Index after the last syllable used when query[i:] matches from syllable j, else None."""
    if i == len(query):
        return j
    if j == len(syl):
        return None
    s = syl[j]
    k = 0
    while k < len(s) and i + k < len(query) and s[k] == query[i + k]:
        k += 1
    for used in range(k, 0, -1):  # longest first: the common case is whole syllables
        end = _consume(query, i + used, syl, j + 1)
        if end is not None:
            return end
    return None


def _pinyin_bigrams(syl: tuple[str, ...]) -> set[str]:
    """Every letter pair a syllable-prefix match of a query can contain."""
    grams: set[str] = set()
    for j, s in enumerate(syl):
        grams.update(s[k:k + 2] for k in range(len(s) - 1))
        if j + 1 < len(syl) and syl[j + 1]:
            grams.update(c + syl[j + 1][0] for c in s)
    return grams


@dataclass(frozen=True)
class _Field:
    text: str
    syl: tuple[str, ...]
    flat: str
    weight: float


@dataclass(frozen=True)
class SearchHit:
    """One ranked result: the guide's code and its score."""

    code: str
    score: float


class GuideIndex:
    """An in-memory search index over a catalogue's guides.

    :param catalogue: the guides to index.
    :param service_names: hall service code → name (from the hall config), so "社保卡办理" also finds the
        guides handled by that service; optional.
    """

    def __init__(self, catalogue: Catalogue, service_names: dict[str, str] | None = None):
        self.codes: list[str] = []
        self.names: list[str] = []
        self.fields: list[list[_Field]] = []
        self.chars: dict[str, set[int]] = {}
        self.bigrams: dict[str, set[int]] = {}
        self.initials: dict[str, set[int]] = {}
        self.sylls: dict[str, set[int]] = {}
        self.trigrams: dict[str, set[int]] = {}
        self.groups: list[tuple[_Field, set[int]]] = []
        by_department: dict[str, set[int]] = {}
        by_service: dict[str, set[int]] = {}
        for n, guide in enumerate(catalogue.guides.values()):
            self.codes.append(guide.code)
            self.names.append(guide.name)
            fields = [self._field(guide.name, NAME_WEIGHT)]
            fields += [self._field(k, KEYWORD_WEIGHT) for k in guide.keywords]
            self.fields.append(fields)
            for f in fields:
                self._index(n, f)
            by_department.setdefault(guide.department, set()).add(n)
            by_service.setdefault(guide.service, set()).add(n)
        for code, members in by_department.items():
            self.groups.append((self._field(catalogue.department_name(code), GROUP_WEIGHT), members))
        for code, members in by_service.items():
            if service_names and code in service_names:
                self.groups.append((self._field(service_names[code], GROUP_WEIGHT), members))

    @staticmethod
    def _field(text: str, weight: float) -> _Field:
        syl = syllables(text)
        return _Field(normalise(text), syl, "".join(syl), weight)

    def _index(self, n: int, f: _Field) -> None:
        for c in set(f.text):
            self.chars.setdefault(c, set()).add(n)
        for g in _pinyin_bigrams(f.syl):
            self.bigrams.setdefault(g, set()).add(n)
        for s in f.syl:
            self.sylls.setdefault(s, set()).add(n)
            if s:
                self.initials.setdefault(s[0], set()).add(n)
        for k in range(len(f.flat) - 2):
            self.trigrams.setdefault(f.flat[k:k + 3], set()).add(n)

    def __len__(self) -> int:
        return len(self.codes)

    # ------------------------------------------------------------------------------------------ querying

    def search(self, query: str, limit: int = 20, restrict: Iterable[str] | None = None) -> list[SearchHit]:
        """Guides matching every term of `query`, best first (ties: shorter name, then catalogue order).

        :param query: the text typed; terms are separated by spaces or punctuation.
        :param limit: at most this many hits.
        :param restrict: only these guide codes (e.g. one department's), or None for all.
        """
        terms = [t for t in _SPLIT.split(normalise(query)) if t]
        if not terms:
            return []
        allowed = None
        if restrict is not None:
            wanted = set(restrict)
            allowed = {n for n, c in enumerate(self.codes) if c in wanted}
        total: dict[int, float] | None = None
        for term in terms:
            scores = self._term_scores(term, limit)
            if allowed is not None:
                scores = {n: s for n, s in scores.items() if n in allowed}
            if total is None:
                total = scores
            else:
                total = {n: s + scores[n] for n, s in total.items() if n in scores}
            if not total:
                return []
        assert total is not None
        ranked = sorted(total.items(), key=lambda kv: (-kv[1], len(self.names[kv[0]]), kv[0]))
        return [SearchHit(self.codes[n], round(s, 1)) for n, s in ranked[:limit]]

    def _term_scores(self, term: str, limit: int) -> dict[int, float]:
        scores: dict[int, float] = {}
        term_syl = () if term.isascii() else syllables(term)

        def offer(n: int, score: float) -> None:
            if score > scores.get(n, 0.0):
                scores[n] = score

        for f, members in self.groups:
            tier = self._tier(term, term_syl, f, fuzzy=True)
            if tier:
                for n in members:
                    offer(n, tier * f.weight)
        exact = self._candidates(term, term_syl)
        for n in exact:
            for f in self.fields[n]:
                tier = self._tier(term, term_syl, f, fuzzy=False)
                if tier:
                    offer(n, tier * f.weight)
        if len(term) >= 3 and sum(1 for s in scores.values() if s >= HOMOPHONE * GROUP_WEIGHT) < limit:
            for n in self._fuzzy_candidates(term) - exact:
                for f in self.fields[n]:
                    if fuzzy_in(term, f.text) or (term.isascii() and fuzzy_in(term, f.flat)):
                        offer(n, ONE_EDIT * f.weight)
        return scores

    def _tier(self, term: str, term_syl: tuple[str, ...], f: _Field, fuzzy: bool) -> int:
        if f.text == term:
            return EXACT
        if f.text.startswith(term):
            return PREFIX
        if term in f.text:
            return SUBSTRING
        if term.isascii():
            tier = pinyin_match(term, f.syl) if term[0].isalpha() else 0
        elif _in_order(term, f.text):
            tier = SCATTERED
        else:
            tier = HOMOPHONE if _contains_run(f.syl, term_syl) else 0
        if not tier and fuzzy and len(term) >= 3:
            if fuzzy_in(term, f.text) or (term.isascii() and fuzzy_in(term, f.flat)):
                tier = ONE_EDIT
        return tier

    def _candidates(self, term: str, term_syl: tuple[str, ...]) -> set[int]:
        """Guides whose name or keywords can match `term` exactly (by text, pinyin or homophone)."""
        found: set[int] = set()
        if term.isascii() and term[0].isalpha():
            if len(term) == 1:
                found |= self.initials.get(term, set())
            else:
                found |= _intersect(self.bigrams, [term[k:k + 2] for k in range(len(term) - 1)])
        if not term.isascii():
            found |= _intersect(self.sylls, list(term_syl))
        found |= _intersect(self.chars, list(term))
        return found

    def _fuzzy_candidates(self, term: str) -> set[int]:
        """Guides where one half of `term` occurs exactly (one edit leaves a half intact)."""
        half = len(term) // 2
        found: set[int] = set()
        for part in (term[:half], term[half:]):
            if term.isascii() and len(part) >= 3:
                found |= _intersect(self.trigrams, [part[k:k + 3] for k in range(len(part) - 2)])
            elif not term.isascii():
                found |= _intersect(self.chars, list(part))
        return found


def _intersect(index: dict[str, set[int]], keys: list[str]) -> set[int]:
    if not keys:
        return set()
    sets = [index.get(k) for k in set(keys)]
    if any(s is None for s in sets):
        return set()
    sets.sort(key=len)  # type: ignore[arg-type]
    return set.intersection(*sets)  # type: ignore[arg-type]


def _contains_run(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    if not needle or len(needle) > len(haystack):
        return False
    k = len(needle)
    return any(haystack[i:i + k] == needle for i in range(len(haystack) - k + 1))


def _in_order(needle: str, haystack: str) -> bool:
    """True when every character of `needle` occurs in `haystack`, in order (不动产登记 in 不动产更正登记)."""
    it = iter(haystack)
    return all(c in it for c in needle)
