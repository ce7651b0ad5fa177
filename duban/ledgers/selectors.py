"""Reads for the 五账 ledgers, the printable forms and the public progress page.

Nothing is stored here: every ledger is a view over items the viewer may see
(``items.selectors.items_visible_to``), their tracks, nodes, reports and reviews, and for 成效账
the targets' statuses (``targets.selectors``). A ledger's rows are plain tuples of display values,
built a page (or an export chunk) at a time, so the page and the .xlsx show the same cells.

问题账's "answered" is derived, not stored: a problem or a request for support raised in a report
counts as answered once the issuing side responded on that track after the report — a review
(退回 or 办结, with its comment), a decision on an extension of that track, or a leader's 批示 on
the item. A later report of the handling unit itself is not an answer to its own request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from duban.core.clock import SHANGHAI, end_of_day, now
from duban.core.errors import NotFound
from duban.items import selectors as item_selectors
from duban.items import status
from duban.items.models import (
    Category,
    Decision,
    Extension,
    ExtensionState,
    Instruction,
    Item,
    Node,
    NodeKind,
    Rating,
    Report,
    ReportKind,
    Review,
    Source,
    Track,
    TrackRole,
    TrackState,
    Urge,
)
from duban.orgs.models import OrgUnit, subtree_filter

Cell = str | int | None


@dataclass(frozen=True)
class Filters:
    """What a ledger is narrowed to; every value already checked by the view."""

    unit: OrgUnit | None = None  # handling units in this subtree
    source: str = ""
    category: str = ""
    date_from: dt.date | None = None  # 立项时间, local dates, both ends included
    date_to: dt.date | None = None
    q: str = ""


def _fmt(value: dt.datetime | dt.date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(SHANGHAI).strftime(fmt)
    return value.strftime("%Y-%m-%d")


def _span(delta: dt.timedelta | None) -> str:
    if not delta or delta <= dt.timedelta(0):
        return ""
    seconds = int(delta.total_seconds())
    if seconds >= 86400:
        return f"{seconds // 86400} 天"
    if seconds >= 3600:
        return f"{seconds // 3600} 小时"
    return f"{max(1, seconds // 60)} 分钟"


def _person(user) -> str:
    return (user.display_name or user.username) if user is not None else ""


def ledger_items(user, f: Filters) -> QuerySet[Item]:
    """The items a ledger covers: visible to ``user``, narrowed by ``f``."""
    items = item_selectors.items_visible_to(user)
    if f.source:
        items = items.filter(source=f.source)
    if f.category:
        items = items.filter(category=f.category)
    if f.q:
        items = items.filter(title__icontains=f.q)
    if f.date_from:
        items = items.filter(created_at__gt=end_of_day(f.date_from) - dt.timedelta(days=1))
    if f.date_to:
        items = items.filter(created_at__lte=end_of_day(f.date_to))
    if f.unit is not None:
        items = items.filter(
            pk__in=Track.objects.filter(subtree_filter("unit_path", f.unit.path)).values("item_id")
        )
    return items


def _tracks(user, f: Filters) -> QuerySet[Track]:
    tracks = Track.objects.filter(item_id__in=ledger_items(user, f).values("pk"))
    if f.unit is not None:
        tracks = tracks.filter(subtree_filter("unit_path", f.unit.path))
    return tracks


# ---------------------------------------------------------------------------------------------
# The five ledgers: each a queryset of its row objects and a function from a chunk of them to rows


def _labels(choices) -> dict[str, str]:
    return {v: str(lb) for v, lb in choices}


def _top_tracks(items: list[Item]) -> dict[int, list[Track]]:
    by_item: dict[int, list[Track]] = {i.pk: [] for i in items}
    for t in (
        Track.objects.filter(item_id__in=list(by_item))
        .select_related("unit")
        .prefetch_related(Prefetch("nodes", queryset=Node.objects.order_by("seq")))
        .order_by("item_id", "parent_id", "role", "id")
    ):
        by_item[t.item_id].append(t)
    return by_item


def _deadline(item: Item, tracks: list[Track]) -> str:
    """By when the item must be done: the issuer's final date, else the latest result node due
    on a top-level track (after a return, the new one)."""
    if item.final_due:
        return _fmt(item.final_due)
    dues = [
        n.due_at for t in tracks if t.parent_id is None for n in t.nodes.all() if n.kind == NodeKind.RESULT
    ]
    return _fmt(max(dues)) if dues else ""


def _units(tracks: list[Track], role: str) -> str:
    return "、".join(t.unit.name for t in tracks if t.parent_id is None and t.role == role)


def _task_rows(user, items: list[Item]) -> list[tuple[Cell, ...]]:
    at = now()
    sources, categories = _labels(Source.choices), _labels(Category.choices)
    lights = _labels(status.LIGHT_LABELS.items())
    tracks = _top_tracks(items)
    rows = []
    for it in items:
        ts = tracks[it.pk]
        rows.append(
            (
                it.pk,
                it.title,
                sources.get(it.source, it.source),
                categories.get(it.category, it.category),
                it.issuer_unit.name,
                _fmt(it.created_at),
                _fmt(it.assigned_at),
                _deadline(it, ts),
                _units(ts, TrackRole.LEAD),
                _units(ts, TrackRole.COOP),
                lights.get(status.item_light(ts, at), ""),
            )
        )
    return rows


def _responsibility_rows(user, tracks: list[Track]) -> list[tuple[Cell, ...]]:
    roles, states = _labels(TrackRole.choices), _labels(TrackState.choices)
    rows = []
    for t in tracks:
        issuer = t.parent.unit.name if t.parent_id else t.item.issuer_unit.name
        role = roles.get(t.role, t.role) + ("（下派）" if t.parent_id else "")
        rows.append(
            (
                t.item_id,
                t.item.title,
                t.unit.name,
                role,
                issuer,
                _fmt(t.assigned_at),
                _person(t.signed_by),
                _fmt(t.signed_at),
                _person(t.assignee),
                states.get(t.state, t.state),
            )
        )
    return rows


def node_outcome(node: Node, track: Track, at: dt.datetime) -> str:
    """按时完成 / 逾期 N 天完成 / 已逾期 N 天 / 未到期 / 已办结不再需要."""
    if node.done_at is not None:
        late = node.done_at - node.due_at
        return f"逾期 {_span(late)}完成" if late > dt.timedelta(0) else "按时完成"
    if track.is_closed:
        return "已办结，不再需要"
    if at > node.due_at:
        return f"已逾期 {_span(at - node.due_at)}"
    return "未到期"


def _time_rows(user, nodes: list[Node]) -> list[tuple[Cell, ...]]:
    at = now()
    kinds = _labels(NodeKind.choices)
    rows = []
    for n in nodes:
        t = n.track
        rows.append(
            (
                t.item_id,
                t.item.title,
                t.unit.name,
                kinds.get(n.kind, n.kind),
                _fmt(n.due_at),
                _fmt(n.original_due_at) if n.original_due_at != n.due_at else "",
                _fmt(n.done_at),
                node_outcome(n, t, at),
            )
        )
    return rows


def answers(reports: Sequence[Report]) -> dict[int, tuple[str, dt.datetime] | None]:
    """Each report's first answer after it: (what, when), or None. Three queries for a chunk."""
    track_ids = {r.track_id for r in reports}
    item_ids = {r.track.item_id for r in reports}
    by_track: dict[int, list[tuple[dt.datetime, str]]] = {}
    decisions = _labels(Decision.choices)
    for tid, at, decision in Review.objects.filter(track_id__in=track_ids).values_list(
        "track_id", "created_at", "decision"
    ):
        by_track.setdefault(tid, []).append((at, f"审核{decisions.get(decision, '')}"))
    for tid, at in Extension.objects.filter(
        track_id__in=track_ids,
        decided_at__isnull=False,
        state__in=[ExtensionState.GRANTED, ExtensionState.REFUSED],
    ).values_list("track_id", "decided_at"):
        by_track.setdefault(tid, []).append((at, "延期审批"))
    by_item: dict[int, list[tuple[dt.datetime, str]]] = {}
    for iid, at in Instruction.objects.filter(item_id__in=item_ids).values_list("item_id", "created_at"):
        by_item.setdefault(iid, []).append((at, "领导批示"))
    out: dict[int, tuple[str, dt.datetime] | None] = {}
    for r in reports:
        later = [
            (at, what)
            for at, what in by_track.get(r.track_id, []) + by_item.get(r.track.item_id, [])
            if at > r.created_at
        ]
        first = min(later, default=None)
        out[r.pk] = (first[1], first[0]) if first else None
    return out


def _problem_rows(user, reports: list[Report]) -> list[tuple[Cell, ...]]:
    kinds = _labels(ReportKind.choices)
    answered = answers(reports)
    rows = []
    for r in reports:
        a = answered[r.pk]
        rows.append(
            (
                r.track.item_id,
                r.track.item.title,
                r.track.unit.name,
                kinds.get(r.kind, r.kind),
                _fmt(r.created_at),
                r.problems,
                r.support_needed,
                "已回应" if a else "未回应",
                f"{a[0]} {_fmt(a[1])}" if a else "",
            )
        )
    return rows


def on_time(track: Track) -> bool | None:
    """A closed track closed on time: its last result node done by its due time."""
    if not track.is_closed:
        return None
    results = [n for n in track.nodes.all() if n.kind == NodeKind.RESULT and n.done_at is not None]
    if not results:
        return None
    last = max(results, key=lambda n: n.seq)
    return last.done_at <= last.due_at


def _target_summary(user, items: list[Item]) -> dict[int, tuple[str, str]]:
    from duban.targets import progress
    from duban.targets import selectors as target_selectors

    targets = list(
        target_selectors.targets_visible_to(user)
        .filter(item_id__in=[i.pk for i in items], parent__isnull=True)
        .order_by("item_id", "id")
    )
    by_item: dict[int, list] = {}
    for s in target_selectors.statuses(targets):
        by_item.setdefault(s.target.item_id, []).append(s)
    out = {}
    done = {progress.Klass.DONE, progress.Klass.DONE_EARLY}
    for iid, ss in by_item.items():
        counts: dict = {}
        for s in ss:
            counts[s.klass] = counts.get(s.klass, 0) + 1
        text = "、".join(
            f"{progress.KLASS_LABELS[k]}{counts[k]}" for k in progress.KLASS_ORDER if k in counts
        )
        reached = sum(1 for s in ss if s.klass in done)
        out[iid] = (f"{reached}/{len(ss)}", text)
    return out


def _results_rows(user, items: list[Item]) -> list[tuple[Cell, ...]]:
    ratings = _labels(Rating.choices)
    tracks = _top_tracks(items)
    targets = _target_summary(user, items)
    rows = []
    for it in items:
        top = [t for t in tracks[it.pk] if t.parent_id is None]
        closed = [t for t in top if t.is_closed]
        all_closed = bool(top) and len(closed) == len(top)
        timely = [on_time(t) for t in closed]
        reached, classes = targets.get(it.pk, ("", ""))
        rows.append(
            (
                it.pk,
                it.title,
                _units(top, TrackRole.LEAD),
                f"{len(closed)}/{len(top)}",
                _fmt(max(t.closed_at for t in closed)) if all_closed else "",
                "、".join(f"{t.unit.name}：{ratings.get(t.rating, '')}" for t in closed if t.rating),
                "是" if all_closed and all(timely) else ("否" if closed and not all(timely) else ""),
                reached,
                classes,
            )
        )
    return rows


@dataclass(frozen=True)
class Ledger:
    key: str
    title: str
    about: str
    headers: tuple[str, ...]
    widths: tuple[int, ...]
    objects: Callable[[object, Filters], QuerySet]
    rows: Callable[[object, list], list[tuple[Cell, ...]]]


def _task_objects(user, f: Filters) -> QuerySet:
    return ledger_items(user, f).select_related("issuer_unit").order_by("created_at", "id")


def _track_objects(user, f: Filters) -> QuerySet:
    return (
        _tracks(user, f)
        .select_related("item__issuer_unit", "unit", "parent__unit", "signed_by", "assignee")
        .order_by("item__created_at", "item_id", "parent_id", "role", "id")
    )


def _node_objects(user, f: Filters) -> QuerySet:
    return (
        Node.objects.filter(track__in=_tracks(user, f))
        .select_related("track__item", "track__unit")
        .order_by("track__item__created_at", "track__item_id", "track_id", "seq")
    )


def _problem_objects(user, f: Filters) -> QuerySet:
    return (
        Report.objects.filter(track__in=_tracks(user, f))
        .filter(~Q(problems="") | ~Q(support_needed=""))
        .select_related("track__item", "track__unit")
        .order_by("created_at", "id")
    )


LEDGERS: dict[str, Ledger] = {
    ledger.key: ledger
    for ledger in (
        Ledger(
            "tasks",
            "任务账",
            "每项督办事项：内容、来源、类别、时限与牵头配合单位。",
            (
                "编号",
                "事项",
                "来源",
                "类别",
                "交办单位",
                "立项时间",
                "交办时间",
                "完成时限",
                "牵头单位",
                "配合单位",
                "状态",
            ),
            (8, 44, 14, 20, 18, 17, 17, 17, 24, 24, 10),
            _task_objects,
            _task_rows,
        ),
        Ledger(
            "responsibility",
            "责任账",
            "每个承办单位的职责：牵头或配合、由谁交办、谁于何时签收。",
            (
                "编号",
                "事项",
                "承办单位",
                "承办角色",
                "交办单位",
                "交办时间",
                "签收人",
                "签收时间",
                "批转给",
                "状态",
            ),
            (8, 44, 20, 12, 18, 17, 12, 17, 12, 10),
            _track_objects,
            _responsibility_rows,
        ),
        Ledger(
            "time",
            "时间账",
            "每个节点的期限与完成时间，是否逾期。",
            ("编号", "事项", "承办单位", "节点", "期限", "原期限", "完成时间", "情况"),
            (8, 44, 20, 12, 17, 17, 17, 18),
            _node_objects,
            _time_rows,
        ),
        Ledger(
            "problems",
            "问题账",
            "报告中反映的存在问题和需协调事项，及交办方是否已回应（其后的审核、延期审批或领导批示）。",
            (
                "编号",
                "事项",
                "承办单位",
                "报告类型",
                "报送时间",
                "存在问题",
                "需协调事项",
                "是否回应",
                "回应",
            ),
            (8, 40, 20, 16, 17, 40, 40, 10, 24),
            _problem_objects,
            _problem_rows,
        ),
        Ledger(
            "results",
            "成效账",
            "办结情况、评价等级、是否按期办结，以及量化指标的完成情况。",
            (
                "编号",
                "事项",
                "牵头单位",
                "已办结/承办单位",
                "办结时间",
                "评价",
                "按期办结",
                "指标完成",
                "指标状态",
            ),
            (8, 44, 24, 14, 17, 30, 10, 10, 36),
            _task_objects,
            _results_rows,
        ),
    )
}


def ledger(key: str) -> Ledger:
    try:
        return LEDGERS[key]
    except KeyError:
        raise NotFound("没有这个台账") from None


def ledger_rows(user, key: str, f: Filters, *, chunk: int = 500) -> Iterator[list[tuple[Cell, ...]]]:
    """Every row of a ledger, a chunk at a time (the export)."""
    lg = ledger(key)
    qs = lg.objects(user, f)
    start = 0
    while True:
        objs = list(qs[start : start + chunk])
        if not objs:
            return
        yield lg.rows(user, objs)
        start += chunk


# ---------------------------------------------------------------------------------------------
# Printable forms


def get_urge(user, pk) -> Urge:
    """An urge on a track the viewer may see, else NotFound."""
    try:
        return Urge.objects.select_related("track__item__issuer_unit", "track__unit", "by__unit").get(
            pk=pk, track__in=item_selectors.tracks_visible_to(user)
        )
    except (Urge.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("催办记录不存在或无权查看") from None


# ---------------------------------------------------------------------------------------------
# The public progress page (no login): published work-report items, and only what may be public

PUBLIC_STATUS = {
    "closed": "已完成",
    "waiting": "推进中",
    "green": "推进中",
    "yellow": "推进中",
    "red": "滞后",
    "draft": "未启动",
}


@dataclass(frozen=True)
class PublicItem:
    """What the public sees of an item: no person, no comment, no file."""

    id: int
    title: str
    section: str
    status: str
    light: str  # the status's colour: closed, red or green
    lead_units: str
    progress: str  # the approved progress text, or ""
    progress_at: dt.date | None


@dataclass(frozen=True)
class PublicSection:
    title: str
    items: list[PublicItem]


@dataclass(frozen=True)
class PublicReport:
    plan_id: int | None
    title: str
    sections: list[PublicSection]


def approved_progress(track: Track) -> Report | None:
    """The progress a supervisor has approved: for a closed track the result report it closed
    on; otherwise the latest report filed before the track's latest review. None before any
    review."""
    reviews = list(track.reviews.all())
    reports = list(track.reports.all())
    if not reviews:
        return None
    last_review = max(reviews, key=lambda r: (r.created_at, r.pk))
    before = [r for r in reports if r.created_at <= last_review.created_at]
    if track.is_closed:
        before = [r for r in before if r.kind == ReportKind.RESULT] or before
    return max(before, key=lambda r: (r.created_at, r.pk), default=None)


def public_items() -> QuerySet[Item]:
    """Published work-report items: the only items anyone without a login can read."""
    return Item.objects.filter(public=True, source=Source.WORK_REPORT)


def public_plans() -> list[tuple[int | None, str, int]]:
    """The reports that have published items: (plan id, title, number of items)."""
    from duban.plans.models import Plan

    counts: dict[int | None, int] = {}
    for ref in public_items().values_list("source_ref", flat=True):
        pid = (ref or {}).get("plan")
        pid = pid if isinstance(pid, int) else None
        counts[pid] = counts.get(pid, 0) + 1
    titles = dict(Plan.objects.filter(pk__in=[p for p in counts if p]).values_list("pk", "title"))
    return [
        (pid, titles.get(pid) or "其他公开事项", n)
        for pid, n in sorted(counts.items(), key=lambda kv: (kv[0] is None, -(kv[0] or 0)))
    ]


MAX_PUBLIC_ITEMS = 2000


def public_report(plan_id: int | None) -> PublicReport:
    """One report's published items by section, in the order they stand in the report."""
    from duban.plans.models import Plan

    qs = public_items()
    if plan_id is None:
        qs = qs.exclude(source_ref__has_key="plan")
        title = "其他公开事项"
    else:
        plan = Plan.objects.filter(pk=plan_id).only("title").first()
        qs = qs.filter(source_ref__plan=plan_id)
        if plan is None or not qs.exists():
            raise NotFound("没有公开的事项")
        title = plan.title or "政府工作报告"
    items = list(
        qs.order_by("id").prefetch_related(
            Prefetch(
                "tracks",
                queryset=Track.objects.filter(parent__isnull=True)
                .select_related("unit")
                .prefetch_related(
                    Prefetch(
                        "reports",
                        queryset=Report.objects.only("id", "track_id", "kind", "done", "created_at"),
                    ),
                    Prefetch("reviews", queryset=Review.objects.only("id", "track_id", "created_at")),
                )
                .order_by("role", "id"),
            )
        )[:MAX_PUBLIC_ITEMS]
    )
    at = now()
    sections: dict[str, list[PublicItem]] = {}
    items.sort(key=lambda i: ((i.source_ref or {}).get("start") or 0, i.pk))
    for it in items:
        tracks = list(it.tracks.all())
        leads = [t for t in tracks if t.role == TrackRole.LEAD]
        approved = [r for r in (approved_progress(t) for t in leads) if r is not None]
        latest = max(approved, key=lambda r: r.created_at, default=None)
        section = str((it.source_ref or {}).get("section") or "其他")
        light = status.item_light(tracks, at)
        sections.setdefault(section, []).append(
            PublicItem(
                id=it.pk,
                title=it.title,
                section=section,
                status=PUBLIC_STATUS.get(light, "推进中"),
                light=light if light in ("closed", "red") else "green",
                lead_units="、".join(t.unit.name for t in leads),
                progress="\n\n".join(r.done for r in sorted(approved, key=lambda r: r.created_at)),
                progress_at=latest.created_at.astimezone(SHANGHAI).date() if latest else None,
            )
        )
    return PublicReport(
        plan_id=plan_id, title=title, sections=[PublicSection(k, v) for k, v in sections.items()]
    )
