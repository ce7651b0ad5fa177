"""Reads of the 领导驾驶舱: a unit's subtree seen by a viewer who oversees it.

Every number here is a count of one of two things, and says which: **事项** (items: distinct
items with at least one matching track in the scope — what the item list ``/items/?unit=…``
counts) or **承办记录** (tracks: one unit's line of work on an item — what ``listing`` counts when
asked for tracks). ``track_filter`` is the one definition of each number's rows: the dashboard's
counts and the list a number links to are both read through it, or (for the open side, read in
one pass) computed from the same rows by the same rules, and the tests check them against each
other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, QuerySet, Sum, Value, When

from duban.core.clock import SHANGHAI, now
from duban.core.errors import NotFound
from duban.items import rules as item_rules
from duban.items import status
from duban.items.models import OPEN_STATES, Instruction, Item, Node, NodeKind, Source, Track, TrackState
from duban.items.selectors import items_visible_to, sees_whole_subtree, tracks_visible_to, yellow_cutoff
from duban.orgs.models import OrgUnit, subtree_filter
from duban.workcal.calendar import is_working_day, working_days_between

LIGHTS = ("red", "yellow", "green")
# Overdue ageing in working days late: (key, label, lowest, highest or None).
AGE_BUCKETS = (
    ("1-3", "1–3个工作日", 1, 3),
    ("4-10", "4–10个工作日", 4, 10),
    ("11+", "10个工作日以上", 11, None),
)
TREND_MONTHS = 12
LONGEST = 10
WORST_TARGETS = 10
INSTRUCTIONS = 20


# ---------------------------------------------------------------------------------------------
# Scope


def may_view(user) -> bool:
    """The dashboard is for those who see their whole subtree (leaders, supervisors, admins)."""
    return "dashboard" in item_rules.user_actions(user)


def scope_unit(user, code: str | None = None) -> OrgUnit:
    """The unit whose dashboard ``user`` asks for: their own, or one within their subtree;
    anything else is NotFound, never a hint that it exists."""
    if not may_view(user):
        raise NotFound("无权查看领导驾驶舱")
    if code is None:
        return user.unit
    return unit_in_subtree(user, code)


def unit_in_subtree(user, code: str) -> OrgUnit:
    root = getattr(user, "unit", None)
    unit = OrgUnit.objects.filter(code=str(code)[:40]).first() if root is not None else None
    if unit is None or not unit.path.startswith(root.path):
        raise NotFound("单位不存在或不在本单位范围内")
    return unit


def _visible_tracks(user) -> QuerySet[Track]:
    # An overseer sees every track in its subtree (the ``below`` rule of items_visible_to), and
    # every scope here lies in it: the visibility probe would filter nothing and cost one per row.
    return Track.objects.all() if sees_whole_subtree(user) else tracks_visible_to(user)


# ---------------------------------------------------------------------------------------------
# Months and lateness


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    m = day.year * 12 + day.month - 1 + n
    return dt.date(m // 12, m % 12 + 1, 1)


def month_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of month ``first`` to the start of the month after ``last``, in UTC."""
    start = dt.datetime(first.year, first.month, 1, tzinfo=SHANGHAI).astimezone(dt.UTC)
    after = add_months(last, 1)
    end = dt.datetime(after.year, after.month, 1, tzinfo=SHANGHAI).astimezone(dt.UTC)
    return start, end


def late_working_days(due: dt.datetime, today: dt.date) -> int:
    """How many working days an open node due at ``due`` is late on ``today``; at least 1 (late
    on a rest day after a Friday deadline counts as the first day)."""
    return max(1, working_days_between(due.astimezone(SHANGHAI).date(), today))


def age_bucket(days: int) -> str:
    for key, _label, low, high in AGE_BUCKETS:
        if days >= low and (high is None or days <= high):
            return key
    return AGE_BUCKETS[0][0]


class Ageing:
    """The overdue-ageing bucket of a due time on ``today``, by comparing its day with the
    latest day that is at least 4 (and 11) working days before today — one short walk back from
    today instead of a working-day count per late track (a province has thousands, due as far
    back as a year)."""

    def __init__(self, today: dt.date) -> None:
        lows = [low for _key, _label, low, _high in AGE_BUCKETS[1:]]
        self.bounds: list[dt.date] = []  # the latest day with ≥ low working days to today
        day, n = today, 0
        while len(self.bounds) < len(lows):
            n += is_working_day(day)
            day -= dt.timedelta(days=1)
            while len(self.bounds) < len(lows) and n >= lows[len(self.bounds)]:
                self.bounds.append(day)

    def bucket(self, due: dt.datetime) -> str:
        day = due.astimezone(SHANGHAI).date()
        key = AGE_BUCKETS[0][0]
        for (k, *_rest), bound in zip(AGE_BUCKETS[1:], self.bounds, strict=True):
            if day <= bound:
                key = k
        return key


# ---------------------------------------------------------------------------------------------
# The one definition of each number's rows


def late_result():
    """The track's last result node was done after its due time (closed late)."""
    later = Node.objects.filter(track=OuterRef("track"), kind=NodeKind.RESULT, seq__gt=OuterRef("seq"))
    return Exists(
        Node.objects.filter(track=OuterRef("pk"), kind=NodeKind.RESULT, done_at__gt=F("due_at")).exclude(
            Exists(later)
        )
    )


@dataclass(frozen=True)
class Filter:
    """What a number counts, as the list's query string carries it (every field bounded)."""

    light: str = ""  # red / yellow / green / closed
    open: bool = False  # any open track
    source: str = ""  # work_report
    closed_from: dt.date | None = None  # first day of a month
    closed_to: dt.date | None = None  # first day of a month (inclusive)
    on_time: bool | None = None  # closed on time / late
    age: str = ""  # an AGE_BUCKETS key (red tracks)

    def query(self) -> dict[str, str]:
        q: dict[str, str] = {}
        if self.light:
            q["light"] = self.light
        if self.open:
            q["open"] = "1"
        if self.source:
            q["source"] = self.source
        if self.closed_from:
            q["from"] = f"{self.closed_from:%Y-%m}"
        if self.closed_to:
            q["to"] = f"{self.closed_to:%Y-%m}"
        if self.on_time is not None:
            q["ontime"] = "1" if self.on_time else "0"
        if self.age:
            q["age"] = self.age
        return q

    @classmethod
    def parse(cls, g) -> Filter:
        def month(raw: str | None) -> dt.date | None:
            try:
                return dt.date.fromisoformat((raw or "")[:7] + "-01") if raw else None
            except ValueError:
                return None

        light = g.get("light", "")
        return cls(
            light=light if light in (*LIGHTS, "closed") else "",
            open=g.get("open") == "1",
            source=g.get("source", "") if g.get("source", "") in Source.values else "",
            closed_from=month(g.get("from")),
            closed_to=month(g.get("to")),
            on_time={"1": True, "0": False}.get(g.get("ontime", "")),
            age=g.get("age", "") if g.get("age", "") in {b[0] for b in AGE_BUCKETS} else "",
        )


def track_filter(user, unit: OrgUnit, f: Filter, at: dt.datetime | None = None) -> QuerySet[Track]:
    """The tracks in ``unit``'s subtree (that ``user`` may see) a number counts."""
    at = at or now()
    qs = _visible_tracks(user)
    if unit.parent_id is not None:
        # At the root of the tree the range filters nothing, and SQLite (no range statistics)
        # would walk the unit_path index for it instead of the index the other filters want.
        qs = qs.filter(subtree_filter("unit_path", unit.path))
    if f.light:
        from duban.items.selectors import light_filter

        qs = qs.filter(light_filter(f.light, at))
    if f.open:
        qs = qs.filter(state__in=OPEN_STATES)
    if f.source:
        qs = qs.filter(item__source=f.source)
    if f.closed_from or f.closed_to:
        start, end = month_bounds(f.closed_from or f.closed_to, f.closed_to or f.closed_from)
        qs = qs.filter(state=TrackState.CLOSED, closed_at__gte=start, closed_at__lt=end)
    if f.on_time is not None:
        qs = qs.filter(state=TrackState.CLOSED).filter(~late_result() if f.on_time else late_result())
    if f.age:
        today = at.astimezone(SHANGHAI).date()
        red = qs.filter(state__in=OPEN_STATES, next_due_at__lt=at).values_list("pk", "next_due_at")
        ageing = Ageing(today)
        qs = qs.filter(pk__in=[pk for pk, due in red if ageing.bucket(due) == f.age])
    return qs


def closed_count(user, unit: OrgUnit, f: Filter) -> int | None:
    """How many tracks ``track_filter`` gives, read from the roll-up when the filter is one it
    keeps (closures in a range of months, on time or not, all or work-report tasks) and the
    viewer sees every track it counts; else None (count the rows). A province's 290k closures
    of a year take the node probe 1–4 s to count; their rows are still read from the tracks."""
    from .models import ClosedCount

    shaped = (
        f.closed_from is not None
        and f.light in ("", "closed")
        and not f.open
        and not f.age
        and f.source in ("", Source.WORK_REPORT)
    )
    if not shaped or not sees_whole_subtree(user):
        return None
    first, last = f.closed_from, f.closed_to or f.closed_from
    wr = f.source == Source.WORK_REPORT
    got = ClosedCount.objects.filter(
        subtree_filter("unit_path", unit.path), month__gte=first, month__lte=last
    ).aggregate(c=Sum("wr_closed" if wr else "closed"), o=Sum("wr_on_time" if wr else "on_time"))
    closed, on_time = got["c"] or 0, got["o"] or 0
    if f.on_time is None:
        return closed
    return on_time if f.on_time else closed - on_time


def item_filter(user, unit: OrgUnit, f: Filter, at: dt.datetime | None = None) -> QuerySet[Item]:
    """The items with at least one of those tracks (as the item list filters by unit)."""
    return items_visible_to(user).filter(pk__in=track_filter(user, unit, f, at).values("item_id"))


# ---------------------------------------------------------------------------------------------
# The dashboard


@dataclass
class Dashboard:
    unit: OrgUnit
    at: dt.datetime
    headline: dict = field(default_factory=dict)  # "all" / "work_report" → numbers
    units: list[dict] = field(default_factory=list)  # per child unit: items by light
    trend: list[dict] = field(default_factory=list)  # per month: closed, on time, rate
    ageing: list[dict] = field(default_factory=list)
    longest: list[dict] = field(default_factory=list)
    targets: dict = field(default_factory=dict)
    instructions: list[dict] = field(default_factory=list)


def _rate(on_time: int, closed: int) -> float | None:
    return round(on_time * 100 / closed, 1) if closed else None


def dashboard(user, unit: OrgUnit, at: dt.datetime | None = None) -> Dashboard:
    at = at or now()
    today = at.astimezone(SHANGHAI).date()
    d = Dashboard(unit=unit, at=at)
    _open_side(user, d, today)
    _closed_side(user, d, today)
    d.targets = _targets(user, unit, today)
    d.instructions = _instructions(user, unit, at)
    return d


def _open_tracks(user, root: OrgUnit) -> QuerySet[Track]:
    qs = _visible_tracks(user).filter(state__in=OPEN_STATES).order_by()
    if root.parent_id is not None:
        # At the root of the tree the range would filter nothing, and SQLite (no range
        # statistics) would then prefer the unit_path index, which does not cover item_id,
        # over the covering (state, next_due_at, unit_path, item) one: 124 ms instead of 27.
        qs = qs.filter(subtree_filter("unit_path", root.path))
    return qs


RED, YELLOW, GREEN = 2, 1, 0
_LIGHT_OF = {RED: "red", YELLOW: "yellow", GREEN: "green"}


def _open_side(user, d: Dashboard, today: dt.date) -> None:
    """The open tracks of the scope (a province has tens of thousands; the closed ones, ten
    times as many, come from the roll-up): items in supervision and overdue, per child unit by
    light, overdue ageing and the longest overdue. The light is worked out in SQL (the same
    comparisons as ``items.selectors.light_filter``) so no due time is parsed per row."""
    at, root = d.at, d.unit
    cutoff = yellow_cutoff(at)
    open_tracks = _open_tracks(user, root)
    light = Case(
        When(next_due_at__lt=at, then=Value(RED)),
        When(next_due_at__lte=cutoff, then=Value(YELLOW)),
        default=Value(GREEN),
        output_field=IntegerField(),
    )
    rows = open_tracks.annotate(light=light).values_list("unit_path", "item_id", "light")
    children = list(OrgUnit.objects.filter(parent=root).order_by("kind", "code"))
    by_path = {c.path: {"unit": c, **{k: set() for k in (*LIGHTS, "open")}} for c in children}
    prefix = len(root.path)
    open_items: set[int] = set()
    red_items: set[int] = set()
    for path, item_id, lit in rows:
        open_items.add(item_id)
        if lit == RED:
            red_items.add(item_id)
        if len(path) > prefix:
            child = by_path.get(root.path + path[prefix:].split("/", 1)[0] + "/")
            if child is not None:
                child[_LIGHT_OF[lit]].add(item_id)
                child["open"].add(item_id)
    # Which of those items are work-report tasks: from the items, by key (a join per open track
    # would cost more than the whole pass above).
    wr = set(
        Item.objects.filter(source=Source.WORK_REPORT, pk__in=open_tracks.values("item_id")).values_list(
            "pk", flat=True
        )
    )
    d.headline["all"] = {"open": len(open_items), "red": len(red_items)}
    d.headline[Source.WORK_REPORT] = {"open": len(wr), "red": len(wr & red_items)}
    d.units = [
        {"unit": c["unit"], **{k: len(c[k]) for k in (*LIGHTS, "open")}}
        for c in by_path.values()
        if c["open"]
    ]
    # Overdue ageing: the late tracks grouped by their due time (a few hundred distinct times,
    # deadlines being ends of days), each time's lateness in working days worked out once.
    red = open_tracks.filter(next_due_at__lt=at)
    ageing = {b[0]: 0 for b in AGE_BUCKETS}
    buckets = Ageing(today)
    for due, n in red.values_list("next_due_at").annotate(n=Count("pk")):
        ageing[buckets.bucket(due)] += n
    d.ageing = [
        {"key": key, "label": label, "tracks": ageing[key], "filter": Filter(light="red", age=key)}
        for key, label, _lo, _hi in AGE_BUCKETS
    ]
    d.longest = _longest(red.order_by("next_due_at", "pk").values_list("next_due_at", "pk", "item_id"), today)


def _longest(red_tracks, today: dt.date) -> list[dict]:
    """The items overdue longest: each item once, at its earliest missed deadline in scope."""
    picked: dict[int, tuple] = {}
    for due, pk, item_id in red_tracks[: LONGEST * 20]:
        if item_id not in picked:
            picked[item_id] = (due, pk)
            if len(picked) == LONGEST:
                break
    tracks = {
        t.pk: t
        for t in Track.objects.select_related("item", "unit").filter(pk__in=[v[1] for v in picked.values()])
    }
    out = []
    for item_id, (due, pk) in picked.items():
        t = tracks.get(pk)
        if t is None:
            continue
        out.append(
            {
                "item_id": item_id,
                "title": t.item.title,
                "unit": t.unit.name,
                "due": due,
                "days": late_working_days(due, today),
            }
        )
    return out


def _closed_side(user, d: Dashboard, today: dt.date) -> None:
    """Closed tracks (承办记录): this month, and closed / closed on time per month over the
    last 12 months, summed from the stored roll-up (``models.ClosedCount``) over the subtree.

    Every track in an overseer's subtree is visible to them, so the roll-up, which counts them
    all, is exactly what they may see; ``scope_unit`` admits no one else."""
    from .models import ClosedCount

    this_month = month_start(today)
    first = add_months(this_month, -(TREND_MONTHS - 1))
    months = [add_months(first, i) for i in range(TREND_MONTHS)]
    got: dict[str, int] = {}
    for i in range(TREND_MONTHS):
        for k in "cowv":
            got[f"{k}{i}"] = 0
    index = {m: i for i, m in enumerate(months)}
    rows = (
        ClosedCount.objects.filter(
            subtree_filter("unit_path", d.unit.path), month__gte=first, month__lte=this_month
        )
        .order_by()
        .values_list("month")
        .annotate(Sum("closed"), Sum("on_time"), Sum("wr_closed"), Sum("wr_on_time"))
    )
    for month, closed, on_time, wr_closed, wr_on_time in rows:
        i = index[month]
        got[f"c{i}"], got[f"o{i}"], got[f"w{i}"], got[f"v{i}"] = closed, on_time, wr_closed, wr_on_time
    for i, m in enumerate(months):
        closed, on_time = got[f"c{i}"], got[f"o{i}"]
        d.trend.append(
            {
                "month": m,
                "closed": closed,
                "on_time": on_time,
                "rate": _rate(on_time, closed),
                "wr_closed": got[f"w{i}"],
                "wr_on_time": got[f"v{i}"],
                "closed_filter": Filter(closed_from=m, closed_to=m),
                "on_time_filter": Filter(closed_from=m, closed_to=m, on_time=True),
            }
        )
    for key, src in (("all", ""), (Source.WORK_REPORT, Source.WORK_REPORT)):
        c, o = ("closed", "on_time") if not src else ("wr_closed", "wr_on_time")
        closed = sum(r[c] for r in d.trend)
        on_time = sum(r[o] for r in d.trend)
        d.headline[key].update(
            {
                "closed_month": d.trend[-1][c],
                "closed_year": closed,
                "on_time": on_time,
                "rate": _rate(on_time, closed),
            }
        )
    d.headline["from"], d.headline["to"] = first, this_month


def _targets(user, unit: OrgUnit, today: dt.date) -> dict:
    """Targets owned in the scope by class, and the furthest behind (欠进度 / 未报送)."""
    from duban.targets import progress
    from duban.targets import selectors as target_selectors

    result = target_selectors.target_list(user, unit_path=unit.path, today=today)
    reads = result.rows.reads
    behind = {progress.Klass.BEHIND.value, progress.Klass.MISSING.value}

    def shortfall(i: int) -> float:
        r = reads[i].reading
        if r.klass.value == progress.Klass.MISSING.value:
            return 2.0  # nothing reported when due: worse than any figure
        if r.share is not None and r.completion is not None:
            return r.share - r.completion
        return 0.0

    worst_ids = sorted(
        (i for i in result.rows.ids if reads[i].reading.klass.value in behind), key=shortfall, reverse=True
    )
    worst = target_selectors.Page(worst_ids[:WORST_TARGETS], reads)[:WORST_TARGETS]
    return {
        "classes": [
            {"klass": k.value, "label": progress.KLASS_LABELS[k], "count": result.counts.get(k.value, 0)}
            for k in progress.KLASS_ORDER
        ],
        "total": result.total,
        "worst": [
            {
                "id": s.target.pk,
                "indicator": s.target.indicator,
                "item": s.target.item.title,
                "unit": s.target.unit.name if s.target.unit_id else "",
                "klass": s.reading.klass.value,
                "label": s.reading.label,
                "completion": None if s.reading.completion is None else round(s.reading.completion * 100, 1),
                "expected": None if s.reading.share is None else round(s.reading.share * 100, 1),
            }
            for s in worst
        ],
    }


def _instructions(user, unit: OrgUnit, at: dt.datetime) -> list[dict]:
    """What ``user`` instructed (批示) on items handled in the scope, newest first, with each
    item's light now."""
    in_scope = Track.objects.filter(subtree_filter("unit_path", unit.path)).values("item_id")
    rows = list(
        Instruction.objects.filter(by=user, item__in=items_visible_to(user).filter(pk__in=in_scope))
        .select_related("item")
        .order_by("-created_at", "-id")[:INSTRUCTIONS]
    )
    tracks: dict[int, list] = {}
    for t in Track.objects.filter(item_id__in={r.item_id for r in rows}):
        tracks.setdefault(t.item_id, []).append(t)
    return [
        {
            "item_id": r.item_id,
            "title": r.item.title,
            "text": r.text,
            "at": r.created_at,
            "light": status.item_light(tracks.get(r.item_id, []), at),
            "rating": status.item_rating(tracks.get(r.item_id, [])),
        }
        for r in rows
    ]
