import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


_DIGITS = "零一二三四五六七八九"


def _render_below_10000(n: int) -> str:
    """Standard positional Chinese for 1 ≤ n < 10000 (零 marks an inner gap)."""
    out = ""
    gap = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            gap = bool(out)
            continue
        if gap:
            out += "零"
            gap = False
        out += _DIGITS[d] + name
    return out


def _render(n: int) -> str:
    high, low = divmod(n, 10_000)
    if not high:
        text = _render_below_10000(low)
        return text[1:] if text.startswith("一十") else text  # 十六, not 一十六
    text = _render_below_10000(high) + "万"
    if low:
        text += ("零" if low < 1000 else "") + _render_below_10000(low)
    return text


@settings(max_examples=500, deadline=None)
@given(st.integers(1, 99_999_999))
def test_chinese_round_trip(n):
    assert chinese_to_int(_render(n)) == n


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="零〇一二两三四五六七八九十百千万亿", max_size=14))
def test_chinese_to_int_never_raises(text):
    value = chinese_to_int(text)
    assert value is None or value >= 0


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False),
    st.sampled_from(["", "万", "亿", "万亿"]),
)
def test_multiplier_folding_matches_decimal_arithmetic(d, mult):
    from decimal import Decimal

    written = format(d, "f")
    value = parse_arabic(written)
    assert value is not None
    folded = apply_multiplier(value, mult)
    exact = Decimal(repr(value)) * {"": 1, "万": 10**4, "亿": 10**8, "万亿": 10**12}[mult]
    assert Decimal(repr(folded)) == exact or float(exact) == folded
