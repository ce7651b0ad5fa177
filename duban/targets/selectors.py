"""Reads of targets. Visibility is decided here and only here; classes are derived here (through
the pure ``progress`` core) and nowhere else.

Who sees a target: it follows the item — and, for the shares of an allocated target, the
hierarchy: the issuing side sees every share; a unit sees the targets it owns and the shares of
units below it (a city its own share and its counties', never another city's).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from duban.core.clock import local_today, to_local
from duban.core.errors import NotFound
from duban.items.models import Track
from duban.items.selectors import sees_whole_subtree
from duban.orgs.models import OrgUnit, UnitKind, subtree_filter

from . import progress
from .models import Confidence, Figure, FigureSource, Target
from .progress import Klass, Point, Reading, Spec


def _visibility_q(user) -> Q:
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return Q(pk__in=[])
    path = user.unit.path
    if sees_whole_subtree(user):
        # Every track below an overseer's unit is visible to it, so a share owned below is too.
        return (
            Q(item__issuer_unit_id=user.unit_id)
            | subtree_filter("issuer_path", path)
            | subtree_filter("unit_path", path)
        )
    # Clerks and heads: the item must be theirs (issued by, or a track held by, their unit), and
    # the target their own or a share below them.
    holds = Track.objects.filter(item=OuterRef("item_id"), unit_id=user.unit_id)
    return Q(item__issuer_unit_id=user.unit_id) | (subtree_filter("unit_path", path) & Q(Exists(holds)))


def targets_visible_to(user) -> QuerySet[Target]:
    return Target.objects.filter(_visibility_q(user))


_RELATED = ("item", "item__issuer_unit", "track", "track__unit", "unit", "parent", "parent__unit")


def get_target(user, pk) -> Target:
    try:
        return targets_visible_to(user).select_related(*_RELATED).get(pk=pk)
    except (Target.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("指标不存在或无权查看") from None


def spec_of(target: Target) -> Spec:
    return Spec(
        kind=progress.Kind(target.kind),
        value=target.value,
        value_max=target.value_max,
        plan_year=target.plan_year,
        baseline=target.baseline,
        period=progress.Period(target.period),
        due_day=target.due_day,
        profile=target.profile or None,
        tolerance=target.tolerance,
        higher_is_better=target.higher_is_better,
        last_year=target.last_year or None,
        since=to_local(target.created_at).date() if target.created_at else None,
    )


def stats_tolerance() -> float:
    return float(getattr(settings, "DUBAN_TARGET_STATS_TOLERANCE", 0.02))


# ---------------------------------------------------------------------------------------------
# Figures and the derived status


@dataclass
class Status:
    """A target as read on a day: its figures by period and source, what classing reads, and
    the class — everything a list row, the target page and the API show."""

    target: Target
    reading: Reading
    unit: dict[dt.date, FigureRow] = field(default_factory=dict)  # current version per period
    stats: dict[dt.date, FigureRow] = field(default_factory=dict)
    rolled: dict[dt.date, float] = field(default_factory=dict)  # the shares' sum
    effective: dict[dt.date, float] = field(default_factory=dict)
    source_of: dict[dt.date, str] = field(default_factory=dict)  # "stats", "unit" or "rollup"
    mismatched: list[dt.date] = field(default_factory=list)  # 数据不一致
    children: int = 0

    @property
    def klass(self) -> Klass:
        return self.reading.klass

    @property
    def confidence(self) -> FigureRow | None:
        """The unit's latest own judgement (有把握完成 …), never merged into the class."""
        for day in sorted(self.unit, reverse=True):
            if self.unit[day].confidence:
                return self.unit[day]
        return None

    @property
    def inconsistent(self) -> bool:
        return bool(self.mismatched)


class FigureRow:
    """A figure as lists read it: the columns, without a model instance (a province's list
    reads tens of thousands). Has what a ``Figure`` offers the templates and the API."""

    __slots__ = (
        "pk",
        "target_id",
        "period_end",
        "source",
        "version",
        "value",
        "note",
        "confidence",
        "confidence_reason",
        "author_id",
        "created_at",
    )
    COLUMNS = __slots__

    def __init__(self, *values) -> None:
        for name, value in zip(self.COLUMNS, values, strict=True):
            setattr(self, name, value)

    @property
    def id(self) -> int:
        return self.pk

    def get_confidence_display(self) -> str:
        return str(Confidence(self.confidence).label) if self.confidence else ""

    def get_source_display(self) -> str:
        return str(FigureSource(self.source).label)


def current_figures(target_ids: Iterable[int]) -> dict[int, dict[str, dict[dt.date, FigureRow]]]:
    """The current version of every figure of the targets, by source and period."""
    out: dict[int, dict[str, dict[dt.date, FigureRow]]] = defaultdict(lambda: {"unit": {}, "stats": {}})
    ids = list(target_ids)
    for start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
        chunk = ids[start : start + 900]
        # Ascending version: the last one seen for a period is the current one.
        rows = (
            Figure.objects.filter(target_id__in=chunk)
            .order_by("target_id", "period_end", "version")
            .values_list(*FigureRow.COLUMNS)
        )
        for values in rows:
            f = FigureRow(*values)
            out[f.target_id][f.source][f.period_end] = f
    return out


def _descendants(targets: Sequence[Target]) -> dict[int, list[Target]]:
    """Children of each target and of their children, whoever may see them: a parent's roll-up
    is a sum its viewer may read even where the shares themselves are not theirs to see."""
    kids: dict[int, list[Target]] = defaultdict(list)
    frontier = [t.pk for t in targets]
    seen = set(frontier)
    while frontier:
        rows = []
        for start in range(0, len(frontier), 900):
            rows += list(
                Target.objects.filter(parent_id__in=frontier[start : start + 900]).only(
                    "id", "parent_id", "kind", "unit_label", "value", "plan_year"
                )
            )
        frontier = []
        for row in rows:
            kids[row.parent_id].append(row)
            if row.pk not in seen:
                seen.add(row.pk)
                frontier.append(row.pk)
    return kids


def statuses(
    targets: Sequence[Target], today: dt.date | None = None, upto: dt.date | None = None
) -> list[Status]:
    """Each target's status on ``today`` (default: today in Shanghai); with ``upto``, as it
    stood at that period's end (figures of later periods left out)."""
    today = today or local_today()
    kids = _descendants(targets)
    all_ids = {t.pk for t in targets} | {c.pk for cs in kids.values() for c in cs}
    figs = current_figures(all_ids)
    tol = stats_tolerance()
    memo: dict[int, dict[dt.date, float]] = {}

    def effective_of(
        t: Target,
    ) -> tuple[dict[dt.date, float], dict[dt.date, str], dict[dt.date, float], list]:
        own = figs.get(t.pk) or {"unit": {}, "stats": {}}
        unit = {d: f.value for d, f in own["unit"].items()}
        stats = {d: f.value for d, f in own["stats"].items()}
        rolled: dict[dt.date, float] = {}
        children = kids.get(t.pk, [])
        if children and progress.summable(t.kind, t.unit_label):
            rolled = progress.roll_up([values_of(c) for c in children])
        merged, mismatched = progress.effective(unit, stats, tol)
        source_of = {d: "unit" for d in unit} | {d: "stats" for d in stats}
        for d, v in rolled.items():
            if d not in merged:
                merged[d] = v
                source_of[d] = "rollup"
        return merged, source_of, rolled, mismatched

    def values_of(t: Target) -> dict[dt.date, float]:
        if t.pk not in memo:
            memo[t.pk] = effective_of(t)[0]
        return memo[t.pk]

    out = []
    for t in targets:
        merged, source_of, rolled, mismatched = effective_of(t)
        memo[t.pk] = merged
        spec = spec_of(t)
        reading = progress.read(spec, [Point(d, v) for d, v in merged.items()], today, upto)
        own = figs.get(t.pk) or {"unit": {}, "stats": {}}
        out.append(
            Status(
                target=t,
                reading=reading,
                unit=own["unit"],
                stats=own["stats"],
                rolled=rolled,
                effective=dict(sorted(merged.items())),
                source_of=source_of,
                mismatched=mismatched,
                children=len(kids.get(t.pk, [])),
            )
        )
    return out


def status_of(target: Target, today: dt.date | None = None) -> Status:
    return statuses([target], today)[0]


# ---------------------------------------------------------------------------------------------
# Lists


@dataclass
class TargetList:
    rows: list[Status]  # after every filter, in list order
    counts: dict[str, int]  # per class, over the rows before the class filter
    total: int


def target_list(
    user,
    *,
    plan_year: int | None = None,
    klass: str | None = None,
    unit_path: str | None = None,
    kind: str | None = None,
    section: str | None = None,
    q: str | None = None,
    item_id: int | None = None,
    today: dt.date | None = None,
    upto: dt.date | None = None,
    top_only: bool = False,
) -> TargetList:
    """The 指标 list: visible targets matching the filters, each with its derived class, and the
    count of each class at the top (counted before the class filter, so the counts are links)."""
    qs = targets_visible_to(user).select_related("item", "unit", "track", "parent")
    if plan_year:
        qs = qs.filter(plan_year=plan_year)
    if unit_path:
        qs = qs.filter(subtree_filter("unit_path", unit_path))
    if kind:
        qs = qs.filter(kind=kind)
    if section:
        qs = qs.filter(source_ref__section=section)
    if item_id:
        qs = qs.filter(item_id=item_id)
    if q:
        qs = qs.filter(indicator__icontains=q.strip()[:100])
    if top_only:
        qs = qs.filter(parent__isnull=True)
    rows = statuses(list(qs.order_by("item_id", "parent_id", "id")), today, upto)
    counts = {k.value: 0 for k in progress.KLASS_ORDER}
    for s in rows:
        counts[s.klass.value] += 1
    total = len(rows)
    if klass:
        rows = [s for s in rows if s.klass.value == klass]
    return TargetList(rows=rows, counts=counts, total=total)


def item_targets(user, item_id: int, today: dt.date | None = None) -> list[Status]:
    """The targets of one item the viewer may see (the item page's 指标 block)."""
    qs = targets_visible_to(user).filter(item_id=item_id).select_related("item", "unit", "track", "parent")
    return statuses(list(qs.order_by("parent_id", "id")), today)


def children_statuses(user, target: Target, today: dt.date | None = None) -> list[Status]:
    """The shares of a target the viewer may see, each with its status (the drill-down)."""
    qs = targets_visible_to(user).filter(parent=target).select_related("item", "unit", "track", "parent")
    return statuses(list(qs.order_by("unit__path")), today)


def figure_history(target: Target) -> list[Figure]:
    """Every filing of a target, corrections included, newest first (the figures table)."""
    return list(
        target.figures.select_related("author", "report")
        .prefetch_related("evidence")
        .order_by("-period_end", "source", "-version")
    )


def figures_due(
    user, today: dt.date | None = None, within_days: int = 5
) -> list[tuple[Target, dt.date, dt.date]]:
    """待报送指标: the targets whose figures this user files, with each period that has ended
    and is due within ``within_days`` (or overdue) and not yet reported — (target, period, due)."""
    from duban.items.rules import can_handle

    today = today or local_today()
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return []
    targets = list(
        Target.objects.filter(unit_id=user.unit_id, plan_year__in=(today.year - 1, today.year))
        .select_related("track", "item", "unit")
        .order_by("id")
    )
    targets = [t for t in targets if can_handle(user, t.track)]
    have: dict[int, set[dt.date]] = defaultdict(set)
    for tid, day in Figure.objects.filter(
        target__in=[t.pk for t in targets], source=FigureSource.UNIT
    ).values_list("target_id", "period_end"):
        have[tid].add(day)
    horizon = today + dt.timedelta(days=within_days)
    out = []
    for t in targets:
        spec = spec_of(t)
        for end in progress.period_ends(t.plan_year, t.period):
            due = progress.due_date(spec, end)
            demanded = spec.since is None or due >= spec.since
            if end < today and due <= horizon and demanded and end not in have[t.pk]:
                out.append((t, end, due))
    out.sort(key=lambda row: (row[2], row[0].pk))
    return out


# ---------------------------------------------------------------------------------------------
# Units, for the list's filter and the allocation form


def find_unit(text: str) -> OrgUnit | None:
    """A unit named by its code or its full name (the list's 单位 filter)."""
    text = (text or "").strip()[:100]
    if not text:
        return None
    return OrgUnit.objects.filter(code=text[:32]).first() or OrgUnit.objects.filter(name=text).first()


def unit_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(OrgUnit.objects.filter(code__in=[c for c in codes if c][:1000]).values_list("code", "name"))


def allocation_candidates(target: Target, limit: int = 200) -> list[OrgUnit]:
    """The governments one level below the owning unit's: a province's cities, a city's
    counties — the rows an allocation form starts with."""
    gov = target.track.unit.government
    return list(
        OrgUnit.objects.filter(
            subtree_filter("path", gov.path),
            depth=gov.depth + 1,
            kind__in=[UnitKind.CITY, UnitKind.COUNTY, UnitKind.TOWNSHIP],
        ).order_by("path")[:limit]
    )
