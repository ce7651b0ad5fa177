"""The one place the system asks what time it is.

Tests travel the clock with ``travel_to`` instead of sleeping; every service and selector
reads ``now()`` from here so a travelled clock is seen everywhere at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


def local_today() -> dt.date:
    return now().astimezone(SHANGHAI).date()


def to_local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI)


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59 Asia/Shanghai on ``day``, as an aware datetime in UTC."""
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=SHANGHAI).astimezone(dt.UTC)


@contextlib.contextmanager
def travel_to(moment: dt.datetime) -> Iterator[None]:
    global _frozen
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=SHANGHAI)
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
