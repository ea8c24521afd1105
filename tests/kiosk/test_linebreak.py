"""Line breaking for the kiosk labels (:mod:`kiosk.common.linebreak`): between jieba words, never inside one, and
closing punctuation never at a line's start. Measured with the shipped font through Kivy's text provider (no
window needed)."""
from __future__ import annotations

import os

import pytest

from kiosk.common.headless import without_screen

without_screen(os.environ)  # Kivy's text provider measures; it must not parse pytest's argv or open a window

from kiosk.common.linebreak import break_text, split_words, units  # noqa: E402

SIZE = 52.0


def _lines(text: str, width_in_chars: float, **kwargs) -> list[str]:
    return break_text(text, SIZE, SIZE * width_in_chars, bold=True, **kwargs).split("\n")


@pytest.mark.parametrize(("text", "chars", "expected"), [
    # Kivy breaks these at the character that reaches the edge: 不动产登记中/心, 无差/别窗口, 取号办/理
    ("不动产登记中心", 6.5, ["不动产登记", "中心"]),
    ("综合受理（无差别窗口）", 8.5, ["综合受理（无差别", "窗口）"]),
    ("请选择取号办理", 6.5, ["请选择取号", "办理"]),
])
def test_breaks_fall_between_words(text: str, chars: float, expected: list[str]) -> None:
    """GIVEN hall names Kivy used to cut inside a word WHEN broken at a width a little short of the whole THEN the
    break falls between jieba's words."""
    lines = _lines(text, chars)
    assert lines == expected
    assert split_words(lines) == []


def test_the_three_words_of_the_issue_are_never_cut() -> None:
    """GIVEN 不动产登记中心, 无差别窗口 and 取号办理 WHEN broken at every width from 2 to 8 characters THEN no line
    ends inside one of their words (a word wider than the line is the only exception: there is nowhere else)."""
    for text in ("不动产登记中心", "无差别窗口", "取号办理"):
        longest = max(len(u) for u in units(text))
        for tenths in range(longest * 10 + 5, 85, 5):
            lines = _lines(text, tenths / 10)
            assert "".join(lines) == text
            assert split_words(lines) == [], (text, tenths, lines)


def test_closing_punctuation_never_starts_a_line() -> None:
    """GIVEN a sentence ending in 。 at a width where only the 。 would spill over THEN the last word goes down with
    it, and an opening bracket stays with the word after it."""
    text = "系统连接中断，本机暂时不能取号。"
    lines = _lines(text, len(text) - 0.5)
    assert lines == ["系统连接中断，本机暂时不能", "取号。"]
    lines = _lines("请选【综合受理】", 3.5)
    assert all(not line.endswith("【") for line in lines) and not any(line.startswith("】") for line in lines)


def test_units_glue_punctuation_to_words() -> None:
    assert units("请选【综合受理（无差别窗口）】") == ["请选", "【综合", "受理", "（无差别", "窗口）】"]
    assert units("中断，本机") == ["中断，", "本", "机"]


def test_markup_sizes_are_measured_and_kept() -> None:
    """GIVEN a tile's name and a smaller waiting line in [size] markup THEN each line breaks at its own size and
    the tags survive."""
    text = "不动产登记中心\n[size=30]共 12 人等候 · 约 35 分钟[/size]"
    out = break_text(text, SIZE, SIZE * 5.2, bold=True, markup=True).split("\n")
    assert out[:2] == ["不动产登记", "中心"]
    assert out[2].startswith("[size=30]共 12 人等候") and out[-1].endswith("[/size]")


def test_split_words_finds_the_bad_breaks_of_the_issue() -> None:
    """The checker used by the screenshot tests flags exactly the breaks the issue reported."""
    assert split_words(["不动产登记中", "心"]) == ["“中心” split at a line end"]
    assert split_words(["无差", "别窗口"]) == ["“无差别” split at a line end"]
    assert split_words(["取号办", "理"]) == ["“办理” split at a line end"]
    assert split_words(["请取走号票", "。"]) == ["'。' starts with closing punctuation"]
    assert split_words(["不动产登记", "中心"]) == []


def test_no_width_or_no_text_changes_nothing() -> None:
    assert break_text("", SIZE, 100) == "" and break_text("取号", SIZE, 0) == "取号"


def test_a_width_narrower_than_a_character_still_ends() -> None:
    """GIVEN a label still being laid out (a few pixels wide) THEN breaking ends, one piece a line, punctuation kept
    with its character."""
    assert break_text("中，国。", SIZE, 10) == "中，\n国。"
    assert break_text("取号", SIZE, 1) == "取\n号"


def test_a_number_stays_with_its_unit() -> None:
    """65周岁, 6位: the number and what it counts are one piece (jieba cuts them apart)."""
    assert units("老年人（65周岁以上）") == ["老年人", "（65周岁", "以上）"]
    assert units("预约号是6位数字") == ["预约号", "是", "6位", "数字"]


def test_hall_words_are_whole() -> None:
    """叫号 and 号票, which jieba's general dictionary cuts in two, are words here."""
    assert units("留意大厅屏幕和语音叫号")[-1] == "叫号" and "号票" in units("请取走号票")
