"""Chinese line breaking for the kiosk labels: break between words, never inside one, and never start a line with
closing punctuation (避头标点).

Kivy wraps text only at spaces; Chinese has none, so a Kivy label breaks it at whatever character reaches the
edge ("不动产登记中/心", "取号办/理", a lone "。" on the last line). :func:`break_text` chooses the breaks instead:
it segments each line with jieba (the field's standard segmenter), glues closing punctuation to the word before it
and opening punctuation to the word after it, and fills lines greedily, measuring with the font the label uses. It
returns the text with explicit line breaks, which Kivy then keeps as they are. While a kiosk app loads jieba's
dictionary at start, a simple rule stands in and the labels drawn meanwhile are broken again once it is in
(:mod:`~kiosk.common.segmenter`).

:class:`WordWrap` does this for a Kivy label or button: mix it in before ``Label``/``Button`` and the label's
``text`` stays what the code set (tests and code compare it), while what is drawn is the word-broken text.
:func:`split_words` checks drawn lines against the segmenter, for tests of any screen.
"""
from __future__ import annotations

import re
import weakref
from functools import lru_cache
from typing import Any, Callable, Iterable

from kiosk.common import segmenter
from kiosk.common.segmenter import words

#: may not start a line (GB/T 15834 and the usual 避头 set): closing brackets, quotes and sentence punctuation
CLOSING = frozenset("。，、；：！？）》」』】〕〉”’…·%％～") | frozenset(",.;:!?)]}")
#: may not end a line: opening brackets and quotes
OPENING = frozenset("（《「『【〔〈“‘") | frozenset("([{")
#: Kivy markup tags ([size=30], [/size], [b]…), which take no room on the line
_TAG = re.compile(r"\[/?[a-z_]+(?:=[^\]]*)?\]")
_SIZE = re.compile(r"\[size=(\d+(?:\.\d+)?)(?:sp|dp|px)?\]")

Measure = Callable[[str, float], float]


def _core_measure(font_name: str, bold: bool) -> Measure:
    """Text width in pixels as Kivy's own text provider draws it (the widths the label will have)."""
    from kiosk.common.fonts import register_fonts

    register_fonts()
    return lambda text, size: _extent(text, float(size), font_name, bold)


@lru_cache(maxsize=8192)
def _extent(text: str, size: float, font_name: str, bold: bool) -> float:
    return float(_core_label(size, font_name, bold).get_extents(text)[0])


@lru_cache(maxsize=64)
def _core_label(size: float, font_name: str, bold: bool) -> Any:
    from kivy.core.text import Label as CoreLabel

    return CoreLabel(font_size=size, font_name=font_name, bold=bold)


def units(text: str) -> list[str]:
    """The unbreakable pieces of one line: jieba's words, with closing punctuation glued to the word before and
    opening punctuation to the word after; a run of spaces is a piece of its own (a break opportunity)."""
    pieces: list[str] = []
    opening = ""
    for word in words(text):
        if word.isspace():
            if opening:
                pieces.append(opening)
                opening = ""
            pieces.append(word)
        elif all(c in OPENING for c in word):
            opening += word
        elif all(c in CLOSING for c in word) and pieces and not pieces[-1].isspace() and not opening:
            pieces[-1] += word
        elif pieces and pieces[-1][-1:].isdigit() and not opening and not word[:1].isascii():
            pieces[-1] += word  # a number stays with the word it counts: 65周岁, 6位, 3号
        else:
            pieces.append(opening + word)
            opening = ""
    if opening:
        pieces.append(opening)
    return pieces


def _chars(unit: str) -> list[str]:
    """A unit too wide for any line, cut into characters, still keeping punctuation off the wrong line ends."""
    out: list[str] = []
    for ch in unit:
        if out and (ch in CLOSING or out[-1][-1] in OPENING):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _plain_segments(line: str, size: float) -> list[tuple[str, float, bool]]:
    """A markup line as (text, type size, is a tag) pieces, following nested [size=…] tags."""
    sizes = [size]
    out: list[tuple[str, float, bool]] = []
    pos = 0
    for match in _TAG.finditer(line):
        if match.start() > pos:
            out.append((line[pos:match.start()], sizes[-1], False))
        tag = match.group(0)
        out.append((tag, sizes[-1], True))
        sized = _SIZE.fullmatch(tag)
        if sized:
            sizes.append(float(sized.group(1)))
        elif tag == "[/size]" and len(sizes) > 1:
            sizes.pop()
        pos = match.end()
    if pos < len(line):
        out.append((line[pos:], sizes[-1], False))
    return out


def _measured_units(line: str, size: float, markup: bool, measure: Measure) -> list[tuple[str, float]]:
    """(unit text as written, width) for one line; tags ride along with the unit next to them at no width."""
    if not markup:
        return [(u, measure(u, size)) for u in units(line)]
    result: list[tuple[str, float]] = []
    pending_tags = ""
    for text, seg_size, is_tag in _plain_segments(line, size):
        if is_tag:
            if text.startswith("[/") and result:
                result[-1] = (result[-1][0] + text, result[-1][1])
            else:
                pending_tags += text
            continue
        for unit in units(text):
            result.append((pending_tags + unit, measure(unit, seg_size)))
            pending_tags = ""
    if pending_tags:
        result.append((pending_tags, 0.0))
    return result


def break_line(line: str, font_size: float, width: float, *, measure: Measure, markup: bool = False) -> list[str]:
    """One line (no ``\\n``) broken into lines no wider than ``width``, between units only (see :func:`units`)."""
    lines: list[str] = []
    current: list[tuple[str, float]] = []
    used = 0.0
    # (text, width, may be cut into characters): a piece already cut is never cut again
    queue = [(t, w, True) for t, w in _measured_units(line, font_size, markup, measure)]
    while queue:
        text, w, cuttable = queue.pop(0)
        if text.isspace() and not current:
            continue  # no spaces at a line's start
        if used + w <= width or not current:
            if w > width and not current and cuttable and len(_TAG.sub("", text)) > 1:
                # wider than a whole line (a very long word): the only case that breaks inside a word
                queue[:0] = [(p, measure(_TAG.sub("", p), font_size), False) for p in _chars(text)]
                continue
            current.append((text, w))
            used += w
            continue
        lines.append("".join(t for t, _ in current).rstrip(" "))
        current, used = [], 0.0
        queue.insert(0, (text, w, cuttable))
    if current or not lines:
        lines.append("".join(t for t, _ in current).rstrip(" "))
    return lines


def break_text(text: str, font_size: float, width: float, *, font_name: str = "NotoSansSC", bold: bool = False,
               markup: bool = False, measure: Measure | None = None) -> str:
    """``text`` with line breaks where a label ``width`` pixels wide should break it, in the given font.

    Existing ``\\n`` stay. A small allowance is kept at the right edge, so Kivy, measuring a whole line at once
    (with kerning), never finds a chosen line too wide and breaks it again by itself.

    :param font_size: type size in pixels (a ``[size=N]`` markup tag sets another size for its span)
    :param width: the label's wrapping width (its ``text_size[0]``)
    :param measure: ``measure(text, size) -> width``; default: Kivy's text provider with ``font_name``/``bold``
    """
    if not text or width <= 0:
        return text
    measure = measure or _core_measure(font_name, bold)
    usable = max(1.0, width - font_size * 0.15)
    return "\n".join(out for line in text.split("\n")
                     for out in break_line(line, font_size, usable, measure=measure, markup=markup))


def text_height(text: str, font_size: float, width: float, *, font_name: str = "NotoSansSC", bold: bool = False,
                markup: bool = False) -> float:
    """The height of ``text`` broken by :func:`break_text` at ``width`` and drawn by Kivy (layouts that must give
    a label room for all its lines)."""
    from kivy.core.text import Label as CoreLabel
    from kivy.core.text.markup import MarkupLabel

    broken = break_text(text, font_size, width, font_name=font_name, bold=bold, markup=markup)
    label = (MarkupLabel if markup else CoreLabel)(text=broken, font_size=font_size, font_name=font_name, bold=bold,
                                                    text_size=(max(width, 1), None))
    label.refresh()
    return float(label.texture.size[1]) if label.texture is not None else 0.0


def split_words(lines: Iterable[str]) -> list[str]:
    """Problems in consecutive drawn ``lines`` of one paragraph: a jieba word cut in two ("登记中/心"), or a line
    starting with closing punctuation. Empty when the breaks are all good."""
    segmenter.wait_ready()  # the check is always against jieba, whatever the labels were drawn with
    lines = [line for line in lines]
    problems = []
    text = "".join(lines)
    ends, pos = set(), 0
    for line in lines[:-1]:
        pos += len(line)
        ends.add(pos)
    start = 0
    for word in words(text):
        inside = [e for e in ends if start < e < start + len(word)]
        if inside and not word.isspace() and not word.isascii():
            problems.append(f"“{word}” split at a line end")
        start += len(word)
    for line in lines[1:]:
        if line[:1] in CLOSING:
            problems.append(f"{line!r} starts with closing punctuation")
    return problems


#: labels drawn while jieba's dictionary was loading (see :mod:`kiosk.common.segmenter`)
_unsegmented: weakref.WeakSet = weakref.WeakSet()


def _rewrap_unsegmented() -> None:
    """jieba is ready: break the labels drawn meanwhile again, by word."""
    for label in list(_unsegmented):
        label._trigger_texture_update("text")
    _unsegmented.clear()


class WordWrap:
    """Mix in before a Kivy ``Label`` (or ``Button``): the drawn text is broken between words by
    :func:`break_text` whenever the text, the wrapping width, the type size or the font changes; ``text`` itself
    keeps the value the code gave it.

    Kivy's ``Label`` hands each changed property to its core label in ``_trigger_texture_update``, and a markup
    label's text again in ``texture_update``; both hooks put the broken text there instead of the raw one (Kivy
    2.3, pinned in pyproject).
    """

    _REWRAP = ("text", "text_size", "font_size", "font_name", "bold", "markup")

    def _trigger_texture_update(self, name: str | None = None, source: Any = None, value: Any = None) -> None:
        super()._trigger_texture_update(name, source, value)  # type: ignore[misc]
        if name in self._REWRAP and getattr(self, "_label", None) is not None:
            self._label.text = self.broken_text()

    def texture_update(self, *largs: Any) -> None:
        """Kivy's ``Label.texture_update`` reads ``text`` again for a markup label (to wrap it in its colour); the
        same steps here with the broken text."""
        if not self.markup or not self.text or (self.strip and not self.text.strip()):  # type: ignore[attr-defined]
            super().texture_update(*largs)  # type: ignore[misc]
            return
        from kivy.utils import get_hex_from_color

        self.texture = None  # type: ignore[attr-defined]
        colour = self.disabled_color if self.disabled else self.color  # type: ignore[attr-defined]
        text = self.broken_text().strip() if self.strip else self.broken_text()  # type: ignore[attr-defined]
        label = self._label  # type: ignore[attr-defined]
        label.text = f"[color={get_hex_from_color(colour)}]{text}[/color]"
        label.refresh()
        if label.texture:
            label.texture.bind()
        self.refs, self.anchors = label.refs, label.anchors  # type: ignore[attr-defined]
        if label.texture is not None:
            self.texture = label.texture  # type: ignore[attr-defined]
            self.texture_size = list(label.texture.size)  # type: ignore[attr-defined]
        self.is_shortened = label.is_shortened  # type: ignore[attr-defined]

    def broken_text(self) -> str:
        """The text as drawn: ``text`` with line breaks between words at the current width."""
        width = self.text_size[0] if self.text_size else None  # type: ignore[attr-defined]
        if not width or not self.text:  # type: ignore[attr-defined]
            return self.text  # type: ignore[attr-defined]
        if not segmenter.ready():  # broken by the simple rule for now: again by word once jieba is in
            if not _unsegmented:
                segmenter.when_ready(_rewrap_unsegmented)
            _unsegmented.add(self)
        return break_text(self.text, self.font_size, width, font_name=self.font_name,  # type: ignore[attr-defined]
                          bold=self.bold, markup=self.markup)  # type: ignore[attr-defined]

    def drawn_lines(self) -> list[list[str]]:
        """The lines Kivy actually laid out, grouped into paragraphs (a paragraph ends at a ``\\n`` of ``text``):
        what :func:`split_words` checks."""
        label = self._label  # type: ignore[attr-defined]
        label.refresh()
        drawn = ["".join(word.text for word in line.words) for line in getattr(label, "_cached_lines", [])]
        paragraphs, current = [], []
        source = [_TAG.sub("", p) for p in self.text.split("\n")] if self.markup else self.text.split("\n")  # type: ignore[attr-defined]
        for line in drawn:
            current.append(line)
            if source and "".join(current).replace(" ", "") == source[0].replace(" ", ""):
                paragraphs.append(current)
                current = []
                source.pop(0)
        if current:
            paragraphs.append(current)
        return paragraphs
