"""Reads of the holiday calendar for the admin's year view."""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass

from . import calendar
from .models import CalendarDay, CalendarYear


@dataclass(frozen=True)
class Day:
    date: dt.date
    is_working: bool
    source: str  # "table" (an admin's entry), "shipped" (chinese-calendar) or "weekday" (assumed)
    name: str

    @property
    def weekend(self) -> bool:
        return self.date.weekday() >= 5


def year_days(year: int) -> list[Day]:
    """Every day of ``year`` as the system counts it now, and where that answer comes from."""
    table = {d.date: d for d in CalendarDay.objects.filter(date__year=year)}
    shipped = calendar.shipped_knows(year)
    out = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        entry = table.get(day)
        if entry is not None:
            out.append(Day(day, entry.is_working, "table", entry.name))
        else:
            source = "shipped" if shipped else "weekday"
            out.append(
                Day(day, calendar.is_working_day(day), source, calendar.shipped_name(day) if shipped else "")
            )
        day += dt.timedelta(days=1)
    return out


def year_months(year: int) -> list[dict]:
    """The year as twelve month grids (weeks of seven cells, Monday first, blanks as None)."""
    days = {d.date: d for d in year_days(year)}
    months = []
    for month in range(1, 13):
        weeks = [
            [days[dt.date(year, month, n)] if n else None for n in week]
            for week in _cal.Calendar(firstweekday=0).monthdayscalendar(year, month)
        ]
        months.append({"month": month, "weeks": weeks})
    return months


def year_status(year: int) -> dict:
    row = CalendarYear.objects.filter(year=year).first()
    shipped = calendar.shipped_knows(year)
    return {
        "year": year,
        "known": calendar.schedule_known(year),
        "shipped": shipped,
        "complete": bool(row and row.complete),
        "source": row.source if row else "",
        "entries": CalendarDay.objects.filter(date__year=year).count(),
    }
