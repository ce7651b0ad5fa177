"""The current figures of a target as one small value stored on its row (``Target.series``).

The Figure rows are the record (every filing and correction); ``series`` is a copy of their
current versions, rewritten by the services in the same transaction as a filing, so a list of
thousands of targets reads one row each instead of every figure. ``compute`` builds it from the
rows; ``duban check-targets`` compares every stored copy with it.

Shape, by the month a period ends (1–12) as a string key, one map per source:
``{"u": {"3": [value, confidence, reason]}, "s": {"3": value}}``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Filed:
    """A current figure as the series holds it."""

    period_end: dt.date
    source: str
    value: float
    confidence: str = ""
    confidence_reason: str = ""

    def get_confidence_display(self) -> str:
        from .models import Confidence

        return str(Confidence(self.confidence).label) if self.confidence else ""


def compute(rows: Iterable[tuple[dt.date, str, int, float, str, str]]) -> dict:
    """(period_end, source, version, value, confidence, reason) rows → the series."""
    latest: dict[tuple[str, dt.date], tuple[int, float, str, str]] = {}
    for day, source, version, value, conf, reason in rows:
        key = (source, day)
        if key not in latest or version > latest[key][0]:
            latest[key] = (version, value, conf, reason)
    out: dict = {}
    for (source, day), (_v, value, conf, reason) in sorted(latest.items(), key=lambda kv: kv[0][1]):
        put(out, source, day, value, conf, reason)
    return out


def put(series: dict, source: str, day: dt.date, value: float, conf: str = "", reason: str = "") -> dict:
    key = str(day.month)
    if source == "stats":
        series.setdefault("s", {})[key] = value
    else:
        entry: list = [value]
        if conf or reason:
            entry += [conf, reason] if reason else [conf]
        series.setdefault("u", {})[key] = entry
    return series


@functools.lru_cache(maxsize=512)
def _end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def unpack(series: dict | None, year: int) -> tuple[dict[dt.date, Filed], dict[dt.date, Filed]]:
    """The stored series → (unit figures, statistics figures) by period end."""
    unit: dict[dt.date, Filed] = {}
    stats: dict[dt.date, Filed] = {}
    if not series:
        return unit, stats
    for key, entry in (series.get("u") or {}).items():
        day = _end(year, int(key))
        unit[day] = Filed(
            day, "unit", entry[0], entry[1] if len(entry) > 1 else "", entry[2] if len(entry) > 2 else ""
        )
    for key, value in (series.get("s") or {}).items():
        day = _end(year, int(key))
        stats[day] = Filed(day, "stats", value)
    return unit, stats


def values(series: dict | None, year: int) -> tuple[dict[dt.date, float], dict[dt.date, float]]:
    """Only the numbers: (unit, statistics) by period end — what classing reads."""
    if not series:
        return {}, {}
    unit = {_end(year, int(k)): e[0] for k, e in (series.get("u") or {}).items()}
    stats = {_end(year, int(k)): v for k, v in (series.get("s") or {}).items()}
    return unit, stats
