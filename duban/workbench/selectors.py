"""The supervisor's 督办工作台: what the items their unit (or its subtree) issued need from them.

Every section is a set of tracks (承办记录: one handling unit's line on an item), built from
the stored ``Track.next_due_at`` and ``state`` so each is an indexed filter; a section counts
tracks and, separately, the distinct items (事项) they belong to, and lists exactly the tracks it
counts. Visibility: a supervisor sees every track issued within their subtree (the items issued
there, and the tracks passed down by units there); review sections are only what their own unit
reviews, the same set as the queue's 待审核 tab and the rules' ``can_review``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Substr

from duban.core.clock import SHANGHAI, now
from duban.items.models import OPEN_STATES, Extension, ExtensionState, Report, Track, TrackState, Urge
from duban.items.rules import track_actions, user_actions
from duban.items.selectors import light_filter
from duban.orgs.models import OrgUnit, subtree_filter
from duban.workcal.calendar import is_working_day, working_days_between

SECTIONS = ("to_review", "extensions", "overdue", "due_soon", "returned", "stale")
SECTION_LABELS = {
    "to_review": "待审核办结",
    "extensions": "延期待批",
    "overdue": "已逾期",
    "due_soon": "即将到期",
    "returned": "被退回未重报",
    "stale": "长期未更新",
}
# Sections whose rows a supervisor chases (催办); review sections are answered, not urged.
URGE_SECTIONS = ("overdue", "due_soon", "returned", "stale")
DEFAULT_STALE_DAYS = 10
MAX_STALE_DAYS = 120


def stale_days_default() -> int:
    return int(getattr(settings, "DUBAN_WORKBENCH_STALE_WORKING_DAYS", DEFAULT_STALE_DAYS))


def working_days_ago(at: dt.datetime, n: int) -> dt.datetime:
    """The same wall-clock time ``n`` working days before ``at`` (Asia/Shanghai)."""
    local = at.astimezone(SHANGHAI)
    day = local.date()
    while n > 0:
        day -= dt.timedelta(days=1)
        n -= is_working_day(day)
    return local.replace(year=day.year, month=day.month, day=day.day)


def working_days_late(dues: list[dt.datetime], at: dt.datetime) -> dict[dt.date, int]:
    """Working days from each due time's (local) day to ``at``'s day, as ``working_days_between``
    counts them, in one walk back over the calendar for all of them: a province has hundreds of
    units late since as many different days, and counting each apart walked up to a year apiece."""
    today = at.astimezone(SHANGHAI).date()
    out: dict[dt.date, int] = {}
    count, current = 0, today
    for day in sorted({d.astimezone(SHANGHAI).date() for d in dues}, reverse=True):
        if day > today:
            out[day] = -working_days_between(today, day)
            continue
        while current > day:
            count += is_working_day(current)
            current -= dt.timedelta(days=1)
        out[day] = count
    return out


@dataclass
class Filters:
    unit: OrgUnit | None = None
    source: str | None = None
    category: str | None = None
    plan: int | None = None
    stale_days: int = field(default_factory=stale_days_default)

    def q(self) -> Q:
        q = Q()
        if self.unit is not None:
            q &= subtree_filter("unit_path", self.unit.path)
        if self.source:
            q &= Q(item__source=self.source)
        if self.category:
            q &= Q(item__category=self.category)
        if self.plan is not None:
            # Items assigned from a plan carry its id in source_ref; PlanTask.item is the other
            # side of the same link (older imports).
            q &= Q(item__source_ref__plan=self.plan) | Q(item__plan_task__plan_id=self.plan)
        return q


def may_use(user) -> bool:
    return "workbench" in user_actions(user)


def _issued_within(user) -> Q:
    """Tracks issued within the supervisor's subtree: items issued there, and tracks passed down
    by a unit there. At the root of the tree that is every track (no filter: the range would
    filter nothing and only steer the planner off the state/due indexes)."""
    root = user.unit
    if root.parent_id is None:
        return Q()
    # Every such track is handled within the issuing government's subtree (services._assignable,
    # pass_down_refusal), so this range changes no result; it lets the planner start from the
    # (unit_path, state, next_due_at) index instead of every open track of the province.
    within = subtree_filter("unit_path", root.government.path)
    return within & (
        subtree_filter("item__issuer_path", root.path) | subtree_filter("parent__unit_path", root.path)
    )


def _reviewed_by(user) -> Q:
    """Tracks whose closure and extension requests this user's unit decides."""
    return Q(parent__isnull=True, item__issuer_unit_id=user.unit_id) | Q(parent__unit_id=user.unit_id)


class Workbench:
    """One supervisor's workbench at one moment, with the filters they chose."""

    def __init__(self, user, filters: Filters | None = None, at: dt.datetime | None = None) -> None:
        if not may_use(user):
            raise PermissionError("workbench")
        self.user = user
        self.at = at or now()
        self.filters = filters or Filters()
        self.stale_cutoff = working_days_ago(self.at, self.filters.stale_days)
        base = Track.objects.filter(self.filters.q())
        self._scoped = base.filter(_issued_within(user))
        self._reviews = base.filter(_reviewed_by(user))

    def queryset(self, section: str) -> QuerySet[Track]:
        if section == "to_review":
            return self._reviews.filter(state=TrackState.REQUESTED)
        if section == "extensions":
            # The few pending requests, from the (state, track) index, rather than a probe per
            # open track.
            pending = Extension.objects.filter(state=ExtensionState.PENDING).values("track_id")
            return self._reviews.filter(state__in=OPEN_STATES, pk__in=pending)
        if section == "overdue":
            return self._scoped.filter(light_filter("red", self.at))
        if section == "due_soon":
            return self._scoped.filter(light_filter("yellow", self.at))
        if section == "returned":
            # A return puts the track in RETURNED until the unit files a new result report.
            return self._scoped.filter(state=TrackState.RETURNED)
        if section == "stale":
            # Open and not waiting for review, assigned before the cut-off, and no report since.
            recent = Report.objects.filter(track=OuterRef("pk"), created_at__gt=self.stale_cutoff)
            return (
                self._scoped.filter(state__in=[s for s in OPEN_STATES if s != TrackState.REQUESTED])
                .filter(assigned_at__lte=self.stale_cutoff)
                .exclude(Exists(recent))
            )
        raise ValueError(section)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per section: ``tracks`` (承办记录, the rows listed) and ``items`` (distinct 事项)."""
        return {
            s: self.queryset(s).aggregate(tracks=Count("id"), items=Count("item_id", distinct=True))
            for s in SECTIONS
        }

    def overdue_by_unit(self) -> list[dict]:
        """已逾期 grouped by handling unit (one GROUP BY): tracks, items, the earliest missed due
        time, and how late that is in working days."""
        # Grouped on unit_path, which the (state, next_due_at, unit_path, item) index carries, so
        # the red tracks are counted without reading the table; a unit's path names it. On an
        # expression, not the bare column: SQLite would otherwise walk the unit_path index (every
        # track) to get the groups in order (as selectors.light_board).
        rows = list(
            self.queryset("overdue")
            .order_by()
            .values(path=Substr("unit_path", 1))
            .annotate(tracks=Count("id"), items=Count("item_id", distinct=True), since=Min("next_due_at"))
        )
        units = OrgUnit.objects.only("code", "name", "path").in_bulk(
            [r["path"] for r in rows], field_name="path"
        )
        late = working_days_late([r["since"] for r in rows], self.at)
        for r in rows:
            r["unit"] = units[r["path"]]
            r["late_days"] = late[r["since"].astimezone(SHANGHAI).date()]
        rows.sort(key=lambda r: (-r["tracks"], r["since"], r["unit"].code))
        return rows

    def ordered(self, section: str) -> QuerySet[Track]:
        if section == "overdue":
            return self.queryset(section).order_by("unit_path", "next_due_at", "id")
        return self.queryset(section).order_by("next_due_at", "id")

    def rows(self, section: str, offset: int, limit: int) -> list[Track]:
        """One page of a section with what a row shows: the item, unit, urges (how often, when
        last), lateness in working days, the pending extension, the last report, and whether
        this user may urge it (the rules')."""
        ids = list(self.ordered(section).values_list("pk", flat=True)[offset : offset + limit])
        by_id = Track.objects.select_related("item", "unit", "parent").in_bulk(ids)
        tracks = [by_id[i] for i in ids if i in by_id]
        urges = {
            r["track_id"]: r
            for r in Urge.objects.filter(track_id__in=ids)
            .values("track_id")
            .annotate(n=Count("id"), last=Max("created_at"))
        }
        reports = dict(
            Report.objects.filter(track_id__in=ids)
            .values("track_id")
            .annotate(last=Max("created_at"))
            .values_list("track_id", "last")
        )
        pending = {
            e.track_id: e
            for e in Extension.objects.filter(track_id__in=ids, state=ExtensionState.PENDING).select_related(
                "node"
            )
        }
        late_by_day = working_days_late(
            [t.next_due_at for t in tracks if t.next_due_at is not None and t.next_due_at < self.at], self.at
        )
        for t in tracks:
            u = urges.get(t.pk)
            t.urge_count = u["n"] if u else 0
            t.last_urge_at = u["last"] if u else None
            t.last_report_at = reports.get(t.pk)
            t.pending_extension = pending.get(t.pk)
            late = t.next_due_at is not None and t.next_due_at < self.at and not t.is_closed
            t.late_days = late_by_day[t.next_due_at.astimezone(SHANGHAI).date()] if late else None
            t.may_urge = track_actions(self.user, t, self.at, only=("urge",))["urge"].allowed
        return tracks
