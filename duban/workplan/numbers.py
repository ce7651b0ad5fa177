"""Numerals as government work reports write them.

Arabic numbers (with thousands commas and decimals), Chinese numerals (十六, 两, 一千, 三百五十),
the 万/亿 multipliers that follow either, and the five-year-plan names (“十四五”).  Everything here
is pure and bounded: callers pass short tokens found by a regex, and over-long tokens are refused
rather than converted, so hostile input cannot make a conversion slow.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

# Longer tokens than this are not quantities a report commits to (and float/int conversion of
# very long digit strings is slow or, for int, refused by the interpreter).
MAX_DIGITS = 15
MAX_CHINESE_NUMERAL = 24

CHINESE_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS: dict[str, int] = {"万": 10_000, "亿": 100_000_000}

MULTIPLIERS: dict[str, int] = {"万": 10_000, "亿": 100_000_000, "万亿": 1_000_000_000_000}

_FYP = re.compile(r"^[“\"‘']?([一二三四五六七八九十]{1,3})五[”\"’']?")


def chinese_to_int(s: str) -> int | None:
    """Value of a Chinese numeral, or None when ``s`` is not one.

    Handles the positional form (三百五十, 一千零五, 十六, 两万) and the digit-by-digit form
    (二〇二五).  ``两`` counts as 2.
    """
    if not s or len(s) > MAX_CHINESE_NUMERAL:
        return None
    if len(s) == 1:
        # One digit, the most common numeral (三、, （二）, 两个): no scan of its characters.
        one = CHINESE_DIGITS.get(s)
        if one is not None:
            return one
    elif all(ch in CHINESE_DIGITS for ch in s):
        # Digit-by-digit (二〇二五); 两 is never used that way.
        if "两" in s:
            return None
        return int("".join(str(CHINESE_DIGITS[ch]) for ch in s))
    total = 0  # completed 万/亿 groups
    section = 0  # current group below 万
    digit: int | None = None
    last_small = 10_000  # units must descend inside a group (千 > 百 > 十)
    wan_used = False  # 万 at most once per 亿 group
    for ch in s:
        if ch in "零〇":
            # A gap marker (一千零五); a digit must follow, not another 零.
            if digit is not None:
                return None
            continue
        if ch in CHINESE_DIGITS:
            if digit is not None:
                return None  # two digits in a row (三五) is not positional
            digit = CHINESE_DIGITS[ch]
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_small:
                return None
            if digit is None:
                # 十六 = 16; 百/千 without a digit is not a number on its own here.
                if unit != 10:
                    return None
                digit = 1
            section += digit * unit
            digit = None
            last_small = unit
        elif ch in _BIG_UNITS:
            big = _BIG_UNITS[ch]
            if digit is not None:
                section += digit
                digit = None
            if section == 0 and total == 0:
                return None
            if big == 100_000_000:
                total = (total + section) * big
                wan_used = False
            else:
                if wan_used:
                    return None
                total += section * big
                wan_used = True
            section = 0
            last_small = 10_000
        else:
            return None
    if digit is not None:
        section += digit
    return total + section


def parse_arabic(s: str) -> int | float | None:
    """``"1,000"`` → 1000, ``"8.5"`` → 8.5; None when it is not a plain decimal number."""
    t = s.replace(",", "")
    if not t or len(t) > MAX_DIGITS + 1:
        return None
    if "." in t:
        whole, _, frac = t.partition(".")
        if not whole.isdigit() or not frac.isdigit():
            return None
        return float(t)
    if not t.isdigit():
        return None
    return int(t)


def apply_multiplier(value: int | float, multiplier: str) -> int | float:
    """Fold 万/亿/万亿 into ``value``; keeps ints exact and makes integral floats ints."""
    factor = MULTIPLIERS.get(multiplier, 1)
    if isinstance(value, int):
        return value * factor
    if factor == 1 or not math.isfinite(value):
        return value
    # Decimal arithmetic on the written digits: 69.1亿 → 6910000000 exactly, not 6909999999.999999.
    scaled = Decimal(repr(value)) * factor
    if scaled == scaled.to_integral_value():
        return int(scaled)
    return float(scaled)


def five_year_plan_end(name: str) -> int | None:
    """Last year of a five-year plan named like “十四五”: 十四五 → 2025, 十五五 → 2030.

    From the 4th plan (1971–1975) on, the nth plan ends in 1955 + 5n; the first three were
    irregular, so they get None rather than a wrong year.
    """
    m = _FYP.match(name.strip())
    if not m:
        return None
    n = chinese_to_int(m.group(1))
    if n is None or n < 4:
        return None
    return 1955 + 5 * n
