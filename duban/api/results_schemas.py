"""Request and response shapes of the results API (``duban.api.results``): the 督办工作台, the
领导驾驶舱 and 通报 bulletins.

Inputs are bounded here (lengths, id counts, dates within 1900–2100); what they mean — a unit
outside the viewer's subtree, a period that has not begun, a track that may not be urged — is
refused by the selectors and services with their stable codes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from duban.core.paging import MAX_OFFSET
from duban.workbench import selectors as wb_selectors
from duban.workbench import services as wb_services

from .schemas import CategoryIn, Day, Id, LocalDateTime, Out, SourceIn, UnitRef, UserRef

SectionIn = Literal["to_review", "extensions", "overdue", "due_soon", "returned", "stale"]
PeriodKindIn = Literal["month", "quarter", "year", "dates"]


class Open(Out):
    """A shape whose every key is passed through as the selector built it (the web's JSON and the
    API's are one dict): the fields below are documented, any other is kept."""

    model_config = ConfigDict(from_attributes=True, extra="allow")


# ---------------------------------------------------------------------------------------------
# 督办工作台


class WorkbenchFilters(Schema):
    unit: str | None = Field(
        None, max_length=40, description="Handling unit code, within the viewer's subtree"
    )
    source: SourceIn | None = None
    category: CategoryIn | None = None
    plan: int | None = Field(None, ge=1, le=2**31 - 1, description="报告分解 id (a plan the viewer sees)")
    days: int | None = Field(
        None,
        ge=1,
        le=wb_selectors.MAX_STALE_DAYS,
        description="长期未更新: working days without a report (default from settings)",
    )
    section: SectionIn | None = Field(None, description="Whose rows to list; default the first non-empty")


class WorkbenchPage(Schema):
    # Documented bounds, checked by core.paging.check_window (codes bad_limit, bad_offset).
    limit: int = Field(50, description="1–200", json_schema_extra={"minimum": 1, "maximum": 200})
    offset: int = Field(0, description="0–1,000,000", json_schema_extra={"minimum": 0, "maximum": MAX_OFFSET})


class SectionOut(Out):
    key: SectionIn
    label: str
    tracks: int = Field(description="承办记录 in the section (the rows listed)")
    items: int = Field(description="Distinct 事项 those tracks belong to")


class PendingExtensionOut(Out):
    id: int
    node_kind: str
    reason: str
    proposed_due: dt.date
    requested_at: LocalDateTime


class WorkbenchRow(Out):
    id: int = Field(description="承办记录 (track) id")
    item_id: int
    item_title: str
    source: str
    category: str
    unit: UnitRef
    role: str
    parent_id: int | None
    state: str
    light: str
    next_due_at: LocalDateTime | None
    late_days: int | None = Field(description="Working days past the next due time; null if not late")
    urge_count: int
    last_urge_at: LocalDateTime | None
    last_report_at: LocalDateTime | None
    pending_extension: PendingExtensionOut | None
    may_urge: bool
    version: int


class OverdueByUnitOut(Out):
    unit: UnitRef
    tracks: int
    items: int
    since: LocalDateTime = Field(description="The earliest missed due time")
    late_days: int


class WorkbenchFiltersOut(Out):
    unit: UnitRef | None
    source: str | None
    category: str | None
    plan: int | None
    days: int


class WorkbenchOut(Out):
    at: LocalDateTime
    filters: WorkbenchFiltersOut
    stale_cutoff: LocalDateTime
    sections: list[SectionOut]
    section: SectionIn
    total: int = Field(description="Rows of the section (= its track count)")
    limit: int
    offset: int
    rows: list[WorkbenchRow]
    overdue_by_unit: list[OverdueByUnitOut] = Field(description="已逾期 by handling unit (always listed)")


class UrgeManyIn(Schema):
    track_ids: list[Id] = Field(max_length=wb_services.MAX_BATCH, description="1–200 承办记录 ids")
    message: str = Field("", max_length=2000, description=f"Up to {wb_services.MAX_MESSAGE} characters")


class UrgedOut(Out):
    id: int
    track_id: int
    item_id: int
    message: str
    created_at: LocalDateTime


class UrgeManyOut(Out):
    tracks: int
    items: int
    urges: list[UrgedOut]


# ---------------------------------------------------------------------------------------------
# 领导驾驶舱 (the same dict as /dashboard/<code>/data.json)


class HeadlineOut(Open):
    open: int
    red: int
    closed_month: int
    closed: int
    on_time: int
    rate: float | None


class DashboardUnitOut(Open):
    code: str
    name: str
    open: int
    red: int
    yellow: int
    green: int


class TrendOut(Open):
    month: str
    closed: int
    on_time: int
    rate: float | None


class AgeingOut(Open):
    key: str
    label: str
    tracks: int


class LongestOut(Open):
    item_id: int
    title: str
    unit: str
    due: str
    days: int


class DashboardTargetsOut(Open):
    total: int
    classes: list[dict[str, Any]]
    worst: list[dict[str, Any]]


class DashboardInstructionOut(Open):
    item_id: int
    title: str
    text: str
    at: str
    light: str
    rating: str | None


class DashboardOut(Open):
    unit: UnitRef
    at: str
    period: dict[str, str]
    headline: dict[str, HeadlineOut]
    units: list[DashboardUnitOut]
    trend: list[TrendOut]
    ageing: list[AgeingOut]
    longest: list[LongestOut]
    targets: DashboardTargetsOut
    instructions: list[DashboardInstructionOut]


# ---------------------------------------------------------------------------------------------
# 通报


class BulletinRow(Schema):
    id: int
    title: str
    issuer: UnitRef
    scope: UnitRef
    period_kind: str
    period_start: dt.date
    period_end: dt.date
    period_label: str
    published_at: LocalDateTime

    @staticmethod
    def resolve_issuer(obj) -> dict:
        return {"code": obj.issuer_unit.code, "name": obj.issuer_unit.name}

    @staticmethod
    def resolve_scope(obj) -> dict:
        return {"code": obj.scope_unit.code, "name": obj.scope_unit.name}

    @staticmethod
    def resolve_period_label(obj) -> str:
        return str((obj.data or {}).get("period", {}).get("label", ""))


class BulletinOut(Out):
    id: int
    title: str
    issuer: UnitRef
    scope: UnitRef
    period_kind: str
    period_start: dt.date
    period_end: dt.date
    published_at: LocalDateTime
    published_by: UserRef
    data: dict[str, Any] = Field(description="The figures as published (frozen)")


class BulletinPeriodIn(Schema):
    kind: PeriodKindIn
    year: int | None = Field(None, ge=1900, le=2100)
    month: int | None = Field(None, ge=1, le=12)
    quarter: int | None = Field(None, ge=1, le=4)
    start: Day | None = Field(None, description="kind=dates")
    end: Day | None = Field(None, description="kind=dates")
    scope: str | None = Field(None, max_length=32, description="A unit code in the viewer's subtree")


class PreviewOut(Out):
    title: str
    saved: bool = Field(description="Always false: a preview stores nothing")
    data: dict[str, Any]
