"""The shape of a decomposition (contract ``duban.workplan/1``), as typed dictionaries.

The parser's output is JSON (``duban decompose --format json``), so it stays plain dicts; these
types say which keys each has, and mypy holds the pipeline and its callers to them.
"""

from __future__ import annotations

from typing import TypedDict


class SourceInfo(TypedDict):
    name: str | None
    sha256: str
    encoding: str
    chars: int
    format: str


class PartInfo(TypedDict):
    number: str
    title: str
    start: int
    end: int


class SectionInfo(TypedDict):
    number: str
    title: str
    kind: str  # "review", "goals", "plan" or "other"
    plan_year: int | None
    start: int
    end: int
    parts: list[PartInfo]


class TargetInfo(TypedDict):
    text: str
    indicator: str
    value: int | float
    value_max: int | float | None
    unit: str
    comparator: str  # "=", ">=", "<=", "~", "range"
    plan_year: int | None
    start: int
    end: int


class DeadlineInfo(TypedDict):
    text: str
    date: str  # ISO date
    kind: str
    start: int
    end: int


class MilestoneInfo(DeadlineInfo):
    """One of a task's deadlines, with the part of the sentence it governs."""

    clause_start: int
    clause_end: int


class PlaceInfo(TypedDict):
    name: str
    code: str
    start: int
    end: int


class SuggestedUnit(TypedDict):
    name: str
    score: float
    because: list[str]  # the words of the task that matched


class TaskInfo(TypedDict):
    id: str  # "section.part.paragraph.sentence"
    section: str
    part: str
    theme: str
    short_title: str  # the action and object, at most 30 characters (titles.short_title)
    text: str
    start: int
    end: int
    plan_year: int | None
    targets: list[TargetInfo]
    deadline: DeadlineInfo | None  # the due date: the last "by" deadline (else the first)
    deadlines: list[MilestoneInfo]  # every deadline in text order ("上半年…，年底前…")
    places: list[PlaceInfo]
    suggested_units: list[SuggestedUnit]


class Decomposition(TypedDict):
    schema: str
    source: SourceInfo
    title: str
    plan_year: int  # a report whose year is unknown (and not given) is refused with bad_year
    sections: list[SectionInfo]
    tasks: list[TaskInfo]
    text: str  # the decoded text every offset points into
