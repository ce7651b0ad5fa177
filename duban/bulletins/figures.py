"""A bulletin's figures, worked out from the items' stored history at a moment ``at``.

Who is counted: the tracks the issuing unit assigned itself (top-level tracks of items it
issued; a passed-down track is its parent unit's business) to a unit in the scope's subtree,
assigned within the period. One row per handling unit (the track's unit). Everything is read
from timestamps no later than ``at`` — node due and done times, closing and returning reviews,
granted extensions — so computing the same period at a bulletin's ``as_of`` gives its numbers
again after the items have moved on. (What the journal alone keeps — a deadline an extension
or a calendar change moved after ``at`` — is why a published bulletin stores its figures.)

Definitions (stated on the bulletin page):
- 交办: tracks assigned in the period;
- 按时签收: the sign node done by its due time;
- 按时报告 / 应报告: deploy, feedback, progress and result nodes done by their due time / all
  such nodes done or due by ``at`` (for a closed track, those due by its closing);
- 办结: closed by ``at``; 按期办结: closed, and the closure request it was closed on was filed by
  that node's due time (a granted extension counts; after a return, the return's deadline);
- 应办结: closed, or the first result deadline has passed; 按期办结率 = 按期办结 / 应办结;
- 逾期: open at ``at``, not waiting for review, with a node past due and not done;
- 逾期工作日: the working days on which some node of the track was past due and not done
  (sign and deploy late on the same day count that day once), up to ``at``;
- 退回, 延期: returns, granted extensions by ``at``; ratings: the closing review's.
Points: the rules' value per rating, per overdue working day and per return; rank by points,
ties sharing a rank (1, 2, 2, 4).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q

from duban.core.clock import SHANGHAI
from duban.items.models import Decision, Extension, ExtensionState, Node, NodeKind, Rating, Review, Track
from duban.orgs.models import OrgUnit, UnitKind, subtree_filter
from duban.workcal.calendar import is_working_day, working_days_between

from .models import DEFAULT_POINTS
from .periods import Period, cn_date

VERSION = 1
RATINGS = tuple(Rating.values)  # 优秀, 良好, 合格, 不合格
RATING_LABELS = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
COUNTS = (
    "received",
    "signed_on_time",
    "reports_due",
    "reports_on_time",
    "closed",
    "due",
    "closed_on_time",
    "overdue_now",
    "overdue_days",
    "returns",
    "extensions",
    *RATINGS,
)


def office_name(unit: OrgUnit) -> str:
    """The issuing office as a 通报 names it: a government's supervision office."""
    if unit.kind in (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY):
        return f"{unit.name}人民政府督查室"
    if unit.kind == UnitKind.TOWNSHIP:
        return f"{unit.name}人民政府"
    return unit.name


def rules_text(rules: dict) -> str:
    def pts(key: str) -> str:
        v = Decimal(rules[key]).normalize()
        text = format(v, "f")
        return ("+" if v > 0 else "−" if v < 0 else "") + text.lstrip("-") + "分"

    return (
        f"优秀{pts('excellent')}、良好{pts('good')}、合格{pts('pass')}、不合格{pts('fail')}；"
        f"每逾期1个工作日{pts('overdue_day')}；每退回1次{pts('return')}"
    )


def plain_rules(rules: dict | None) -> dict[str, str]:
    """The rules as JSON keeps them: exact decimal strings."""
    rules = rules or DEFAULT_POINTS
    return {k: format(Decimal(rules[k]).normalize(), "f") for k in DEFAULT_POINTS}


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def _start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(dt.UTC)


class WorkingDays:
    """Working days in (a, b] from a cumulative table built once per computation: a province's
    year of tracks asks for hundreds of thousands of such counts over a few hundred days.
    Every span starts after the period began (a node is due after its track was assigned)."""

    def __init__(self, origin: dt.date) -> None:
        self._origin, self._cum = origin, [0]  # _cum[i]: working days in (origin, origin + i]

    def _at(self, day: dt.date) -> int:
        i = (day - self._origin).days
        while len(self._cum) <= i:
            nxt = self._origin + dt.timedelta(days=len(self._cum))
            self._cum.append(self._cum[-1] + is_working_day(nxt))
        return self._cum[i]

    def between(self, a: dt.date, b: dt.date) -> int:
        if b <= a:
            return 0
        if a < self._origin:
            return working_days_between(a, b)
        return self._at(b) - self._at(a)


def _late_working_days(spans: list[tuple[dt.date, dt.date]], wd: WorkingDays) -> int:
    """Working days in the union of the spans (due day, end day]."""
    total, cur = 0, None
    for a, b in sorted(x for x in spans if x[1] > x[0]):
        if cur is None or a > cur[1]:
            if cur is not None:
                total += wd.between(*cur)
            cur = [a, b]
        else:
            cur[1] = max(cur[1], b)
    if cur is not None:
        total += wd.between(*cur)
    return total


def _rate(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _track_figures(nodes: list[tuple], reviews: list[tuple], extensions: list[tuple], at, wd) -> dict:
    """One track's counts. ``nodes`` are (kind, seq, due_at, done_at) with ``done_at`` None
    unless done by ``at``; ``reviews`` (decision, rating, created_at) in time order;
    ``extensions`` (state, decided_at)."""
    closing = next((r for r in reviews if r[0] == Decision.CLOSE and r[2] <= at), None)
    closed_at = closing[2] if closing else None
    returns = sum(1 for r in reviews if r[0] == Decision.RETURN and r[2] <= at)
    granted = sum(
        1 for state, decided in extensions if state == ExtensionState.GRANTED and decided and decided <= at
    )
    horizon = closed_at or at
    f = dict.fromkeys(COUNTS, 0)
    f["received"], f["returns"], f["extensions"] = 1, returns, granted
    results, spans, overdue = [], [], False
    for kind, seq, due, done in nodes:
        on_time = done is not None and done <= due
        if kind == NodeKind.SIGN:
            f["signed_on_time"] |= on_time
        elif done is not None or due <= horizon:
            f["reports_due"] += 1
            f["reports_on_time"] += on_time
        if kind == NodeKind.RESULT:
            results.append((seq, due, done))
        if done is None and due < at:
            overdue = True
        end = min(m for m in (done, closed_at, at) if m is not None)
        if end > due:
            spans.append((_local_day(due), _local_day(end)))
    results.sort()
    submitted = sorted((done, seq, due) for seq, due, done in results if done is not None)
    if closing:
        f["closed"] = 1
        f["closed_on_time"] = int(bool(submitted) and submitted[-1][0] <= submitted[-1][2])
        if closing[1] in RATINGS:
            f[closing[1]] = 1
    f["due"] = int(bool(closing) or bool(results and results[0][1] <= at))
    waiting = closed_at is None and len(submitted) > returns
    f["overdue_now"] = int(overdue and not closing and not waiting)
    f["overdue_days"] = _late_working_days(spans, wd)
    f["signed_on_time"] = int(f["signed_on_time"])
    return f


def bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period as [start, end) moments: its first day's and the day after its last's midnight
    in Asia/Shanghai."""
    return _start_of_day(period.start), _start_of_day(period.end + dt.timedelta(days=1))


def tracks_in(issuer: OrgUnit, scope: OrgUnit, period: Period, at: dt.datetime):
    start, end = bounds(period)
    return Track.objects.filter(
        subtree_filter("unit_path", scope.path),
        item__issuer_unit=issuer,
        parent__isnull=True,
        assigned_at__gte=start,
        assigned_at__lt=end,
        assigned_at__lte=at,
    )


def _ranked(rows: list[dict]) -> list[dict]:
    rows.sort(key=lambda r: (-r["points"], r["path"]))
    rank = 0
    for i, row in enumerate(rows):
        if i == 0 or row["points"] != rows[i - 1]["points"]:
            rank = i + 1
        row["rank"] = rank
    return rows


def _named(rows: list[dict]) -> dict:
    n = len(rows)
    top: list[str] = []
    bottom: list[str] = []
    if n >= 3:
        k = max(1, n // 5)
        low = rows[n - k]["rank"]
        bottom = [r["name"] for r in rows if r["rank"] >= low and r["rank"] > 1]
        high = rows[k - 1]["rank"]
        top = [r["name"] for r in rows if r["rank"] <= high and r["name"] not in bottom]
    late = sorted(
        (r for r in rows if r["overdue_now"]),
        key=lambda r: (-r["overdue_now"], -r["overdue_days"], r["path"]),
    )[:3]
    overdue = [
        {"name": r["name"], "overdue_now": r["overdue_now"], "overdue_days": r["overdue_days"]} for r in late
    ]
    return {"top": top, "bottom": bottom, "overdue": overdue}


SETTLED = (
    "signed_on_time",
    "reports_due",
    "reports_on_time",
    "closed_on_time",
    "overdue_days",
    "returns",
    "extensions",
)


def _plain_rows(qs, fields: tuple[str, ...], times: tuple[str, ...]):
    """``qs.values_list(*fields)`` where the ``times`` are datetimes, read as text and parsed
    with ``fromisoformat``. Both drivers' datetime loaders run in Python (SQLite's regex parser
    and Django's converters, psycopg's ISO loader under Django's time-zone wrapper), ≈6–10 µs a
    value, and a province's period reads tens of thousands of node times; this is a tenth of it.
    SQLite's text is naive UTC; PostgreSQL's carries the session's offset (Django's UTC)."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    casts = {f"{f}_text": Cast(f, TextField()) for f in times}
    names = [f"{f}_text" if f in times else f for f in fields]
    positions = [i for i, f in enumerate(fields) if f in times]
    parse = dt.datetime.fromisoformat
    out = []
    for row in qs.annotate(**casts).values_list(*names):
        row = list(row)
        for i in positions:
            value = row[i]
            if value is not None:
                moment = parse(value)
                row[i] = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
        out.append(row)
    return out


def histories(track_ids: list[int], at: dt.datetime) -> tuple[dict, dict, dict]:
    """Each track's nodes, reviews and extensions as ``_track_figures`` reads them: one query
    per relation and chunk of ids (by key, so neither database re-runs the tracks' query)."""
    nodes: dict[int, list[tuple]] = defaultdict(list)
    reviews: dict[int, list[tuple]] = defaultdict(list)
    exts: dict[int, list[tuple]] = defaultdict(list)
    for i in range(0, len(track_ids), 900):
        chunk = track_ids[i : i + 900]
        node_rows = _plain_rows(
            Node.objects.filter(track_id__in=chunk),
            ("track_id", "kind", "seq", "due_at", "done_at"),
            ("due_at", "done_at"),
        )
        for track_id, kind, seq, due, done in node_rows:
            nodes[track_id].append((kind, seq, due, done if done is not None and done <= at else None))
        review_rows = _plain_rows(
            Review.objects.filter(track_id__in=chunk).order_by("created_at", "id"),
            ("track_id", "decision", "rating", "created_at"),
            ("created_at",),
        )
        for track_id, *review in review_rows:
            reviews[track_id].append(tuple(review))
        ext_rows = _plain_rows(
            Extension.objects.filter(track_id__in=chunk), ("track_id", "state", "decided_at"), ("decided_at",)
        )
        for track_id, *ext in ext_rows:
            exts[track_id].append(tuple(ext))
    return nodes, reviews, exts


def settled(closed, issuer: OrgUnit, scope: OrgUnit, period: Period, at: dt.datetime):
    """The ``ClosedTrack`` rows of the tracks ``tracks_in`` chooses that were closed by ``at``."""
    start, end = bounds(period)
    return closed.filter(
        subtree_filter("unit_path", scope.path),
        issuer_unit=issuer,
        assigned_at__gte=start,
        assigned_at__lt=end,
        closed_at__lte=at,
    )


def _settled_counts(rows) -> tuple[dict[int, dict], set[int]]:
    """Per unit, the counts of the settled rows, summed in SQL; and their items."""
    from django.db.models import Count, Sum

    sums = {k: Sum(k) for k in SETTLED}
    ratings = {r: Count("pk", filter=Q(rating=r)) for r in RATINGS}
    out: dict[int, dict] = {}
    for row in rows.order_by().values("unit_id").annotate(n=Count("pk"), **sums, **ratings):
        acc = dict.fromkeys(COUNTS, 0)
        acc["received"] = acc["closed"] = acc["due"] = row["n"]
        for k in (*SETTLED, *RATINGS):
            acc[k] = row[k] or 0
        out[row["unit_id"]] = acc
    return out, set(rows.order_by().values_list("item_id", flat=True).distinct())


def compute(
    *,
    issuer: OrgUnit,
    scope: OrgUnit,
    period: Period,
    at: dt.datetime,
    rules: dict | None,
    use_settled: bool = True,
) -> dict:
    """The bulletin's figures as plain JSON values (see the module's definitions).

    Tracks closed by ``at`` with a settled row (``ClosedTrack``) are summed in SQL; the others
    are worked out from their histories (the same numbers: ``duban check-bulletins``).
    ``use_settled=False`` works every track out from its history."""
    from .models import ClosedTrack

    chosen = tracks_in(issuer, scope, period, at)
    per_unit: dict[int, dict] = {}
    items: set[int] = set()
    if use_settled:
        final = settled(ClosedTrack.objects.all(), issuer, scope, period, at)
        per_unit, items = _settled_counts(final)
        # A track open at ``at`` is never settled; one closed by then is, unless its row is
        # missing (then it is derived like the open ones: a missing row costs time, not truth).
        chosen = chosen.filter(
            Q(closed_at__isnull=True) | Q(closed_at__gt=at) | ~Exists(final.filter(track_id=OuterRef("pk")))
        )
    tracks = list(chosen.values_list("pk", "item_id", "unit_id").order_by("pk"))
    nodes, reviews, exts = histories([t[0] for t in tracks], at)
    derived = ((item_id, unit_id, nodes[pk], reviews[pk], exts[pk]) for pk, item_id, unit_id in tracks)
    return figures_of(
        issuer=issuer,
        scope=scope,
        period=period,
        at=at,
        rules=rules,
        tracks=derived,
        per_unit=per_unit,
        items=items,
    )


def figures_of(*, issuer, scope, period, at, rules, tracks, per_unit=None, items=None) -> dict:
    """The bulletin from each track's history — ``tracks`` yields (item id, unit id, nodes,
    reviews, extensions) — added to counts already summed per unit (the settled rows)."""
    rules = plain_rules(rules)
    weights = {k: Decimal(v) for k, v in rules.items()}
    per_unit = per_unit if per_unit is not None else {}
    items = items if items is not None else set()
    wd = WorkingDays(period.start - dt.timedelta(days=1))
    for item_id, unit_id, nodes, reviews, exts in tracks:
        f = _track_figures(nodes, reviews, exts, at, wd)
        acc = per_unit.setdefault(unit_id, dict.fromkeys(COUNTS, 0))
        for k in COUNTS:
            acc[k] += f[k]
        items.add(item_id)
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=list(per_unit))}
    rows = []
    for unit_id, acc in per_unit.items():
        u = units[unit_id]
        points = sum(weights[k] * acc[k] for k in RATINGS)
        points += weights["overdue_day"] * acc["overdue_days"] + weights["return"] * acc["returns"]
        rows.append(
            {
                "unit": u.code,
                "name": u.name,
                "path": u.path,
                **acc,
                "rate": _rate(acc["closed_on_time"], acc["due"]),
                "points": float(points.quantize(Decimal("0.01"), ROUND_HALF_UP)),
            }
        )
    rows = _ranked(rows)
    totals = {k: sum(r[k] for r in rows) for k in COUNTS}
    totals["items"] = len(items)
    totals["units"] = len(rows)
    totals["rate"] = _rate(totals["closed_on_time"], totals["due"])
    return {
        "version": VERSION,
        "issuer": {"code": issuer.code, "name": issuer.name},
        "office": office_name(issuer),
        "scope": {"code": scope.code, "name": scope.name},
        "period": {
            "kind": period.kind,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
        },
        "as_of": at.astimezone(dt.UTC).isoformat(),
        "as_of_label": cn_date(_local_day(at)),
        "rules": rules,
        "rules_text": rules_text(rules),
        "rows": rows,
        "totals": totals,
        "named": _named(rows),
    }


def title_for(issuer: OrgUnit, scope: OrgUnit, period: Period) -> str:
    where = "" if scope.pk == issuer.pk else scope.name
    return f"关于{period.label}{where}督办事项办理情况的通报"
