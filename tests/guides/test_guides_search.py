"""Guide search: names, keywords, full pinyin, initials, mixes, one wrong or homophone character, ranking."""
from __future__ import annotations

import pytest

from queue_server.guides.matching import fuzzy_in, pinyin_match, syllables, within_one_edit
from queue_server.guides.search import GuideIndex


@pytest.fixture
def index(demo_catalogue, hall_config) -> GuideIndex:
    return GuideIndex(demo_catalogue, {c: s.name for c, s in hall_config.services.items()})


def names(index: GuideIndex, demo_catalogue, query: str, limit: int = 20) -> list[str]:
    return [demo_catalogue.guides[h.code].name for h in index.search(query, limit=limit)]


def test_initials_bdcdj_rank_the_registration_item_first(index, demo_catalogue):
    found = names(index, demo_catalogue, "bdcdj")
    assert found[0] == "不动产登记资料查询"
    # then the names whose initials hold b-d-c-d-j in order, from the first syllable (不动产…登记)
    scattered = {"不动产更正登记", "不动产继承转移登记", "不动产抵押权首次登记", "不动产抵押权注销登记"}
    assert set(found[1:5]) == scattered
    # every other 不动产 item is still found, through its department 不动产登记中心
    assert {g.name for g in demo_catalogue.guides.values() if g.department == "bdc"} <= set(found)


def test_bdc_finds_every_real_estate_item_names_first(index, demo_catalogue):
    found = names(index, demo_catalogue, "bdc", limit=50)
    starting = [n for n in found if n.startswith("不动产")]
    assert found[:len(starting)] == starting and len(starting) >= 6
    assert {g.name for g in demo_catalogue.guides.values() if g.department == "bdc"} <= set(found)
    # the tax items are found too, through their hall service 不动产交易缴税
    assert "存量房交易契税申报" in found


@pytest.mark.parametrize("query, expected", [
    ("budongchan", "不动产"),
    ("budongchandengji", "不动产登记资料查询"),
    ("bdcdengji", "不动产登记资料查询"),
    ("shebaoka", "社会保障卡申领"),
    ("sbk", "社会保障卡申领"),
    ("huzhao", "普通护照签发"),
    ("jiehun", "内地居民结婚登记"),
    ("JIEHUN", "内地居民结婚登记"),
    ("ｊｉｅｈｕｎ", "内地居民结婚登记"),  # full-width letters from some IMEs
    ("gongjijin tiqu", "购房提取住房公积金"),
    ("二手房", "存量房转移登记(二手房过户)"),
    ("护照", "普通护照签发"),
    ("户口 迁出", "户口迁出(跨省一站式迁移)"),
])
def test_names_keywords_and_pinyin(index, demo_catalogue, query, expected):
    assert names(index, demo_catalogue, query)[0].startswith(expected)


@pytest.mark.parametrize("query, expected", [
    ("不动产登计", "不动产登记资料查询"),   # homophone 计/记
    ("结昏登记", "内地居民结婚登记"),      # homophone 昏/婚
    ("营业执造", "营业执照补领、换发"),     # wrong character
    ("身份鉴", "居民身份证"),               # wrong last character
    ("公积金提起", "购房提取住房公积金"),
    ("budongchandenji", "不动产登记资料查询"),  # dropped letter
    ("shehuibaozhangak", "社会保障卡申领"),     # extra letter
])
def test_one_wrong_character_is_tolerated(index, demo_catalogue, query, expected):
    found = names(index, demo_catalogue, query)
    assert found and expected in found[0]


def test_ranking_prefers_name_over_department(index, demo_catalogue):
    hits = index.search("不动产登记")
    assert demo_catalogue.guides[hits[0].code].name == "不动产登记资料查询"
    # names holding every character in order beat items found only through their department
    second = demo_catalogue.guides[hits[1].code]
    assert second.department == "bdc" and hits[1].score > hits[-1].score


def test_hall_service_names_are_searchable(index, demo_catalogue):
    # 机动车登记 is the hall service of every vehicle item
    found = {demo_catalogue.guides[h.code].service for h in index.search("机动车登记")}
    assert found == {"vehicle_register"}


def test_no_match_and_restrict(index, demo_catalogue):
    assert index.search("xyzxyz") == []
    assert index.search("   ") == []
    assert index.search("qq") == []
    only = [h.code for h in index.search("dengji", restrict=["mzj-001", "bdc-002"])]
    assert set(only) <= {"mzj-001", "bdc-002"} and only


def test_building_blocks():
    assert syllables("社保卡 UKey-80岁") == ("she", "bao", "ka", "ukey", "80", "sui")
    assert pinyin_match("bdc", ("bu", "dong", "chan", "deng", "ji")) == 85
    assert pinyin_match("budongchandengji", ("bu", "dong", "chan", "deng", "ji")) == 95
    assert pinyin_match("dengji", ("bu", "dong", "chan", "deng", "ji")) == 70
    assert pinyin_match("bdx", ("bu", "dong", "chan")) == 0
    assert within_one_edit("abc", "abd") and within_one_edit("abc", "ac") and within_one_edit("ab", "abc")
    assert not within_one_edit("abc", "bca")
    assert fuzzy_in("不动产登计", "不动产登记资料查询") and not fuzzy_in("不动产登计", "结婚登记")
