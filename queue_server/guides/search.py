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


def _fast_pinyin(query: str, f: "_Field") -> int:
    """The pinyin tier by plain string tests for the common shapes (whole pinyin, initials), else 0."""
    if f.flat == query or f.initials == query:
        return PINYIN_FULL
    if f.flat.startswith(query) or f.initials.startswith(query):
        return PINYIN_START
    return 0


def _pinyin_bigrams(syl: tuple[str, ...]) -> tuple[set[str], set[str]]:
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


@dataclass(frozen=True)
class _Field:
    text: str
    syl: tuple[str, ...]
    flat: str
    initials: str
    marked: str
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
        self.head_bigrams: dict[str, set[int]] = {}
        self.syll_pairs: dict[str, set[int]] = {}
        self.initials: dict[str, set[int]] = {}
        self.sylls: dict[str, set[int]] = {}
        self.trigrams: dict[str, set[int]] = {}
        self.groups: list[tuple[_Field, set[int]]] = []
        self._fields_seen: dict[tuple[str, float], _Field] = {}
        self._pattern: re.Pattern[str] | None = None
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

    def _field(self, text: str, weight: float) -> _Field:
        key = (text, weight)
        cached = self._fields_seen.get(key)
        if cached is None:  # keywords and department names repeat: read each text once
            syl = syllables(text)
            cached = _Field(normalise(text), syl, "".join(syl), "".join(x[0] for x in syl if x), marked(syl), weight)
            self._fields_seen[key] = cached
        return cached

    def _index(self, n: int, f: _Field) -> None:
        for c in set(f.text):
            self.chars.setdefault(c, set()).add(n)
        head, grams = _pinyin_bigrams(f.syl)
        for g in head:
            self.head_bigrams.setdefault(g, set()).add(n)
        for g in grams:
            self.bigrams.setdefault(g, set()).add(n)
        for k in range(len(f.syl) - 1):
            self.syll_pairs.setdefault(f.syl[k] + "|" + f.syl[k + 1], set()).add(n)
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
        reach = allowed
        if len(terms) > 1:  # score only guides every term can reach exactly; fall back to all if none
            for term in terms:
                r = self._reach(term)
                reach = r if reach is None else reach & r
            if not reach:
                reach = allowed
        total: dict[int, float] | None = None
        for term in sorted(terms, key=len, reverse=True):  # longer terms are usually the more selective
            within = reach if total is None else set(total)
            scores = self._term_scores(term, limit, within)
            if total is None:
                total = scores
            else:
                total = {n: s + scores[n] for n, s in total.items() if n in scores}
            if not total:
                return []
        assert total is not None
        buckets: dict[float, list[int]] = {}
        for n, s in total.items():
            buckets.setdefault(s, []).append(n)
        hits: list[SearchHit] = []
        for s in sorted(buckets, reverse=True):  # only the best buckets are sorted, by name length then order
            for n in sorted(buckets[s], key=lambda n: (len(self.names[n]), n)):
                hits.append(SearchHit(self.codes[n], round(s, 1)))
                if len(hits) == limit:
                    return hits
        return hits

    def _term_scores(self, term: str, limit: int, within: set[int] | None = None) -> dict[int, float]:
        term_syl = () if term.isascii() else syllables(term)
        self._pattern = pinyin_pattern(term) if term.isascii() and term[0].isalpha() else None
        scores: dict[int, float] = {}
        # departments and services first: few texts, many members each; higher scores overwrite lower
        group_hits = [(self._tier(term, term_syl, f, fuzzy=True) * f.weight, members) for f, members in self.groups]
        for score, members in sorted((h for h in group_hits if h[0]), key=lambda h: h[0]):
            scores.update(dict.fromkeys(members if within is None else members & within, score))
        exact = self._candidates(term, term_syl)
        if within is not None:
            exact &= within
        self._score_fields(term, term_syl, exact, scores, fuzzy=False)
        if len(term) >= 3 and len(scores) < limit:
            fuzzy = self._fuzzy_candidates(term) - exact
            self._score_fields(term, term_syl, fuzzy if within is None else fuzzy & within, scores, fuzzy=True)
        return scores

    def _score_fields(self, term: str, term_syl: tuple[str, ...], candidates: set[int], scores: dict[int, float],
                      fuzzy: bool) -> None:
        fields, tier_of = self.fields, self._tier
        for n in candidates:
            best = scores.get(n, 0.0)
            for f in fields[n]:
                if f.weight * EXACT <= best:
                    continue  # this field cannot beat what the guide already has
                if fuzzy:
                    tier = ONE_EDIT if fuzzy_in(term, f.text) or (term.isascii() and fuzzy_in(term, f.flat)) else 0
                else:
                    tier = tier_of(term, term_syl, f, fuzzy=False)
                if tier * f.weight > best:
                    best = tier * f.weight
            if best:
                scores[n] = best

    def _tier(self, term: str, term_syl: tuple[str, ...], f: _Field, fuzzy: bool) -> int:
        if f.text == term:
            return EXACT
        if f.text.startswith(term):
            return PREFIX
        if term in f.text:
            return SUBSTRING
        tier = 0
        if term.isascii():
            if term[0].isalpha() and term[0] in f.initials:
                assert self._pattern is not None
                tier = _fast_pinyin(term, f) or pinyin_tier(self._pattern, f.marked)
        elif _in_order(term, f.text):
            tier = SCATTERED
        elif _contains_run(f.syl, term_syl):
            tier = HOMOPHONE
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
                head = self.head_bigrams.get(term[:2], set())
                found |= head & _intersect(self.bigrams, [term[k:k + 2] for k in range(1, len(term) - 1)]) \
                    if len(term) > 2 else head
        if not term.isascii():
            if len(term_syl) > 1:
                pairs = [term_syl[k] + "|" + term_syl[k + 1] for k in range(len(term_syl) - 1)]
                found |= _intersect(self.syll_pairs, pairs)
            else:
                found |= _intersect(self.sylls, list(term_syl))
        found |= _intersect(self.chars, list(term))
        return found

    def _reach(self, term: str) -> set[int]:
        """Guides `term` matches exactly in a field or through their department or service."""
        term_syl = () if term.isascii() else syllables(term)
        self._pattern = pinyin_pattern(term) if term.isascii() and term[0].isalpha() else None
        found = set(self._candidates(term, term_syl))
        for f, members in self.groups:
            if self._tier(term, term_syl, f, fuzzy=False):
                found |= members
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
