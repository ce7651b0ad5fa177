import pytest

from duban.workplan.numbers import apply_multiplier, chinese_to_int, five_year_plan_end, parse_arabic


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十六", 16),
        ("两", 2),
        ("一千", 1000),
        ("三百五十", 350),
        ("十", 10),
        ("二十", 20),
        ("一千零五", 1005),
        ("两万", 20000),
        ("一万二千", 12000),
        ("三亿五千万", 350_000_000),
        ("二〇二五", 2025),
    ],
)
def test_chinese_to_int(text, value):
    assert chinese_to_int(text) == value


@pytest.mark.parametrize("text", ["", "百", "万", "十十", "千百", "两〇", "abc", "一" * 40, "一万两万"])
def test_chinese_to_int_refuses_non_numerals(text):
    assert chinese_to_int(text) is None


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("十四五", 2025),
        ("十五五", 2030),
        ("十三五", 2020),
        ("“十四五”", 2025),
        ("十一五", 2010),
        ("九五", 2000),
    ],
)
def test_five_year_plan_end(name, year):
    assert five_year_plan_end(name) == year


@pytest.mark.parametrize("name", ["", "十四", "三五", "规划"])
def test_five_year_plan_end_refuses(name):
    assert five_year_plan_end(name) is None


def test_parse_arabic_and_multipliers():
    assert parse_arabic("1,000") == 1000
    assert parse_arabic("8.5") == 8.5
    assert parse_arabic("1.") is None
    assert parse_arabic("9" * 40) is None
    assert apply_multiplier(1.5, "万") == 15000
    assert isinstance(apply_multiplier(1.5, "万"), int)
    assert apply_multiplier(1.24, "万亿") == 1_240_000_000_000
    assert apply_multiplier(120, "亿") == 12_000_000_000
    assert apply_multiplier(0.35, "") == 0.35
