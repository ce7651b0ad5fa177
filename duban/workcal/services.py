"""Every change to the holiday calendar: by an admin, journaled, and carried to open work.

A changed day can move deadlines, so each write here runs the items' reschedule in the same
transaction: the open nodes whose working-day count crosses the day get new due times, one
journal row each (old → new).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from duban.core.clock import now
from duban.core.errors import Forbidden, InvalidInput
from duban.journal.services import record
from duban.orgs.models import Role

from . import calendar
from .models import CalendarDay, CalendarYear
from .notice import DayEntry, NoticeError, parse

MAX_DAYS_PER_CHANGE = 400
YEARS = range(2000, 2101)


def can_manage(user) -> bool:
    """The calendar is one for the whole installation: its top-level admins keep it."""
    return (
        getattr(user, "is_authenticated", False)
        and user.role == Role.ADMIN
        and user.unit_id is not None
        and user.unit.parent_id is None
    )


def _require_admin(actor) -> None:
    if not can_manage(actor):
        raise Forbidden("只有省级管理员可以维护节假日安排")


def _year(year: int) -> int:
    if year not in YEARS:
        raise InvalidInput(f"年度须在 {YEARS.start}–{YEARS.stop - 1} 之间", code="bad_year", field="year")
    return year


def _reschedule(actor, days: set[dt.date], change, reason: dict) -> int:
    from duban.items.reschedule import reschedule

    try:
        moved = reschedule(actor=actor, days=days, change=change, reason=reason)
    except BaseException:
        calendar.forget()  # the cache may hold what the rolled-back transaction wrote
        raise
    transaction.on_commit(calendar.forget)
    return moved


@transaction.atomic
def set_days(*, actor, entries: Sequence[DayEntry], clear: Sequence[dt.date] = (), source: str = "") -> dict:
    """Enter, change or clear days of the schedule. Returns what changed and how many open
    nodes moved. Entries equal to what is stored are ignored; nothing at all changed is fine."""
    _require_admin(actor)
    if len(entries) + len(clear) > MAX_DAYS_PER_CHANGE:
        raise InvalidInput(f"一次最多修改 {MAX_DAYS_PER_CHANGE} 天", code="too_many")
    wanted = {e.date: e for e in entries}
    if len(wanted) != len(entries) or set(wanted) & set(clear):
        raise InvalidInput("同一天出现了两次", code="duplicate_day")
    for day in [*wanted, *clear]:
        _year(day.year)
    stored = {d.date: d for d in CalendarDay.objects.filter(date__in=[*wanted, *clear])}
    changes: list[dict] = []
    for day, e in sorted(wanted.items()):
        name = e.name.strip()[:50]
        old = stored.get(day)
        if old is None or old.is_working != e.is_working or old.name != name:
            changes.append(
                {
                    "date": day.isoformat(),
                    "old": None if old is None else {"is_working": old.is_working, "name": old.name},
                    "new": {"is_working": e.is_working, "name": name},
                }
            )
    for day in sorted(clear):
        old = stored.get(day)
        if old is not None:
            changes.append(
                {
                    "date": day.isoformat(),
                    "old": {"is_working": old.is_working, "name": old.name},
                    "new": None,
                }
            )
    if not changes:
        return {"changed": 0, "moved": 0}

    def write() -> None:
        for c in changes:
            day = dt.date.fromisoformat(c["date"])
            if c["new"] is None:
                CalendarDay.objects.filter(date=day).delete()
            else:
                CalendarDay.objects.update_or_create(date=day, defaults=c["new"])

    # Only days whose working status flips can move a deadline; a renamed day cannot.
    flips = {
        dt.date.fromisoformat(c["date"])
        for c in changes
        if (c["old"] or {}).get("is_working") != (c["new"] or {}).get("is_working")
    }
    record(
        actor=actor,
        action="calendar.set_days",
        obj=None,
        old={c["date"]: c["old"] for c in changes},
        new={c["date"]: c["new"] for c in changes},
        payload={"source": source[:200]} if source else None,
    )
    moved = _reschedule(actor, flips, write, {"calendar_days": sorted(d.isoformat() for d in flips)})
    return {"changed": len(changes), "moved": moved}


@transaction.atomic
def set_year_complete(*, actor, year: int, complete: bool, source: str = "") -> dict:
    """Mark a year's schedule as wholly entered (or not): only then is the year known, and
    deadlines across it stop being flagged as assumed."""
    _require_admin(actor)
    _year(year)
    row = CalendarYear.objects.filter(year=year).first()
    old = row.complete if row else False
    if old == complete:
        return {"changed": 0, "moved": 0}
    if (
        complete
        and not CalendarDay.objects.filter(date__year=year).exists()
        and not calendar.shipped_knows(year)
    ):
        raise InvalidInput(f"{year} 年尚未录入任何节假日，不能标记为已完整录入", code="year_empty")

    def write() -> None:
        CalendarYear.objects.update_or_create(
            year=year, defaults={"complete": complete, "source": source[:200], "updated_at": now()}
        )

    record(
        actor=actor,
        action="calendar.year_complete" if complete else "calendar.year_incomplete",
        old={"year": year, "complete": old},
        new={"year": year, "complete": complete},
        payload={"source": source[:200]} if source else None,
    )
    # No due date moves, but every node counted across the year may lose (or gain) its flag.
    _reschedule(actor, {dt.date(year, 1, 1), dt.date(year, 12, 31)}, write, {"calendar_year": year})
    return {"changed": 1}


@transaction.atomic
def import_notice(*, actor, text: str, year: int | None, complete: bool = False, source: str = "") -> dict:
    """Enter a year's schedule from the State Council's notice (or a table), optionally marking
    the year complete in the same change."""
    _require_admin(actor)
    try:
        entries = parse(text, _year(year) if year is not None else None)
    except NoticeError as exc:
        raise InvalidInput(exc.message, code="bad_notice", line=exc.line) from None
    years = {e.date.year for e in entries}
    if year is not None and years - {year, year + 1}:
        raise InvalidInput(f"通知中的日期不属于 {year} 年", code="bad_notice")
    result = set_days(actor=actor, entries=entries, source=source or "国务院办公厅节假日安排通知")
    if complete:
        for y in sorted(years if year is None else {year}):
            set_year_complete(actor=actor, year=y, complete=True, source=source)
    return {**result, "entries": len(entries)}
