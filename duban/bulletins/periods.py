"""A bulletin's period from what the form sends: a month, a quarter, a year or two dates."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from duban.core.clock import local_today
from duban.core.errors import InvalidInput

from .models import PeriodKind

MAX_DAYS = 366
_QUARTERS = "一二三四"


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # inclusive
    label: str  # "2026年11月", "2026年第四季度", "2026年", "2026年11月1日至11月20日"


def _int(raw, low: int, high: int, what: str) -> int:
    try:
        value = int(str(raw).strip()[:6])
    except (TypeError, ValueError):
        raise InvalidInput(f"请填写{what}", code="bad_period") from None
    if not low <= value <= high:
        raise InvalidInput(f"{what}须在 {low}–{high} 之间", code="bad_period")
    return value


def _date(raw, what: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw or "").strip()[:10])
    except ValueError:
        raise InvalidInput(f"请填写{what}（年-月-日）", code="bad_period") from None


def cn_date(d: dt.date, *, year: bool = True) -> str:
    return (f"{d.year}年" if year else "") + f"{d.month}月{d.day}日"


def parse(kind, *, year=None, month=None, quarter=None, start=None, end=None) -> Period:
    """Refuses (``InvalidInput``, code ``bad_period``) what is not a period that has begun."""
    if kind == PeriodKind.MONTH:
        y, m = _int(year, 2000, 2100, "年份"), _int(month, 1, 12, "月份")
        p = Period(kind, dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1]), f"{y}年{m}月")
    elif kind == PeriodKind.QUARTER:
        y, q = _int(year, 2000, 2100, "年份"), _int(quarter, 1, 4, "季度")
        last = q * 3
        p = Period(
            kind,
            dt.date(y, last - 2, 1),
            dt.date(y, last, calendar.monthrange(y, last)[1]),
            f"{y}年第{_QUARTERS[q - 1]}季度",
        )
    elif kind == PeriodKind.YEAR:
        y = _int(year, 2000, 2100, "年份")
        p = Period(kind, dt.date(y, 1, 1), dt.date(y, 12, 31), f"{y}年")
    elif kind == PeriodKind.DATES:
        a, b = _date(start, "起始日期"), _date(end, "截止日期")
        if b < a:
            raise InvalidInput("截止日期不能早于起始日期", code="bad_period")
        if (b - a).days + 1 > MAX_DAYS:
            raise InvalidInput(f"统计期间最长 {MAX_DAYS} 天", code="bad_period")
        if not (2000 <= a.year <= 2100 and 2000 <= b.year <= 2100):
            raise InvalidInput("日期超出范围", code="bad_period")
        label = f"{cn_date(a)}至{cn_date(b, year=b.year != a.year)}"
        p = Period(kind, a, b, label)
    else:
        raise InvalidInput("请选择统计期间（月度、季度、年度或自定义日期）", code="bad_period")
    if p.start > local_today():
        raise InvalidInput("统计期间尚未开始", code="period_not_started")
    return p
