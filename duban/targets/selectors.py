"""Reads of targets. Visibility is decided here and only here; classes are derived here (through
the pure ``progress`` core) and nowhere else.

Who sees a target: it follows the item — and, for the shares of an allocated target, the
hierarchy: the issuing side sees every share; a unit sees the targets it owns and the shares of
units below it (a city its own share and its counties', never another city's).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast

from duban.core import sqlrows
from duban.core.clock import local_today, to_local
from duban.core.errors import NotFound
from duban.items.models import Track
from duban.items.selectors import sees_whole_subtree
from duban.orgs.models import OrgUnit, UnitKind, subtree_filter

from . import progress, series
from .models import Figure, FigureSource, Target
from .progress import Klass, Point, Reading, Spec
from .series import Filed


def _visibility_q(user) -> Q:
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return Q(pk__in=[])
    path = user.unit.path
    # ``issuer_path`` is the issuing unit's path: "issued by my unit" without a join to items.
    if sees_whole_subtree(user):
        # Every track below an overseer's unit is visible to it, so a share owned below is too.
        return subtree_filter("issuer_path", path) | subtree_filter("unit_path", path)
    # Clerks and heads: the item must be theirs (issued by, or a track held by, their unit), and
    # the target their own or a share below them.
    holds = Track.objects.filter(item=OuterRef("item_id"), unit_id=user.unit_id)
    return Q(issuer_path=path) | (subtree_filter("unit_path", path) & Q(Exists(holds)))


def targets_visible_to(user) -> QuerySet[Target]:
    return Target.objects.filter(_visibility_q(user))


_RELATED = ("item", "item__issuer_unit", "track", "track__unit", "unit", "parent", "parent__unit")


def get_target(user, pk) -> Target:
    try:
        return targets_visible_to(user).select_related(*_RELATED).get(pk=pk)
    except (Target.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("指标不存在或无权查看") from None


def spec_of(target: Target) -> Spec:
    return _spec(target)


def _spec(target) -> Spec:
    """A target's terms for the pure core, from its model instance or its plain row."""
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
    unit: dict[dt.date, Filed] = field(default_factory=dict)  # current figures by period
    stats: dict[dt.date, Filed] = field(default_factory=dict)
    rolled: dict[dt.date, float] = field(default_factory=dict)  # the shares' sum
    effective: dict[dt.date, float] = field(default_factory=dict)
    source_of: dict[dt.date, str] = field(default_factory=dict)  # "stats", "unit" or "rollup"
    mismatched: list[dt.date] = field(default_factory=list)  # 数据不一致
    children: int = 0

    @property
    def klass(self) -> Klass:
        return self.reading.klass

    @property
    def confidence(self) -> Filed | None:
        """The unit's latest own judgement (有把握完成 …), never merged into the class."""
        for day in sorted(self.unit, reverse=True):
            if self.unit[day].confidence:
                return self.unit[day]
        return None

    @property
    def inconsistent(self) -> bool:
        return bool(self.mismatched)


# What classing reads of a target: its terms and its stored series, as plain columns (a
# province's list classes thousands of targets and builds model instances only for its page).
# The series comes as its text: it is decoded only where a reading must be worked out anew.
_COLUMNS = (
    "id", "item_id", "parent_id", "kind", "unit_label", "value", "value_max", "plan_year", "baseline",
    "period", "due_day", "profile", "tolerance", "higher_is_better", "last_year", "created_at", "series_text",
)  # fmt: skip


def _rows(qs: QuerySet[Target], columns: Sequence[str]) -> list[tuple]:
    return list(qs.annotate(series_text=Cast("series", TextField())).values_list(*columns))


@dataclass(slots=True)
class _Row:
    pk: int
    item_id: int
    parent_id: int | None
    kind: str
    unit_label: str
    value: float
    value_max: float | None
    plan_year: int
    baseline: float | None
    period: str
    due_day: int
    profile: list | None
    tolerance: float
    higher_is_better: bool
    last_year: list | None
    created_at: dt.datetime | None
    series: dict

    @classmethod
    def of(cls, values: tuple) -> _Row:
        text = values[-1]
        return cls(*values[:-1], json.loads(text) if text else {})


@dataclass(slots=True)
class _Read:
    """A target's derived numbers, before its model instance is attached."""

    reading: Reading
    rolled: dict[dt.date, float]
    effective: dict[dt.date, float]
    source_of: dict[dt.date, str]
    mismatched: list[dt.date]
    children: int


def _shares(item_ids: Iterable[int], columns: Sequence[str]) -> dict[int, list[tuple]]:
    """The shares on these items, by parent — whoever may see them: a parent's roll-up is a sum
    its viewer may read even where the shares themselves are not theirs to see. A share is on its
    parent's item, so one query per 900 items finds every level."""
    items = sorted(set(item_ids))
    kids: dict[int, list[tuple]] = defaultdict(list)
    for start in range(0, len(items), 900):
        qs = Target.objects.filter(item_id__in=items[start : start + 900], parent__isnull=False)
        for values in _rows(qs, columns):
            kids[values[2]].append(values)
    return kids


# Readings memoised in the process on what they are worked out from: the target's version
# (every change of its terms bumps it), its stored figures, the same of each of its shares, the
# day, the period read and the tolerance. A filing or a correction changes the figures and so
# the key: nothing is read stale, and a province's list works out anew only what changed since
# it was last asked. (A target is never deleted — its item is held by the journal — so an id
# always names the same target.) Bounded, and lost with the process.
_MEMO: dict[int, tuple[tuple, _Read]] = {}
_MEMO_MAX = 200_000
# What the key is made of: (id, item, parent, version, figures as text).
_KEY = ("id", "item_id", "parent_id", "version", "series_text")


def _read_all(keyed: Sequence[tuple], today: dt.date, upto: dt.date | None) -> dict[int, _Read]:
    """The readings of the targets whose ``_KEY`` rows are given."""
    kids = _shares((r[1] for r in keyed), _KEY)
    ctx = (today, upto, stats_tolerance())
    keys: dict[int, tuple] = {}

    def key(values: tuple) -> tuple:
        pk = values[0]
        if pk not in keys:
            keys[pk] = (values[3], values[4], tuple(key(c) for c in kids.get(pk, ())))
        return keys[pk]

    out: dict[int, _Read] = {}
    todo: dict[int, tuple] = {}
    for values in keyed:
        k = (key(values), ctx)
        hit = _MEMO.get(values[0])
        if hit is not None and hit[0] == k:
            out[values[0]] = hit[1]
        else:
            todo[values[0]] = k
    if todo:
        if len(_MEMO) > _MEMO_MAX:
            _MEMO.clear()
        rows = [r for r in keyed if r[0] in todo]
        for pk, read in _work_out(rows, today, upto, ctx[2]).items():
            out[pk] = read
            _MEMO[pk] = (todo[pk], read)
    return out


def _work_out(keyed: Sequence[tuple], today: dt.date, upto: dt.date | None, tol: float) -> dict[int, _Read]:
    """The readings worked out from the full rows of these targets and of their shares."""
    ids = [r[0] for r in keyed]
    full: list[tuple] = []
    for start in range(0, len(ids), 900):
        full += _rows(Target.objects.filter(pk__in=ids[start : start + 900]), _COLUMNS)
    kids = _shares((r[1] for r in full), _COLUMNS)
    decoded: dict[int, _Row] = {}

    def row(values: tuple) -> _Row:
        if values[0] not in decoded:
            decoded[values[0]] = _Row.of(values)
        return decoded[values[0]]

    memo: dict[int, dict[dt.date, float]] = {}

    def effective_of(
        values: tuple,
    ) -> tuple[dict[dt.date, float], dict[dt.date, str], dict[dt.date, float], list]:
        r = row(values)
        unit, stats = series.values(r.series, r.plan_year)
        rolled: dict[dt.date, float] = {}
        children = kids.get(r.pk)
        if children and progress.summable(r.kind, r.unit_label):
            rolled = progress.roll_up([values_of(c) for c in children])
        if not stats and not rolled:  # the common case: only the unit's own figures
            return unit, dict.fromkeys(unit, "unit"), rolled, []
        merged, mismatched = progress.effective(unit, stats, tol)
        source_of = dict.fromkeys(unit, "unit") | dict.fromkeys(stats, "stats")
        for d, v in rolled.items():
            if d not in merged:
                merged[d] = v
                source_of[d] = "rollup"
        return merged, source_of, rolled, mismatched

    def values_of(values: tuple) -> dict[dt.date, float]:
        if values[0] not in memo:
            memo[values[0]] = effective_of(values)[0]
        return memo[values[0]]

    out = {}
    for values in full:
        merged, source_of, rolled, mismatched = effective_of(values)
        memo[values[0]] = merged
        reading = progress.read(_spec(row(values)), [Point(d, v) for d, v in merged.items()], today, upto)
        out[values[0]] = _Read(
            reading, rolled, dict(sorted(merged.items())), source_of, mismatched, len(kids.get(values[0], ()))
        )
    return out


def _status(t: Target, r: _Read) -> Status:
    unit, stats = series.unpack(t.series, t.plan_year)
    return Status(
        target=t,
        reading=r.reading,
        unit=unit,
        stats=stats,
        rolled=r.rolled,
        effective=r.effective,
        source_of=r.source_of,
        mismatched=r.mismatched,
        children=r.children,
    )


def statuses(
    targets: Sequence[Target], today: dt.date | None = None, upto: dt.date | None = None
) -> list[Status]:
    """Each target's status on ``today`` (default: today in Shanghai); with ``upto``, as it
    stood at that period's end (figures of later periods left out)."""
    # The figures as stored now, whatever the instances were loaded with (one query).
    keyed = _rows(Target.objects.filter(pk__in=[t.pk for t in targets]), _KEY)
    fresh = {r[0]: r[4] for r in keyed}
    for t in targets:
        if t.pk in fresh:
            t.series = json.loads(fresh[t.pk] or "{}")
    reads = _read_all(keyed, today or local_today(), upto)
    return [_status(t, reads[t.pk]) for t in targets if t.pk in reads]


def status_of(target: Target, today: dt.date | None = None) -> Status:
    return statuses([target], today)[0]


# ---------------------------------------------------------------------------------------------
# Lists


class Page:
    """The statuses of a list, classed in full but built one page at a time: slicing loads the
    model instances of just those rows (a province's list classes thousands of targets; a page
    shows 50). ``len()`` and slices serve Django's paginator and the API's."""

    def __init__(self, ids: list[int], reads: dict[int, _Read]) -> None:
        self.ids, self.reads = ids, reads

    def __len__(self) -> int:
        return len(self.ids)

    def count(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0] if index >= 0 else self[len(self) + index :][0]
        wanted = self.ids[index]
        by_id = {t.pk: t for t in Target.objects.filter(pk__in=wanted).select_related(*_LIST_RELATED)}
        return [_status(by_id[i], self.reads[i]) for i in wanted if i in by_id]

    def __iter__(self):
        for start in range(0, len(self.ids), 500):
            yield from self[start : start + 500]


_LIST_RELATED = ("item", "unit", "track", "parent")


@dataclass
class TargetList:
    rows: Page  # after every filter, in list order
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
    qs = targets_visible_to(user)
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
    rows = _rows(qs.order_by("item_id", "parent_id", "id"), _KEY)
    reads = _read_all(rows, today or local_today(), upto)
    counts = {k.value: 0 for k in progress.KLASS_ORDER}
    for r in reads.values():
        counts[r.reading.klass.value] += 1
    ids = [r[0] for r in rows if not klass or reads[r[0]].reading.klass.value == klass]
    return TargetList(rows=Page(ids, reads), counts=counts, total=len(rows))


def any_target_read(item_id: int) -> tuple[str, list]:
    """Whether an item has targets at all, as a read (SQL, parameters) a page can send along
    with its others: one row if it has."""
    return f"SELECT 1 FROM {Target._meta.db_table} WHERE item_id = %s LIMIT 1", [int(item_id)]


def item_targets(
    user, item_id: int, today: dt.date | None = None, *, probed: list | None = None
) -> list[Status]:
    """The targets of one item the viewer may see (the item page's 指标 block). ``probed``: the
    rows of ``any_target_read`` when the caller has already read them."""
    # Most items have no target: a plain probe of the item's index spares them compiling the
    # visibility query (≈2 ms of the item page).
    if probed is None:
        probed = sqlrows.query(*any_target_read(item_id))
    if not probed:
        return []
    qs = targets_visible_to(user).filter(item_id=item_id).select_related("item", "unit", "track", "parent")
    return statuses(list(qs.order_by("parent_id", "id")), today)


def children_statuses(user, target: Target, today: dt.date | None = None) -> list[Status]:
    """The shares of a target the viewer may see, each with its status (the drill-down)."""
    qs = targets_visible_to(user).filter(parent=target).select_related("item", "unit", "track", "parent")
    return statuses(list(qs.order_by("unit__path")), today)


def current_figures(target_ids: Iterable[int]) -> dict[int, dict[str, dict[dt.date, Figure]]]:
    """The current version of every figure of the targets, by source and period, as rows with
    their notes (the import template shows what was filed; the lists read ``Target.series``)."""
    out: dict[int, dict[str, dict[dt.date, Figure]]] = defaultdict(lambda: {"unit": {}, "stats": {}})
    ids = list(target_ids)
    for start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
        # Ascending version: the last one seen for a period is the current one.
        for f in Figure.objects.filter(target_id__in=ids[start : start + 900]).order_by(
            "target_id", "period_end", "version"
        ):
            out[f.target_id][f.source][f.period_end] = f
    return out


def figure_history(target: Target) -> list[Figure]:
    """Every filing of a target, corrections included, newest first (the figures table)."""
    return list(
        target.figures.select_related("author", "report")
        .prefetch_related("evidence")
        .order_by("-period_end", "source", "-version")
    )


def load_items(due: list[tuple[Target, dt.date, dt.date]]) -> None:
    """The items of ``figures_due``'s targets, for the 待报送指标 tab only (``figures_due`` reads
    what every queue page needs, which is not the items' titles)."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(list({t.pk: t for t, _end, _day in due}.values()), "item")


# What ``figures_due`` reads of a target (its terms, and what the 待报送指标 tab shows) and of
# its track (who may file: ``can_handle``).
_DUE_ROWS = sqlrows.ModelRows(
    Target,
    ("id", "item", "track", "unit", "indicator", "unit_label", "kind", "value", "value_max")
    + ("plan_year", "baseline", "period", "due_day", "profile", "tolerance", "higher_is_better")
    + ("last_year", "created_at"),
)
_DUE_TRACK_ROWS = sqlrows.ModelRows(Track, ("id", "unit", "assignee"))


def figures_due(
    user, today: dt.date | None = None, within_days: int = 5
) -> list[tuple[Target, dt.date, dt.date]]:
    """待报送指标: the targets whose figures this user files, with each period that has ended
    and is due within ``within_days`` (or overdue) and not yet reported — (target, period, due)."""
    from duban.items.rules import can_handle

    today = today or local_today()
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return []
    # Hand-written (core.sqlrows): this runs on every queue page of everyone who may file, and
    # the ORM's compilation and full rows (items' bodies, every JSON column) were most of it.
    q = connection.ops.quote_name
    T, K = _DUE_ROWS, _DUE_TRACK_ROWS
    rows = sqlrows.query(
        f"SELECT {T.columns('x')}, {K.columns('t')} FROM {q(Target._meta.db_table)} x "
        f"JOIN {q(Track._meta.db_table)} t ON t.{q('id')} = x.{q('track_id')} "
        f"WHERE x.{q('unit_id')} = %s AND x.{q('plan_year')} IN (%s, %s) ORDER BY x.{q('id')}",
        [user.unit_id, today.year - 1, today.year],
        binary=True,
    )
    targets = []
    make_target, make_track = T.maker(), K.maker()  # bound once, not per row
    for row in rows:
        target, track = make_target(row), make_track(row, T.width)
        if can_handle(user, track):
            sqlrows.cache_related(target, "track", track)
            targets.append(target)
    have: dict[int, set[dt.date]] = defaultdict(set)
    if targets:
        # A unit files for tens of targets a year, never more than a statement's parameters.
        where, params = sqlrows.in_ids(q("target_id"), [t.pk for t in targets])
        for tid, day in sqlrows.query(
            f"SELECT {q('target_id')}, {q('period_end')} FROM {q(Figure._meta.db_table)} "
            f"WHERE {q('source')} = %s AND {where}",
            [FigureSource.UNIT, *params],
            binary=True,
        ):
            have[tid].add(day if isinstance(day, dt.date) else dt.date.fromisoformat(day))
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
