"""Request and response shapes of the HTTP API.

Response datetimes are serialised in Asia/Shanghai (``+08:00``) whatever zone they were read
in, so a script sees the same wall-clock deadlines as the web UI.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Path, Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer
from pydantic_core import PydanticCustomError

from duban.core.cleaning import MAX_ID, YEAR_MAX, YEAR_MIN
from duban.core.clock import now, to_local
from duban.items import status


def _local_iso(value: dt.datetime) -> str:
    return to_local(value).isoformat()


LocalDateTime = Annotated[dt.datetime, PlainSerializer(_local_iso, return_type=str, when_used="always")]

Light = Literal["red", "yellow", "green", "closed"]
RowLight = Literal["red", "yellow", "green", "closed", "waiting", "draft"]
NodeLight = Literal["red", "yellow", "green", "done"]
RatingIn = Literal["excellent", "good", "pass", "fail"]
ReportKindIn = Literal["deploy", "feedback", "progress", "result"]
CategoryIn = Literal["general", "major", "continuous"]
SourceIn = Literal["work_report", "meeting", "instruction", "key_project", "reform", "public_lead"]


def _in_years(day: dt.date) -> dt.date:
    # A date near year 9999 overflows the first deadline computed from it (a server error).
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise PydanticCustomError("date_out_of_range", f"的年份须在 {YEAR_MIN}–{YEAR_MAX} 之间")
    return day


# Input bounds, so no value overflows a bigint column or date arithmetic.
Day = Annotated[dt.date, AfterValidator(_in_years)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=0, le=MAX_ID)]
# Unit codes are looked up in one query: a few hundred at most, each no longer than a code.
UnitCodes = Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=1000)]


def _at(context) -> dt.datetime:
    # One clock for the whole response, set by the endpoint, so every row is judged at once.
    request = (context or {}).get("request")
    return getattr(request, "duban_at", None) or now()


class Out(BaseModel):
    """A response shape the API builds as plain values (dicts, or objects read by attribute).

    Plain pydantic: ninja's ``Schema`` wraps every object it validates in a ``DjangoGetter``
    (≈50 µs an object), which for a queue of 160 rows was most of the response time. Shapes
    read from model instances through resolvers stay ``Schema``s (``ItemRow``, ``TrackRow``)."""

    model_config = ConfigDict(from_attributes=True)


class Error(Out):
    code: str
    message: str
    detail: Any = None


# Every operation's error answers: 400 for a body that is not JSON, 413 for one too large, 415 for
# one of another type; the rest are refusals (duban.core.errors).
ERRORS: dict[int, Any] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    413: Error,
    415: Error,
    422: Error,
}


# ---------------------------------------------------------------------------------------------
# Small shared pieces


class UnitRef(Out):
    code: str
    name: str


class UnitOut(Out):
    code: str
    name: str
    short_name: str
    kind: str
    path: str
    parent_code: str | None


class UserRef(Out):
    id: int
    username: str
    display_name: str


class MeOut(Out):
    id: int
    username: str
    display_name: str
    role: str
    unit: UnitOut | None
    can_register: bool
    auth: Literal["token", "session"]


# ---------------------------------------------------------------------------------------------
# Items and tracks


class NodeOut(Out):
    kind: str
    seq: int
    due_at: LocalDateTime
    original_due_at: LocalDateTime
    done_at: LocalDateTime | None
    late_seconds: int = Field(description="How late it was done, or is now if still open; 0 when on time")
    light: NodeLight
    assumed_calendar: bool


class AttachmentOut(Out):
    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: LocalDateTime


class ReportOut(Out):
    id: int
    kind: str
    done: str
    next_steps: str
    problems: str
    support_needed: str
    author: UserRef
    created_at: LocalDateTime
    late: bool
    attachments: list[AttachmentOut]


class ReviewOut(Out):
    id: int
    decision: str
    rating: str
    comment: str
    reviewer: UserRef
    created_at: LocalDateTime


class ExtensionOut(Out):
    id: int
    track_id: int
    node_kind: str
    reason: str
    proposed_due: dt.date
    state: str
    requested_by: UserRef
    requested_at: LocalDateTime
    decided_by: UserRef | None
    decided_at: LocalDateTime | None
    decision_note: str


class UrgeOut(Out):
    id: int
    message: str
    by: UserRef
    created_at: LocalDateTime


class InstructionOut(Out):
    id: int
    text: str
    by: UserRef
    created_at: LocalDateTime


class TrackRow(Schema):
    """A queue row, read from a ``Track`` with its item and unit loaded (the paginated tab)."""

    id: int
    item_id: int
    item_title: str
    unit: UnitRef
    role: str
    parent_id: int | None
    state: str
    light: RowLight
    next_due_at: LocalDateTime | None
    last_urged_at: LocalDateTime | None
    version: int

    @staticmethod
    def resolve_item_title(obj) -> str:
        return obj.item.title

    @staticmethod
    def resolve_light(obj, context) -> str:
        return status.track_light(obj, _at(context))


class TrackSummary(Out):
    id: int
    item_id: int
    item_title: str
    unit: UnitRef
    role: str
    parent_id: int | None
    state: str
    light: RowLight
    next_due_at: LocalDateTime | None
    last_urged_at: LocalDateTime | None
    version: int


class ActionOut(Out):
    name: str = Field(description="sign, report_deploy … decide_extension; assign, instruct on an item")
    allowed: bool
    code: str = Field(description="Stable refusal code when not allowed (the code the action would return)")
    reason: str = Field(description="Why not, in Chinese; empty when allowed")


class TrackOut(TrackSummary):
    actions: list[ActionOut] = Field(
        description="Every action on this track, allowed for the caller now or not"
    )
    assignee: UserRef | None
    assigned_at: LocalDateTime
    signed_at: LocalDateTime | None
    closed_at: LocalDateTime | None
    rating: str
    nodes: list[NodeOut]


class TrackDetail(TrackOut):
    reports: list[ReportOut]
    reviews: list[ReviewOut]
    extensions: list[ExtensionOut]
    urges: list[UrgeOut]


class ItemRow(Schema):
    """An item row, read from an ``Item`` whose ``tracks`` (with units) are prefetched."""

    id: int
    title: str
    source: str
    category: str
    issuer: UnitRef = Field(alias="issuer_unit")
    created_at: LocalDateTime
    assigned_at: LocalDateTime | None
    light: RowLight
    units: list[UnitRef]
    version: int

    @staticmethod
    def resolve_light(obj, context) -> str:
        return status.item_light(list(obj.tracks.all()), _at(context))

    @staticmethod
    def resolve_units(obj) -> list:
        return [t.unit for t in obj.tracks.all() if t.parent_id is None]


class ItemDetail(Out):
    id: int
    title: str
    actions: list[ActionOut]
    body: str
    source: str
    category: str
    issuer: UnitRef
    created_by: UserRef
    created_at: LocalDateTime
    assigned_at: LocalDateTime | None
    final_due: dt.date | None
    progress_days: list[str]
    external_id: str | None
    light: RowLight
    version: int
    attachments: list[AttachmentOut]
    instructions: list[InstructionOut]
    tracks: list[TrackDetail]


class EventOut(Out):
    seq: int
    at: LocalDateTime
    action: str
    actor: UserRef | None
    actor_unit: UnitRef | None
    track_id: int | None
    object_type: str
    object_id: int | None
    old: Any = None
    new: Any = None
    payload: Any = None


class QueueOut(Out):
    counts: dict[str, int]
    rows: dict[str, list[TrackSummary]]


class BoardRow(Out):
    unit: UnitRef
    red: int
    yellow: int
    green: int
    closed: int
    total: int


class DeadlineOut(Out):
    node: str
    due: str


# ---------------------------------------------------------------------------------------------
# Inputs


class RegisterIn(Schema):
    title: str
    body: str = ""
    source: SourceIn = "meeting"
    category: CategoryIn = "general"
    final_due: Day | None = None
    progress_days: list[Day] = Field(default=[], max_length=1200)
    external_id: str | None = None
    not_classified: bool = Field(
        strict=True,
        description="The registrar confirms the matter involves no state secret (本事项不涉及国家秘密); "
        "required, and false is refused (code not_confirmed)",
    )
    lead: UnitCodes = Field(default=[], description="Lead unit codes; with them the item is assigned at once")
    coop: UnitCodes = Field(default=[], description="Co-operating unit codes")


class AssignIn(Schema):
    lead: UnitCodes
    coop: UnitCodes = []


class AssignOut(Out):
    item_id: int
    item_version: int
    tracks: list[TrackOut]


class VersionIn(Schema):
    expected_version: Version | None = None


class ReturnIn(VersionIn):
    reason: str
    working_days: int | None = Field(None, description="1–60 working days; default 3")


class CloseIn(VersionIn):
    rating: RatingIn
    comment: str = ""


class ExtensionIn(VersionIn):
    reason: str
    proposed_due: Day


class DecideIn(VersionIn):
    decision: Literal["grant", "refuse"]
    note: str = ""
    due: Day | None = Field(default=None, description="Grant until this day instead of the one asked for")


class UrgeIn(VersionIn):
    message: str = ""


class RouteIn(VersionIn):
    assignee: str = Field(description="Username of a person in the handling unit")


class PassDownIn(VersionIn):
    units: UnitCodes


class InstructionIn(Schema):
    text: str


class ReportResult(Out):
    report: ReportOut
    track: TrackOut


class ExtensionResult(Out):
    extension: ExtensionOut
    track: TrackOut


class UrgeResult(Out):
    urge: UrgeOut
    track: TrackOut


class PassDownResult(Out):
    track: TrackOut
    children: list[TrackOut]


# ---------------------------------------------------------------------------------------------
# Inbox (站内消息)


class InboxRow(Schema):
    """One inbox entry, read from a ``Notification`` with its ``alert`` joined."""

    id: int
    kind: str = Field(alias="alert.kind")
    kind_label: str = Field(alias="alert.kind_label")
    title: str = Field(alias="alert.title")
    body: str = Field(alias="alert.body")
    url: str = Field(alias="alert.url")
    item_id: int | None = Field(alias="alert.item_id")
    created_at: LocalDateTime
    read_at: LocalDateTime | None


class UnreadOut(Out):
    unread: int
