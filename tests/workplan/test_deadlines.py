"""Explicit deadlines in plan sentences, every form the genre uses, written for the tests."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duban.workplan.deadlines import Deadline, find_deadlines
from duban.workplan.normalize import normalize


def deadlines(sentence: str, plan_year: int = 2026, previous: Deadline | None = None) -> list[Deadline]:
    norm = normalize(sentence)
    return find_deadlines(norm, 0, len(norm), plan_year=plan_year, previous=previous)


def dates(sentence: str, plan_year: int = 2026) -> list[tuple[str, str, str]]:
    return [(d.text, d.date.isoformat(), d.kind) for d in deadlines(sentence, plan_year)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # X月底前 → the last day of month X of the plan year
        ("9月底前全面完成清理。", ("9月底前", "2026-09-30", "by")),
        ("２月底前印发方案。", ("2月底前", "2026-02-28", "by")),
        ("十一月底前完成验收。", ("十一月底前", "2026-11-30", "by")),
        ("6月末建成投用。", ("6月末", "2026-06-30", "by")),
        # X月Y日前 / 起
        ("6月30日前完成登记。", ("6月30日前", "2026-06-30", "by")),
        ("自10月1日起施行新标准。", ("10月1日起", "2026-10-01", "from")),
        ("3月15日开始集中整治。", ("3月15日开始", "2026-03-15", "from")),
        ("7月起全面推行。", ("7月起", "2026-07-01", "from")),
        # a third of a month
        ("4月中旬前完成摸底。", ("4月中旬前", "2026-04-20", "by")),
        ("5月下旬完成招标。", ("5月下旬", "2026-05-31", "by")),
        # the year
        ("年内开工建设。", ("年内", "2026-12-31", "by")),
        ("年底前全部完成。", ("年底前", "2026-12-31", "by")),
        ("今年底基本建成。", ("今年底", "2026-12-31", "by")),
        ("今年年底前实现全覆盖。", ("今年年底前", "2026-12-31", "by")),
        # halves and quarters
        ("上半年完成试点。", ("上半年", "2026-06-30", "by")),
        ("下半年全面推开。", ("下半年", "2026-12-31", "by")),
        ("一季度末前出台细则。", ("一季度末前", "2026-03-31", "by")),
        ("第一季度完成部署。", ("第一季度", "2026-03-31", "by")),
        ("三季度末建成。", ("三季度末", "2026-09-30", "by")),
        ("第四季度完成评估。", ("第四季度", "2026-12-31", "by")),
        # five-year plans and explicit years
        ("到“十四五”末基本建成。", ("到“十四五”末", "2025-12-31", "by")),
        ("“十五五”期末达到全国平均水平。", ("“十五五”期末", "2030-12-31", "by")),
        ("到2035年基本实现现代化。", ("到2035年", "2035-12-31", "by")),
        ("2027年底前完成改造。", ("2027年底前", "2027-12-31", "by")),
        ("2028年前建成投运。", ("2028年前", "2028-12-31", "by")),
        # an explicit year on a month
        ("2027年3月底前完成。", ("2027年3月底前", "2027-03-31", "by")),
    ],
)
def test_every_form(sentence, expected):
    assert dates(sentence) == [expected]


def test_a_year_right_before_a_completion_verb():
    assert dates("力争2028年建成投运。") == [("2028年", "2028-12-31", "by")]
    assert dates("2030年基本实现现代化。") == [("2030年", "2030-12-31", "by")]
    assert dates("2020年实现全面小康。") == []  # before the plan year: a fact
    assert dates("2026年是开局之年。") == []


def test_an_explicit_year_on_a_half_or_quarter():
    assert dates("2027年上半年建成。") == [("2027年上半年", "2027-06-30", "by")]
    assert dates("明年一季度完成。") == [("明年一季度", "2027-03-31", "by")]


def test_baselines_are_not_deadlines():
    assert dates("比2025年底增长10%，较上半年提高。") == []
    assert dates("人均收入提高到2025年的8万元。") == []


def test_from_a_year():
    assert dates("从2027年起全面实施。") == [("从2027年起", "2027-01-01", "from")]
    assert dates("明年开始施行。") == [("明年开始", "2027-01-01", "from")]
    assert dates("从今年起推行。") == []  # 今年 is the plan period, not a date


def test_plan_year_sets_the_year():
    assert dates("8月底前完成。", plan_year=2021) == [("8月底前", "2021-08-31", "by")]
    assert dates("2月底前完成。", plan_year=2028) == [("2月底前", "2028-02-29", "by")]  # leap year


def test_year_rollover():
    assert dates("12月底前完成。") == [("12月底前", "2026-12-31", "by")]
    assert dates("明年3月底前完成。") == [("明年3月底前", "2027-03-31", "by")]
    assert dates("明年1月1日起实施。") == [("明年1月1日起", "2027-01-01", "from")]
    # 1月前 is "before January starts": the end of the previous year.
    assert dates("1月前完成。") == [("1月前", "2025-12-31", "by")]


def test_then_refers_to_the_previous_deadline():
    first = deadlines("7月底前开通运营。")[0]
    (then,) = deadlines("届时全市实现通达。", previous=first)
    assert (then.text, then.date, then.kind) == ("届时", datetime.date(2026, 7, 31), "by")


def test_then_chains_inside_one_range():
    found = dates("5月1日起试行，届时同步公布。")
    assert found == [("5月1日起", "2026-05-01", "from"), ("届时", "2026-05-01", "from")]


def test_then_without_a_previous_deadline_is_nothing():
    assert deadlines("届时全面建成。") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "尽快建成投用，早日实现目标。",
        "适时推出新政策，按期完成任务。",
        "今年要抓好以下工作，全年开行班列3000列。",
        "到期后再延长30年。",
        "今后五年内基本建成，力争3年内完成。",
        "一年内办结。",
        "连续12个季度保持增长。",
        "每月底报送进度。",
        "2月30日前完成。",  # not a date
        "13月底前完成。",
        "2028年前后建成。",  # "around", not "by"
    ],
)
def test_not_deadlines(sentence):
    assert deadlines(sentence) == []


def test_spans_are_absolute():
    norm = normalize("前一句。8月底前完成，年内建成。")
    lo = norm.index("8")
    found = find_deadlines(norm, lo, len(norm), plan_year=2026)
    assert [d.text for d in found] == ["8月底前", "年内"]
    for d in found:
        assert norm[d.start : d.end] == d.text
        assert lo <= d.start < d.end <= len(norm)


_ALPHABET = st.sampled_from(
    list("0123456789一二三四五六七八九十两年月日底末前起内上下半季度第到至明今届时“”十四五期旬中份自，。")
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_ALPHABET, max_size=80).map("".join),
    st.integers(0, 90),
    st.integers(0, 90),
    st.integers(1990, 2090),
)
def test_random_text_never_raises_and_spans_hold(text, a, b, year):
    norm = normalize(text)
    lo, hi = min(a, b), max(a, b)
    for d in find_deadlines(norm, lo, hi, plan_year=year):
        assert norm[d.start : d.end] == d.text
        assert lo <= d.start < d.end <= min(hi, len(norm))
        assert d.kind in ("by", "from")


@pytest.mark.parametrize(
    "hostile", ["1" * 100_000, "年" * 100_000, "月底前" * 30_000, "十" * 100_000 + "五末"]
)
def test_hostile_input_is_handled(hostile):
    norm = normalize(hostile)
    for d in find_deadlines(norm, 0, len(norm), plan_year=2026):
        assert norm[d.start : d.end] == d.text
