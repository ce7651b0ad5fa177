"""Request and response shapes of the targets API (量化指标, ``duban.api.targets``).

Numbers in requests must be finite (``NaN``/``Infinity`` are refused before the services see
them); the services check ranges, shapes and periods and refuse with stable codes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from duban.core.cleaning import MAX_ID
from duban.core.paging import COUNT_CAP, MAX_LIMIT, MAX_OFFSET

from .schemas import Day, Id, LocalDateTime, Out, UnitRef, UserRef, Version

Finite = Annotated[float, Field(allow_inf_nan=False)]
KindIn = Literal["cumulative", "level", "growth", "ceiling", "range"]
ComparatorIn = Literal["=", ">=", "<=", "~", "range"]
PeriodIn = Literal["monthly", "quarterly"]
SourceIn = Literal["unit", "stats"]
ConfidenceIn = Literal["", "sure", "likely", "at_risk", "unlikely"]
KlassIn = Literal["done", "done_early", "ahead", "on_track", "behind", "missing", "no_data"]
Twelve = Annotated[list[Finite], Field(min_length=12, max_length=12)]
TwelveOrNull = Annotated[list[Finite | None], Field(min_length=12, max_length=12)]


# ---------------------------------------------------------------------------------------------
# Responses


class KlassOut(Out):
    code: KlassIn
    label: str = Field(description="已完成、提前完成、超进度、达进度、欠进度、未报送、暂无数据")


class ConfidenceOut(Out):
    code: str = Field(description="sure, likely, at_risk, unlikely")
    label: str
    reason: str
    period_end: dt.date = Field(description="The period of the figure the judgement was filed with")


class TargetRow(Out):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    item_id: int
    item_title: str
    parent_id: int | None
    unit: UnitRef
    indicator: str
    unit_label: str
    kind: KindIn
    comparator: ComparatorIn
    value: float
    value_max: float | None
    plan_year: int
    period: PeriodIn
    due_day: int
    version: int
    klass: KlassOut = Field(alias="class", description="The class derived now from the figures")
    period_end: dt.date | None = Field(
        description="The period read (the latest reported, or the one missing)"
    )
    actual: float | None = Field(description="The figure read for that period (统计数 over 报送数)")
    expected: float | None = Field(description="序时进度 at that period's end, in the indicator's unit")
    completion: float | None = Field(description="actual as a share of the target (cumulative, level)")
    forecast: float | None = Field(description="The year-end value the figures so far point to")
    gap: float | None = Field(description="forecast − target, negative when short of it")
    missing: list[dt.date] = Field(description="Periods due and not reported")
    inconsistent: bool = Field(description="数据不一致: the statistics and the unit's figure disagree")
    confidence: ConfidenceOut | None = Field(description="The unit's latest own judgement (not the class)")
    children: int = Field(description="How many shares it was allocated into")
    actions: list[str] = Field(description="Allowed now: file, file_stats, edit, allocate")


class TargetPage(Out):
    total: int = Field(description=f"Rows matching every filter (capped at {COUNT_CAP + 1})")
    capped: bool
    limit: int
    offset: int
    counts: dict[str, int] = Field(description="Rows per class, counted before the class filter")
    all: int = Field(description="Rows matching the filters other than the class")
    items: list[TargetRow]


class CountsOut(Out):
    counts: dict[str, int]
    labels: dict[str, str]
    all: int


class TargetActionOut(Out):
    name: str = Field(description="file, file_stats, edit, allocate")
    allowed: bool
    code: str = Field(description="Stable refusal code when not allowed")
    reason: str = Field(description="Why not, in Chinese; empty when allowed")


class FigureOut(Out):
    id: int
    period_end: dt.date
    source: SourceIn = Field(description="unit: 报送数; stats: 统计数")
    version: int = Field(description="1 for the first filing; each correction is the next version")
    current: bool = Field(description="The highest version of its period and source")
    value: float
    note: str
    confidence: str
    confidence_label: str
    confidence_reason: str
    author: UserRef
    created_at: LocalDateTime
    report_id: int | None
    evidence: list[int] = Field(description="Attachment ids: GET /api/v1/attachments/{id}")


class ShareOut(Out):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    unit: UnitRef
    value: float
    value_max: float | None
    version: int
    klass: KlassOut = Field(alias="class")
    period_end: dt.date | None
    actual: float | None
    completion: float | None


class PeriodOut(Out):
    period_end: dt.date
    value: float = Field(description="The figure classing reads for the period")
    source: Literal["unit", "stats", "rollup"]
    expected: float
    klass: KlassOut = Field(alias="class")

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class RollupOut(Out):
    period_end: dt.date
    value: float = Field(description="The sum of the shares' figures (periods every share reported)")


class ItemRef(Out):
    id: int
    title: str


class TargetDetail(TargetRow):
    item: ItemRef
    track_id: int
    higher_is_better: bool
    baseline: float | None
    profile: list[float] | None
    tolerance: float
    last_year: list[float | None] | None
    source_text: str
    section: str | None
    created_by: UserRef
    created_at: LocalDateTime
    allowed: list[TargetActionOut] = Field(description="Every action with its refusal when not allowed")
    periods: list[PeriodOut] = Field(description="Each reported period: the figure read and its class")
    figures: list[FigureOut] = Field(description="Every filing, corrections included, newest first")
    shares: list[ShareOut] = Field(description="The shares the viewer may see")
    rollup: list[RollupOut]
    mismatched: list[dt.date] = Field(description="Periods where 统计数 and 报送数 disagree (数据不一致)")


class FigureResult(Out):
    figure: FigureOut | None = Field(description="null when the same figure was filed again (no change)")
    target: TargetDetail


class ChartOut(Out):
    target_id: int
    indicator: str
    unit_label: str
    kind: KindIn
    periods: list[dt.date]
    expected: list[float] = Field(description="序时进度 at each period's end")
    actual: list[float | None] = Field(description="The figure read for each period, null if none")
    reported: list[float | None] = Field(description="The unit's current 报送数")
    stats: list[float | None] = Field(description="The statistics bureau's 统计数")
    forecast: list[float | None] = Field(
        description="From the latest figure to the year-end forecast (straight line), null before"
    )
    forecast_year_end: float | None
    target: float
    target_max: float | None


class AllocationResult(Out):
    shares: list[ShareOut]
    target: TargetDetail


# ---------------------------------------------------------------------------------------------
# Requests


class TargetFilters(Schema):
    year: int | None = Field(None, ge=1900, le=2100, description="Plan year")
    klass: KlassIn | None = Field(None, description="Only this class (the counts ignore it)")
    unit: str | None = Field(None, max_length=40, description="Unit code: its whole subtree")
    kind: KindIn | None = None
    section: str | None = Field(None, max_length=100, description="The work report's section")
    q: str | None = Field(None, max_length=100, description="Part of the indicator's name")
    item: int | None = Field(None, ge=1, le=MAX_ID, description="Only this item's targets")
    top: bool = Field(False, description="Only top-level targets (not shares)")
    upto: Day | None = Field(None, description="Read as it stood at this period's end")


class PageIn(Schema):
    # Documented bounds, checked by core.paging.check_window (codes bad_limit, bad_offset).
    limit: int = Field(50, description="1–500", json_schema_extra={"minimum": 1, "maximum": MAX_LIMIT})
    offset: int = Field(0, description="0–1,000,000", json_schema_extra={"minimum": 0, "maximum": MAX_OFFSET})


class TargetCreateIn(Schema):
    indicator: str = Field(max_length=200, description="指标名称")
    value: Finite = Field(description="目标值")
    track_id: Id | None = Field(None, description="The answerable track (default: the item's lead)")
    unit_label: str = Field("", max_length=20, description="计量单位")
    kind: KindIn | None = Field(None, description="Default: guessed from the wording")
    comparator: ComparatorIn = "="
    value_max: Finite | None = None
    higher_is_better: bool | None = Field(None, description="Default: guessed from the wording")
    plan_year: int | None = Field(None, ge=1900, le=2100, description="Default: the item's final due year")
    baseline: Finite | None = Field(None, description="上年基数")
    period: PeriodIn = "monthly"
    due_day: int = Field(10, ge=1, le=28, description="Day of the next month the figure is due")
    profile: Twelve | None = Field(None, description="序时进度曲线: 12 cumulative shares (0–1 or %)")
    tolerance: Finite = Field(0.05, description="进度容差, a share from 0 to 0.5 (0.05 = ±5%)")
    last_year: TwelveOrNull | None = Field(None, description="上年逐月数据 (12 numbers or nulls)")
    source_text: str = Field("", max_length=300, description="原文")


class TargetUpdateIn(Schema):
    """Only the fields sent change; ``null`` clears value_max, baseline, profile, last_year."""

    expected_version: Version | None = Field(None, description="Refused with stale_version if it moved on")
    indicator: str | None = Field(None, max_length=200)
    unit_label: str | None = Field(None, max_length=20)
    kind: KindIn | None = None
    comparator: ComparatorIn | None = None
    value: Finite | None = None
    value_max: Finite | None = None
    higher_is_better: bool | None = None
    baseline: Finite | None = None
    period: PeriodIn | None = None
    due_day: int | None = Field(None, ge=1, le=28)
    profile: Twelve | None = None
    tolerance: Finite | None = None
    last_year: TwelveOrNull | None = None


class FigureIn(Schema):
    period_end: str = Field(max_length=20, description="The period's last day, e.g. 2026-03-31")
    value: Finite = Field(description="The value to date (cumulative total, level or rate)")
    source: SourceIn = Field("unit", description="unit: the owning unit's 报送数; stats: 统计数")
    note: str = Field("", max_length=2000)
    confidence: ConfidenceIn = Field("", description="完成预判 (unit figures only)")
    confidence_reason: str = Field("", max_length=2000, description="Required for at_risk and unlikely")


class ShareIn(Schema):
    unit: str = Field(max_length=40, description="Unit code")
    value: Finite
    value_max: Finite | None = None


class AllocationIn(Schema):
    shares: list[ShareIn] = Field(min_length=1, max_length=500)
    accept_shortfall: bool = Field(False, description="Accept shares adding up to less than the whole")
