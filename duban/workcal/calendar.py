"""Working days by China's official calendar, and the 13710 due times derived from them.

Sources, in order: the admin-edited ``CalendarDay`` table, then ``chinese-calendar`` for the
years it ships, then Monday–Friday. A year is known (``schedule_known``) when the shipped data
covers it or an admin has marked its whole schedule entered; nodes computed across an unknown
year are flagged so the UI can warn that the deadline may move.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import functools
import threading
import time
from dataclasses import dataclass

import chinese_calendar

from duban.core.clock import SHANGHAI, end_of_day

_lock = threading.Lock()
_overrides: dict[dt.date, bool] | None = None
_override_years: frozenset[int] = frozenset()
_loaded_at = 0.0
# Other app processes learn of an admin's edit within this many seconds.
CACHE_SECONDS = 60.0


def forget() -> None:
    """Drop the cached table (called when an admin edits it)."""
    global _overrides
    with _lock:
        _overrides = None


def _table() -> dict[dt.date, bool]:
    global _overrides, _override_years, _loaded_at
    table = _overrides
    if table is None or time.monotonic() - _loaded_at > CACHE_SECONDS:
        from django.db import DatabaseError

        from .models import CalendarDay, CalendarYear

        try:
            table = dict(CalendarDay.objects.values_list("date", "is_working"))
            complete = frozenset(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
        except DatabaseError:
            # No database yet (e.g. `duban deadlines` on a fresh install): shipped data only.
            return {}
        with _lock:
            _overrides, _loaded_at = table, time.monotonic()
            _override_years = complete
    return table


@functools.cache
def _shipped_years() -> tuple[int, int]:
    # min/max over the shipped table cost ~20 µs each; lights ask this for every track drawn.
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


@functools.lru_cache(maxsize=8192)
def _shipped_is_workday(day: dt.date) -> bool:
    # The shipped schedule never changes within a process (admin overrides are checked first).
    return chinese_calendar.is_workday(day)


def shipped_knows(year: int) -> bool:
    """Whether the shipped ``chinese-calendar`` data holds the year's official schedule."""
    lo, hi = _shipped_years()
    return lo <= year <= hi


_shipped_knows = shipped_knows

_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def shipped_name(day: dt.date) -> str:
    """The holiday a shipped day belongs to, in Chinese ("春节", "国庆节调休上班"), or ""."""
    resting, name = chinese_calendar.get_holiday_detail(day)
    if name is None:
        return ""
    label = _NAMES.get(name, name)
    return label if resting else label + "调休上班"


def schedule_known(year: int) -> bool:
    _table()
    return year in _override_years or _shipped_knows(year)


def known_between(start: dt.date, end: dt.date) -> bool:
    """Whether every year a working-day count from ``start`` to ``end`` crosses is known."""
    return all(schedule_known(y) for y in range(start.year, end.year + 1))


def is_working_day(day: dt.date) -> bool:
    table = _table()
    if day in table:
        return table[day]
    if _shipped_knows(day.year):
        return _shipped_is_workday(day)
    return day.weekday() < 5


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after ``day`` (``day`` itself never counts)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    current = day
    while n:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            n -= 1
    return current


def next_working_day_on_or_after(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_month(day: dt.date) -> dt.date:
    """Same day one calendar month later (clamped: 31 Jan → 28 Feb), moved to a working day."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    last = _cal.monthrange(year, month)[1]
    return next_working_day_on_or_after(dt.date(year, month, min(day.day, last)))


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end precedes start."""
    if end < start:
        return -working_days_between(end, start)
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        count += is_working_day(current)
    return count


@dataclass(frozen=True)
class NodeDue:
    node: str
    due: dt.datetime  # aware, UTC
    assumed_calendar: bool  # True when a year's official schedule was not known


def standard_nodes(assigned_at: dt.datetime, category: str) -> list[NodeDue]:
    """The 13710 nodes for a track assigned at ``assigned_at``.

    general → sign and deploy (1st working day), feedback (3rd), result (7th);
    major → the same, with the result one calendar month after assignment;
    continuous → sign, deploy and feedback only: progress nodes and the final due date are set
    by the issuer per item.
    """
    day = assigned_at.astimezone(SHANGHAI).date()
    first, third = add_working_days(day, 1), add_working_days(day, 3)
    nodes = [("sign", first), ("deploy", first), ("feedback", third)]
    if category == "general":
        nodes.append(("result", add_working_days(day, 7)))
    elif category == "major":
        nodes.append(("result", add_month(day)))
    elif category != "continuous":
        raise ValueError(f"unknown category {category!r}")
    last = nodes[-1][1]
    assumed = not known_between(day, last)
    return [NodeDue(name, end_of_day(d), assumed) for name, d in nodes]
