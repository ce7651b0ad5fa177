"""序时进度, classes and forecasts of a quantitative target — a pure core, no Django.

Everything here is derived at read time from the target's definition and its figures: nothing
is stored, so a correction or a late statistics figure changes the class the moment it lands.
The storage layer (``duban.targets.selectors``) turns rows into ``Spec`` and ``Point`` and asks.

Conventions
- A *period* is named by its last day (``2026-03-31`` for March, or for the first quarter).
- A figure is the value *to date* as the indicator names it: the total built so far for a
  cumulative target, the current level for a level target, the cumulative growth rate (%) for a
  growth target, the current value for a ceiling or a range.
- The figure for a period is due on ``due_day`` of the month after the period ends.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    CUMULATIVE = "cumulative"  # 新建X座, 新增就业X人: the total to date
    LEVEL = "level"  # 达到X, 占比达到X%: the latest value
    GROWTH = "growth"  # 增长X%: the cumulative growth rate to date
    CEILING = "ceiling"  # 控制在X以内: at or under it
    RANGE = "range"  # between two values


class Period(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class Klass(StrEnum):
    DONE = "done"  # 已完成
    DONE_EARLY = "done_early"  # 提前完成
    AHEAD = "ahead"  # 超进度
    ON_TRACK = "on_track"  # 达进度
    BEHIND = "behind"  # 欠进度
    MISSING = "missing"  # 未报送
    NO_DATA = "no_data"  # 暂无数据


KLASS_LABELS = {
    Klass.DONE: "已完成",
    Klass.DONE_EARLY: "提前完成",
    Klass.AHEAD: "超进度",
    Klass.ON_TRACK: "达进度",
    Klass.BEHIND: "欠进度",
    Klass.MISSING: "未报送",
    Klass.NO_DATA: "暂无数据",
}
# The order lists and counts show them in: what needs a supervisor first.
KLASS_ORDER = [
    Klass.BEHIND,
    Klass.MISSING,
    Klass.ON_TRACK,
    Klass.AHEAD,
    Klass.DONE_EARLY,
    Klass.DONE,
    Klass.NO_DATA,
]

DEFAULT_TOLERANCE = 0.05


@dataclass(frozen=True)
class Spec:
    """What a target promises and how it is read."""

    kind: Kind
    value: float
    plan_year: int
    value_max: float | None = None
    baseline: float | None = None
    period: Period = Period.MONTHLY
    due_day: int = 10
    # Cumulative share of the year's work expected by the end of each month (12 numbers rising
    # to 1.0); None: evenly by months.
    profile: Sequence[float] | None = None
    tolerance: float = DEFAULT_TOLERANCE
    higher_is_better: bool = True
    # Last year's figures to date by month (12 numbers or None where unknown), for the forecast.
    last_year: Sequence[float | None] | None = None
    # When the target was set: a figure that fell due before it is not demanded (a target added
    # in April is not 未报送 for January).
    since: dt.date | None = None


@dataclass(frozen=True)
class Point:
    period_end: dt.date
    value: float


@dataclass(frozen=True)
class Reading:
    """The class of a target as of a day, with the numbers that decided it."""

    klass: Klass
    period_end: dt.date | None  # the period whose figure was read (or is missing)
    actual: float | None
    expected: float | None  # 序时进度 at that period's end, in the indicator's unit
    share: float | None  # elapsed share of the year at that period's end (0–1)
    completion: float | None  # actual as a share of the target (cumulative and level)
    forecast: float | None  # the year-end value the figures so far point to
    gap: float | None  # forecast − target, signed so that negative is short of it
    missing: list[dt.date] = field(default_factory=list)  # periods due and not reported

    @property
    def label(self) -> str:
        return KLASS_LABELS[self.klass]


# ---------------------------------------------------------------------------------------------
# Periods


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period_ends(year: int, period: Period | str) -> list[dt.date]:
    return list(_period_ends(year, str(period)))


# A province's list reads thousands of targets sharing a handful of (year, period, due day)
# combinations: the calendar arithmetic is done once per combination, not once per target.
@functools.lru_cache(maxsize=256)
def _period_ends(year: int, period: str) -> tuple[dt.date, ...]:
    months = range(3, 13, 3) if Period(period) == Period.QUARTERLY else range(1, 13)
    return tuple(_month_end(year, m) for m in months)


def is_period_end(spec: Spec, day: dt.date) -> bool:
    return day in period_ends(spec.plan_year, spec.period)


def period_containing(spec: Spec, day: dt.date) -> dt.date | None:
    """The period of the plan year ``day`` falls in (None outside the year)."""
    for end in period_ends(spec.plan_year, spec.period):
        if day <= end:
            return end if day.year == spec.plan_year else None
    return None


def due_date(spec: Spec, period_end: dt.date) -> dt.date:
    """The day a period's figure is due: ``due_day`` of the next month (clamped to its length)."""
    return _due_date(period_end, spec.due_day)


@functools.lru_cache(maxsize=4096)
def _due_date(period_end: dt.date, due_day: int) -> dt.date:
    year, month = (
        (period_end.year + 1, 1) if period_end.month == 12 else (period_end.year, period_end.month + 1)
    )
    return dt.date(year, month, min(max(due_day, 1), calendar.monthrange(year, month)[1]))


def fileable_periods(spec: Spec, today: dt.date) -> list[dt.date]:
    """Periods a figure may be filed for on ``today``: every period of the plan year that has
    begun (the current one too: a unit may report before the month is out)."""
    out = []
    for end in period_ends(spec.plan_year, spec.period):
        start = _period_start(spec, end)
        if start <= today:
            out.append(end)
    return out


def _period_start(spec: Spec, end: dt.date) -> dt.date:
    months = 3 if Period(spec.period) == Period.QUARTERLY else 1
    return dt.date(end.year, end.month - months + 1, 1)


def due_periods(spec: Spec, today: dt.date) -> list[dt.date]:
    """Periods whose figure is due by ``today`` (the due day has come), and was due after the
    target was set."""
    return list(_due_periods(spec.plan_year, str(spec.period), spec.due_day, spec.since, today))


@functools.lru_cache(maxsize=1024)
def _due_periods(
    year: int, period: str, due_day: int, since: dt.date | None, today: dt.date
) -> tuple[dt.date, ...]:
    out = []
    for e in _period_ends(year, period):
        due = _due_date(e, due_day)
        if due <= today and (since is None or due >= since):
            out.append(e)
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# 序时进度


def elapsed_share(spec: Spec, period_end: dt.date) -> float:
    """The share of the year's work expected by ``period_end``: months elapsed / 12, or the
    supervisor's monthly profile (seasonal work)."""
    if period_end.year < spec.plan_year:
        return 0.0
    if period_end.year > spec.plan_year:
        return 1.0
    month = period_end.month
    if spec.profile:
        return max(0.0, min(1.0, float(spec.profile[month - 1])))
    return month / 12


def _start(spec: Spec) -> float:
    # Where progress is counted from: zero for a total built this year; last year's value for a
    # level (a level target moves the indicator from where it stood).
    if spec.kind == Kind.LEVEL and spec.baseline is not None:
        return spec.baseline
    return 0.0


def expected(spec: Spec, period_end: dt.date) -> float:
    """序时进度 at a period's end, in the indicator's unit."""
    if spec.kind in (Kind.CUMULATIVE, Kind.LEVEL):
        start = _start(spec)
        return start + (spec.value - start) * elapsed_share(spec, period_end)
    # Rates, ceilings and ranges are compared with the target itself at every point in the year.
    return spec.value


def completion(spec: Spec, actual: float) -> float | None:
    """How much of the promised change is done (1.0 = reached); cumulative and level only."""
    if spec.kind not in (Kind.CUMULATIVE, Kind.LEVEL):
        return None
    start = _start(spec)
    span = spec.value - start
    if span == 0:
        return 1.0 if _reached(spec, actual) else 0.0
    return (actual - start) / span


def _reached(spec: Spec, actual: float) -> bool:
    if spec.kind == Kind.CEILING:
        return actual <= spec.value
    if spec.kind == Kind.RANGE:
        hi = spec.value_max if spec.value_max is not None else spec.value
        return spec.value <= actual <= hi
    if spec.higher_is_better:
        return actual >= spec.value
    return actual <= spec.value


def _band(target: float, tolerance: float) -> float:
    return abs(target) * tolerance if target else tolerance


def classify_point(spec: Spec, point: Point) -> Klass:
    """The class a figure earns at its period's end."""
    year_end = point.period_end >= dt.date(spec.plan_year, 12, 31)
    actual = point.value
    if spec.kind in (Kind.CUMULATIVE, Kind.LEVEL):
        if _reached(spec, actual):
            return Klass.DONE if year_end else Klass.DONE_EARLY
        done = completion(spec, actual)
        share = elapsed_share(spec, point.period_end)
        assert done is not None
        if done > share * (1 + spec.tolerance):
            return Klass.AHEAD
        if done >= share * (1 - spec.tolerance):
            return Klass.ON_TRACK
        return Klass.BEHIND
    if spec.kind == Kind.GROWTH:
        band = _band(spec.value, spec.tolerance)
        diff = actual - spec.value if spec.higher_is_better else spec.value - actual
        if year_end:
            return Klass.DONE if diff >= 0 else Klass.BEHIND
        if diff > band:
            return Klass.AHEAD
        if diff >= -band:
            return Klass.ON_TRACK
        return Klass.BEHIND
    # Ceilings and ranges: on track while inside; met at the year's end.
    if _reached(spec, actual):
        return Klass.DONE if year_end else Klass.ON_TRACK
    return Klass.BEHIND


# ---------------------------------------------------------------------------------------------
# Forecast


def forecast(spec: Spec, points: Sequence[Point]) -> float | None:
    """The year-end value the figures so far point to.

    Cumulative: the latest total scaled by the share of last year's total reached by the same
    month where last year's series is known, else by the elapsed share (a straight line from the
    year's start). Level and rates: a least-squares line through the figures (and the baseline at
    the year's start for a level), read at December; one figure alone is carried forward.
    """
    pts = sorted((p for p in points if p.period_end.year == spec.plan_year), key=lambda p: p.period_end)
    if not pts:
        return None
    last = pts[-1]
    if last.period_end.month == 12:
        return last.value
    if spec.kind == Kind.CUMULATIVE:
        ly = spec.last_year
        month = last.period_end.month
        if ly and len(ly) == 12 and ly[month - 1] and ly[11]:
            share = float(ly[month - 1]) / float(ly[11])  # type: ignore[arg-type]
        else:
            share = elapsed_share(spec, last.period_end)
        return last.value / share if share > 0 else None
    xs = [float(p.period_end.month) for p in pts]
    ys = [p.value for p in pts]
    if spec.kind == Kind.LEVEL and spec.baseline is not None:
        xs.insert(0, 0.0)
        ys.insert(0, spec.baseline)
    if len(xs) < 2:
        return last.value
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return last.value
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return my + slope * (12 - mx)


def gap(spec: Spec, year_end: float | None) -> float | None:
    """Forecast against the target, negative when it falls short (in the better direction)."""
    if year_end is None:
        return None
    if spec.kind == Kind.RANGE:
        hi = spec.value_max if spec.value_max is not None else spec.value
        if year_end < spec.value:
            return year_end - spec.value
        if year_end > hi:
            return hi - year_end
        return 0.0
    if spec.kind == Kind.CEILING or not spec.higher_is_better:
        return spec.value - year_end
    return year_end - spec.value


# ---------------------------------------------------------------------------------------------
# The reading as of a day


def read(spec: Spec, points: Iterable[Point], today: dt.date, upto: dt.date | None = None) -> Reading:
    """The target's class on ``today``.

    The latest reported period decides, unless a later period's figure is past its due day and
    missing (未报送). With nothing reported and nothing yet due: 暂无数据. ``upto`` reads the
    target as it stood at a past period's end: later periods are left out (a 完成情况表 for March).
    """
    pts = sorted(
        (
            p
            for p in points
            if p.period_end.year == spec.plan_year
            and not math.isnan(p.value)
            and (upto is None or p.period_end <= upto)
        ),
        key=lambda p: p.period_end,
    )
    reported = {p.period_end for p in pts}
    latest = pts[-1] if pts else None
    missing = [e for e in due_periods(spec, today) if e not in reported and (upto is None or e <= upto)]
    overdue_after_latest = [e for e in missing if latest is None or e > latest.period_end]
    year_end = forecast(spec, pts)
    if overdue_after_latest:
        end = overdue_after_latest[-1]
        return Reading(
            klass=Klass.MISSING,
            period_end=end,
            actual=latest.value if latest else None,
            expected=expected(spec, end),
            share=elapsed_share(spec, end),
            completion=completion(spec, latest.value) if latest else None,
            forecast=year_end,
            gap=gap(spec, year_end),
            missing=missing,
        )
    if latest is None:
        return Reading(Klass.NO_DATA, None, None, None, None, None, None, None, missing)
    return Reading(
        klass=classify_point(spec, latest),
        period_end=latest.period_end,
        actual=latest.value,
        expected=expected(spec, latest.period_end),
        share=elapsed_share(spec, latest.period_end),
        completion=completion(spec, latest.value),
        forecast=year_end,
        gap=gap(spec, year_end),
        missing=missing,
    )


def history(spec: Spec, points: Iterable[Point]) -> list[tuple[Point, Klass, float]]:
    """Each reported period with the class it earned and its 序时进度."""
    pts = sorted((p for p in points if p.period_end.year == spec.plan_year), key=lambda p: p.period_end)
    return [(p, classify_point(spec, p), expected(spec, p.period_end)) for p in pts]


# ---------------------------------------------------------------------------------------------
# Statistics against the unit's own figure, and roll-up


def effective(
    unit: dict[dt.date, float], stats: dict[dt.date, float], tolerance: float
) -> tuple[dict[dt.date, float], list[dt.date]]:
    """The figures classing reads — the statistics bureau's where there is one — and the periods
    where the two disagree by more than ``tolerance`` (relative) (数据不一致)."""
    out = dict(unit)
    out.update(stats)
    mismatched = sorted(
        d for d in stats if d in unit and abs(stats[d] - unit[d]) > _band(stats[d], tolerance) + 1e-9
    )
    return out, mismatched


def summable(kind: Kind | str, unit_label: str) -> bool:
    """Shares of cumulative and count targets add up; rates, percentages and ceilings do not."""
    if Kind(kind) not in (Kind.CUMULATIVE, Kind.LEVEL):
        return False
    return not any(mark in unit_label for mark in ("%", "百分点", "‰", "％"))


def roll_up(children: Sequence[dict[dt.date, float]]) -> dict[dt.date, float]:
    """The sum of the children's figures for each period every child has reported; a period
    some child has not reported yet is not summed (a partial sum would read as behind)."""
    if not children:
        return {}
    common = set(children[0])
    for c in children[1:]:
        common &= set(c)
    return {d: sum(c[d] for c in children) for d in sorted(common)}


def allocation_shortfall(whole: float, shares: Iterable[float], *, higher_is_better: bool = True) -> float:
    """How far the shares fall short of the whole (0 when they cover it)."""
    total = sum(shares)
    short = whole - total if higher_is_better else total - whole
    return max(0.0, short)


# ---------------------------------------------------------------------------------------------
# Reading the kind from the report's wording

_CEILING_WORDS = ("控制在", "以内", "不超过", "不高于", "低于", "之内")
_CEILING_INDICATORS = ("失业率", "价格涨幅", "物价", "消费价格", "能耗", "能源消费总量", "PM2.5", "赤字")
_DOWN_WORDS = ("降至", "降到", "下降到", "降低到", "压减至", "压减到", "减少到", "减少至")
_LEVEL_WORDS = (
    "达到",
    "累计达",
    "突破",
    "提高到",
    "提升到",
    "保持在",
    "稳定在",
    "累计",
    "超过",
    "总量",
    "占比",
    "比重",
    "覆盖率",
)


def guess_kind(text: str, indicator: str, unit: str, comparator: str) -> tuple[Kind, bool]:
    """The kind a target's wording suggests, and whether higher is better. A supervisor can
    correct both on the draft plan; this only has to be right for the common phrasings."""
    words = text or indicator
    if comparator == "range":
        return Kind.RANGE, True
    if any(w in words for w in _DOWN_WORDS):
        return Kind.LEVEL, False
    if comparator == "<=" or any(w in words for w in _CEILING_WORDS):
        return Kind.CEILING, False
    if comparator == "~" and any(w in words for w in _CEILING_INDICATORS):
        return Kind.CEILING, False
    if ("增长" in words or indicator.endswith("增速")) and unit in ("%", "％"):
        return Kind.GROWTH, True
    if any(w in words for w in _LEVEL_WORDS) or unit in ("%", "％"):
        return Kind.LEVEL, True
    return Kind.CUMULATIVE, True
