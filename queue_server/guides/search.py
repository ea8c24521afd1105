"""Guide search by name, keyword, full pinyin and pinyin initials, tolerant of one wrong character.

The kiosk has no pinyin keyboard, so citizens type initials ("bdc", "bdcdj" → 不动产登记), whole pinyin
("budongchan") or a mix ("bdcdengji"); staff type Chinese, sometimes with a wrong or homophone character.
Every query term must match some field of a guide (its name, a keyword, its department's or hall service's
name); the guide's score is the sum over terms of the best tier reached, weighted by the field:

    exact 100 > prefix 90 > substring 80 > pinyin from the start 85/95 > pinyin inside 70
    > all characters in order 65 > homophone 60 > four or more initials in order from the first syllable 55
    (bdcdj → 不动产抵押权…登记, looked for only while fewer results score higher) > one edit (wrong, missing or extra character) 45

Candidates come from inverted indexes (characters, pinyin bigrams, syllables, pinyin trigrams), so a query
touches only guides that can match: a catalogue of 10,000 items answers in a few milliseconds.
How a single term meets a text (pinyin, one edit, the tiers) is in :mod:`queue_server.guides.matching`.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable

from queue_server.guides.matching import (EXACT, HOMOPHONE, INITIALS_SCATTERED, ONE_EDIT, PINYIN_FULL, PINYIN_START,
                                          PREFIX, SCATTERED, SUBSTRING, contains_run, fuzzy_in, in_order, marked,
                                          normalise, pinyin_bigrams, pinyin_pattern, pinyin_tier, syllables)
from queue_server.guides.model import Catalogue

NAME_WEIGHT, KEYWORD_WEIGHT, GROUP_WEIGHT = 1.0, 0.9, 0.5
# Queries are NFKC-normalised first (:func:`normalise`), so full-width ，；：（） arrive here as , ; : ( ).
_SPLIT = re.compile(r"[\s,、;。.·/()【】\[\]\-—_:\"'“”]+")


def _fast_pinyin(query: str, f: "_Field") -> int:
    """The pinyin tier by plain string tests for the common shapes (whole pinyin, initials), else 0."""
    if f.flat == query or f.initials == query:
        return PINYIN_FULL
    if f.flat.startswith(query) or f.initials.startswith(query):
        return PINYIN_START
    return 0


@dataclass(frozen=True)
class _Field:
    text: str
    syl: tuple[str, ...]
    flat: str
    initials: str
    marked: str
    weight: float


@dataclass(frozen=True)
class _Term:
    """One query term with what matching it needs: its syllables (Chinese) or its pinyin pattern (letters)."""

    text: str
    syl: tuple[str, ...]
    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, text: str) -> _Term:
        ascii_letters = text.isascii() and text[0].isalpha()
        return cls(text, () if text.isascii() else syllables(text), pinyin_pattern(text) if ascii_letters else None)


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
        self.name_starts: dict[str, set[int]] = {}  # first 1-3 initials of each name
        self._initials_text = ""  # every name's and keyword's initials, one per line, for scattered initials
        self._line_starts: list[int] = []
        self._line_owner: list[tuple[int, float]] = []
        self.sylls: dict[str, set[int]] = {}
        self.trigrams: dict[str, set[int]] = {}
        self.groups: list[tuple[_Field, set[int]]] = []
        self._fields_seen: dict[tuple[str, float], _Field] = {}
        by_department: dict[str, set[int]] = {}
        by_service: dict[str, set[int]] = {}
        for n, guide in enumerate(catalogue.guides.values()):
            self.codes.append(guide.code)
            self.names.append(guide.name)
            fields = [self._field(guide.name, NAME_WEIGHT)]
            for k in range(1, min(3, len(fields[0].initials)) + 1):
                self.name_starts.setdefault(fields[0].initials[:k], set()).add(n)
            fields += [self._field(k, KEYWORD_WEIGHT) for k in guide.keywords]
            self.fields.append(fields)
            for f in fields:
                self._index(n, f)
            by_department.setdefault(guide.department, set()).add(n)
            by_service.setdefault(guide.service, set()).add(n)
        lines: list[str] = []
        offset = 0
        for n, fields in enumerate(self.fields):
            for f in fields:
                self._line_starts.append(offset)
                self._line_owner.append((n, f.weight))
                lines.append(f.initials)
                offset += len(f.initials) + 1
        self._initials_text = "\n".join(lines)
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
        head, grams = pinyin_bigrams(f.syl)
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
        terms = [_Term.of(t) for t in _SPLIT.split(normalise(query)) if t]
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
        for term in sorted(terms, key=lambda t: len(t.text), reverse=True):  # longer: usually more selective
            within = reach if total is None else set(total)
            scores = self._term_scores(term, limit, within, alone=len(terms) == 1)
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

    def _term_scores(self, term: _Term, limit: int, within: set[int] | None = None,
                     alone: bool = False) -> dict[int, float]:
        scores: dict[int, float] = {}
        if alone and term.pattern is not None and len(term.text) <= 3:
            # a short initials query: when enough names start with it, nothing else can reach the top
            starts = self.name_starts.get(term.text, set())
            if within is not None:
                starts = starts & within
            if len(starts) >= limit:
                self._score_fields(term, starts, scores, fuzzy=False)
                return scores
        # departments and services first: few texts, many members each; higher scores overwrite lower
        group_hits = [(self._tier(term, f, fuzzy=True) * f.weight, members) for f, members in self.groups]
        for score, members in sorted((h for h in group_hits if h[0]), key=lambda h: h[0]):
            scores.update(dict.fromkeys(members if within is None else members & within, score))
        exact = self._candidates(term)
        if within is not None:
            exact &= within
        self._score_fields(term, exact, scores, fuzzy=False)
        if term.pattern is not None and len(term.text) >= 4 and term.text.isalpha() \
                and not _at_least(scores, INITIALS_SCATTERED, limit):  # else they could not reach the top
            self._score_scattered_initials(term.text, within, scores)
        if len(term.text) >= 3 and len(scores) < limit:
            fuzzy = self._fuzzy_candidates(term.text) - exact
            self._score_fields(term, fuzzy if within is None else fuzzy & within, scores, fuzzy=True)
        return scores

    def _score_scattered_initials(self, text: str, within: set[int] | None, scores: dict[int, float]) -> None:
        """Initials typed for the first and some later syllables: "bdcdj" for 不动产抵押权首次登记.
        One regex pass over all initials lines (C speed), instead of a loop over guides."""
        pattern = re.compile("^" + "[^\n]*?".join(re.escape(c) for c in text), re.M)
        starts, owners = self._line_starts, self._line_owner
        for m in pattern.finditer(self._initials_text):
            n, weight = owners[bisect_right(starts, m.start()) - 1]
            score = INITIALS_SCATTERED * weight
            if score > scores.get(n, 0.0) and (within is None or n in within):
                scores[n] = score

    def _score_fields(self, term: _Term, candidates: set[int], scores: dict[int, float], fuzzy: bool) -> None:
        # the hot loop of a query: the common tests are inlined rather than calls to _tier
        fields, tier_of = self.fields, self._tier
        text, pattern = term.text, term.pattern
        for n in candidates:
            best = scores.get(n, 0.0)
            for f in fields[n]:
                if f.weight * EXACT <= best:
                    continue  # this field cannot beat what the guide already has
                if fuzzy:
                    tier = ONE_EDIT if _one_edit(text, f) else 0
                elif text in f.text:
                    tier = EXACT if f.text == text else PREFIX if f.text.startswith(text) else SUBSTRING
                elif pattern is not None:
                    if text[0] not in f.initials:
                        continue
                    tier = _fast_pinyin(text, f) or pinyin_tier(pattern, f.marked)
                else:
                    tier = tier_of(term, f, fuzzy=False)
                if tier * f.weight > best:
                    best = tier * f.weight
            if best:
                scores[n] = best

    @staticmethod
    def _tier(term: _Term, f: _Field, fuzzy: bool) -> int:
        text = term.text
        if f.text == text:
            return EXACT
        if f.text.startswith(text):
            return PREFIX
        if text in f.text:
            return SUBSTRING
        tier = 0
        if term.pattern is not None:
            if text[0] in f.initials:
                tier = _fast_pinyin(text, f) or pinyin_tier(term.pattern, f.marked)
        elif term.syl:
            if in_order(text, f.text):
                tier = SCATTERED
            elif contains_run(f.syl, term.syl):
                tier = HOMOPHONE
        if not tier and fuzzy and len(text) >= 3 and _one_edit(text, f):
            tier = ONE_EDIT
        return tier

    def _candidates(self, term: _Term) -> set[int]:
        """Guides whose name or keywords can match `term` exactly (by text, pinyin or homophone)."""
        text = term.text
        found: set[int] = set()
        if term.pattern is not None:
            if len(text) == 1:
                found |= self.initials.get(text, set())
            else:
                head = self.head_bigrams.get(text[:2], set())
                found |= head & _intersect(self.bigrams, [text[k:k + 2] for k in range(1, len(text) - 1)]) \
                    if len(text) > 2 else head
        if len(term.syl) > 1:
            found |= _intersect(self.syll_pairs, [term.syl[k] + "|" + term.syl[k + 1] for k in range(len(term.syl) - 1)])
        elif term.syl:
            found |= _intersect(self.sylls, list(term.syl))
        found |= _intersect(self.chars, list(text))
        return found

    def _reach(self, term: _Term) -> set[int]:
        """Guides `term` matches exactly in a field or through their department or service."""
        found = set(self._candidates(term))
        for f, members in self.groups:
            if self._tier(term, f, fuzzy=False):
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


def _at_least(scores: dict[int, float], floor: float, count: int) -> bool:
    """True when at least `count` scores are ≥ `floor`."""
    for value in scores.values():
        if value >= floor:
            count -= 1
            if count <= 0:
                return True
    return False


def _one_edit(text: str, f: _Field) -> bool:
    """One edit away from a part of the field's text, or (for letters) of its whole pinyin."""
    return fuzzy_in(text, f.text) or (text.isascii() and fuzzy_in(text, f.flat))


def _intersect(index: dict[str, set[int]], keys: list[str]) -> set[int]:
    if not keys:
        return set()
    sets = [index.get(k) for k in set(keys)]
    if any(s is None for s in sets):
        return set()
    sets.sort(key=len)  # type: ignore[arg-type]
    return set.intersection(*sets)  # type: ignore[arg-type]
