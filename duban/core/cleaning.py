"""What text, numbers and dates may reach the database: the bounds checked at the edge.

PostgreSQL refuses a NUL byte in any text value (a query with one fails as a server error), and
no person types the other C0 control characters: they arrive from scripts, fuzzers or text pasted
out of word processors (vertical tab, form feed). Tab, newline and carriage return stay allowed —
multi-line fields need them and a query keeps them harmless. A lone surrogate (possible through
JSON's ``\\ud800``) cannot be encoded for either database.

Integers beyond a signed 64-bit value overflow the database's bigint, and a date near year 9999
overflows the first deadline computed from it; both are refused before any query or arithmetic.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import InvalidInput

# C0 controls except \t \n \r, DEL, and the UTF-16 surrogate range (only lone ones survive decoding).
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

MAX_ID = 2**63 - 1  # the largest bigint: every id column
YEAR_MIN, YEAR_MAX = 1900, 2100
CODE = "control_characters"


def bad_character(value: str) -> str | None:
    """The first character ``value`` may not contain, or None."""
    m = _BAD.search(value)
    return m.group() if m else None


def describe(char: str) -> str:
    return "NUL" if char == "\x00" else f"U+{ord(char):04X}"


# How the pages' form fields and filters are labelled, for a refusal a person reads.
LABELS = {
    "title": "标题",
    "body": "内容",
    "done": "已完成工作",
    "next_steps": "下一步计划",
    "problems": "存在问题",
    "support_needed": "需协调解决的事项",
    "reason": "理由",
    "comment": "评价意见",
    "message": "催办内容",
    "note": "备注",
    "text": "内容",
    "q": "搜索词",
    "files": "附件",
    "report": "工作报告文件",
    "keywords": "关键词",
    "name": "名称",
    "display_name": "姓名",
    "username": "用户名",
    "unit": "单位",
    "path": "网址",
}


def refusal(field: str, char: str, *, where: str = "body", label: str | None = None) -> InvalidInput:
    return InvalidInput(
        f"“{label or field}”含有不允许的控制字符（{describe(char)}），请删除后重新提交",
        code=CODE,
        field=field,
        char=describe(char),
        location=where,
    )


def find_in(data: Any, path: str = "") -> tuple[str, str] | None:
    """The first (field path, character) of a decoded JSON value or form mapping that holds a
    forbidden character, keys included; nested fields are named ``a.b`` and ``a.0``."""
    if isinstance(data, str):
        char = bad_character(data)
        return (path or "body", char) if char else None
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (char := bad_character(key)):
                return (path or "body", char)
            if found := find_in(value, name):
                return found
        return None
    if isinstance(data, list | tuple):
        for i, value in enumerate(data):
            if found := find_in(value, f"{path}.{i}" if path else str(i)):
                return found
    return None


def find_in_pairs(pairs: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The first (field, character) among form or query ``(name, value)`` pairs."""
    for name, value in pairs:
        for text in (name, value):
            if char := bad_character(text):
                return (name if bad_character(name) is None else "?", char)
    return None


def check_year(day: dt.date, field: str) -> dt.date:
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise InvalidInput(
            f"“{field}”的年份须在 {YEAR_MIN}–{YEAR_MAX} 之间", code="date_out_of_range", field=field
        )
    return day


def parse_day(raw: str | None) -> dt.date | None:
    """A YYYY-MM-DD date from a form or query, or None when it is empty, not a date, or outside
    YEAR_MIN–YEAR_MAX (where the day before or after it, or a deadline from it, would overflow)."""
    try:
        day = dt.date.fromisoformat((raw or "").strip()[:10]) if raw else None
    except ValueError:
        return None
    return day if day is not None and YEAR_MIN <= day.year <= YEAR_MAX else None
