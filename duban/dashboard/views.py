"""领导驾驶舱: the dashboard of a unit's subtree, its JSON, and the list behind every number.

Views read only through ``dashboard.selectors`` (scope and visibility live there); the page
shows whatever the selector returns and decides nothing about roles.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from duban.core.clock import SHANGHAI, now
from duban.core.errors import NotFound
from duban.core.paging import COUNT_CAP
from duban.items import status
from duban.items.models import Source, Track, TrackRole
from duban.items.selectors import IdsFirst, row_tracks

from . import selectors
from .selectors import Filter

PAGE_SIZE = 50
LIGHT_NAMES = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "closed": "已办结"}


def _scope(request, code=None):
    try:
        return selectors.scope_unit(request.user, code)
    except NotFound as exc:
        raise Http404(exc.message) from None


class Links:
    """URLs of the lists behind the numbers, reversed once per page."""

    def __init__(self, unit) -> None:
        self.unit = unit
        self.items = reverse("web:items")
        self.list_prefix = reverse("dashboard:list", args=["0"])[: -len("0/list/")]
        self.targets = reverse("targets:list")

    def item_list(self, code: str, count: int, *, light: str, source: str = "") -> str:
        """The item list (事项), whose unit filter takes the unit's whole subtree — unless it
        would stop counting at its cap ("超过 10000 项"): then our list of the same items, which
        counts them all, so the number and the list always agree."""
        if count > COUNT_CAP:
            return self.listing(code, "items", Filter(light=light, source=source))
        q = {"unit": code, "light": light, **({"source": source} if source else {})}
        return f"{self.items}?{urlencode(q)}"

    def listing(self, code: str, what: str, f: Filter) -> str:
        return f"{self.list_prefix}{code}/list/?{urlencode({'what': what, **f.query()})}"

    def target_list(self, **q) -> str:
        return f"{self.targets}?{urlencode({'unit': self.unit.code, **q})}"


def dashboard_data(d: selectors.Dashboard) -> dict:
    """The page's numbers with the URL of the list behind each: the JSON endpoint, the copy the
    page carries for its charts, and what the tables beside the charts show."""
    code = d.unit.code
    links = Links(d.unit)
    headline = {}
    for key, src in (("all", ""), ("work_report", Source.WORK_REPORT)):
        h = d.headline[key]
        closed_f = Filter(source=src, closed_from=d.headline["from"], closed_to=d.headline["to"])
        this_month = Filter(source=src, closed_from=d.headline["to"], closed_to=d.headline["to"])
        headline[key] = {
            "open": h["open"],
            "open_url": links.listing(code, "items", Filter(open=True, source=src)),
            "red": h["red"],
            "red_url": links.item_list(code, h["red"], light="red", source=src),
            "closed_month": h["closed_month"],
            "closed_month_url": links.listing(code, "tracks", this_month),
            "closed": h["closed_year"],
            "closed_url": links.listing(code, "tracks", closed_f),
            "on_time": h["on_time"],
            "on_time_url": links.listing(
                code,
                "tracks",
                Filter(source=src, closed_from=d.headline["from"], closed_to=d.headline["to"], on_time=True),
            ),
            "rate": h["rate"],
        }
    return {
        "unit": {"code": code, "name": d.unit.name},
        "at": d.at.astimezone(SHANGHAI).isoformat(),
        "period": {"from": f"{d.headline['from']:%Y-%m}", "to": f"{d.headline['to']:%Y-%m}"},
        "headline": headline,
        "units": [
            {
                "code": r["unit"].code,
                "name": r["unit"].name,
                "dashboard_url": reverse("dashboard:unit", args=[r["unit"].code]),
                "open": r["open"],
                "open_url": links.listing(r["unit"].code, "items", Filter(open=True)),
                **{k: r[k] for k in selectors.LIGHTS},
                **{f"{k}_url": links.item_list(r["unit"].code, r[k], light=k) for k in selectors.LIGHTS},
            }
            for r in d.units
        ],
        "trend": [
            {
                "month": f"{r['month']:%Y-%m}",
                "closed": r["closed"],
                "closed_url": links.listing(code, "tracks", r["closed_filter"]),
                "on_time": r["on_time"],
                "on_time_url": links.listing(code, "tracks", r["on_time_filter"]),
                "rate": r["rate"],
            }
            for r in d.trend
        ],
        "ageing": [
            {
                "key": a["key"],
                "label": a["label"],
                "tracks": a["tracks"],
                "url": links.listing(code, "tracks", a["filter"]),
            }
            for a in d.ageing
        ],
        "longest": [
            {
                "item_id": r["item_id"],
                "url": f"{links.items}{r['item_id']}/",
                "title": r["title"],
                "unit": r["unit"],
                "due": r["due"].astimezone(SHANGHAI).isoformat(),
                "days": r["days"],
            }
            for r in d.longest
        ],
        "targets": {
            "total": d.targets["total"],
            "url": links.target_list(),
            "classes": [{**c, "url": links.target_list(klass=c["klass"])} for c in d.targets["classes"]],
            "worst": [{**w, "url": reverse("targets:detail", args=[w["id"]])} for w in d.targets["worst"]],
        },
        "instructions": [
            {
                "item_id": r["item_id"],
                "url": f"{links.items}{r['item_id']}/",
                "title": r["title"],
                "text": r["text"],
                "at": r["at"].astimezone(SHANGHAI).isoformat(),
                "light": r["light"],
                "rating": r["rating"],
            }
            for r in d.instructions
        ],
    }


def _page(request, unit):
    d = selectors.dashboard(request.user, unit)
    data = dashboard_data(d)
    return render(
        request,
        "dashboard/home.html",
        {
            "d": d,
            "data": data,
            "data_url": reverse("dashboard:data", args=[unit.code]),
            "trail": _trail(request.user, unit),
            "blocks": [
                (data["headline"]["all"], _("全部督办事项")),
                (data["headline"]["work_report"], _("其中：政府工作报告任务")),
            ],
        },
    )


def _trail(user, unit) -> list:
    """Province → city → county down to ``unit``, from the viewer's own unit."""
    from duban.orgs.models import OrgUnit

    codes = [p for p in unit.path.strip("/").split("/")]
    units = {u.path: u for u in OrgUnit.objects.filter(code__in=codes)}
    root = user.unit.path
    return [u for p, u in sorted(units.items(), key=lambda x: len(x[0])) if p.startswith(root)]


@login_required
@require_GET
def home(request):
    return _page(request, _scope(request))


@login_required
@require_GET
def unit(request, code):
    return _page(request, _scope(request, code))


@login_required
@require_GET
def data(request, code):
    unit = _scope(request, code)
    return JsonResponse(
        dashboard_data(selectors.dashboard(request.user, unit)), headers={"Cache-Control": "no-store"}
    )


@login_required
@require_GET
def listing(request, code):
    """The rows behind a number: 事项 (``what=items``) or 承办记录 (``what=tracks``), counted
    exactly — the count on the page is the number that linked here. Anyone may list a unit
    within their own subtree (the light board links here); rows are what they may see."""
    try:
        unit = selectors.unit_in_subtree(request.user, code)
    except NotFound as exc:
        raise Http404(exc.message) from None
    f = Filter.parse(request.GET)
    what = "items" if request.GET.get("what") == "items" else "tracks"
    at = now()
    if what == "items":
        qs = (
            selectors.item_filter(request.user, unit, f, at)
            .select_related("issuer_unit")
            .order_by("-created_at", "-id")
        )
    else:
        # Closures newest first (by id: closed_at is in no index); open work soonest due first.
        order = ("-id",) if f.closed_from else ("next_due_at", "-closed_at", "id")
        # The page's ids from the tracks alone, then those rows with their item and unit: joined
        # first, SQLite sorted a province's 290k closures to keep 50.
        qs = IdsFirst(
            selectors.track_filter(request.user, unit, f, at).order_by(*order),
            Track.objects.select_related("item", "unit"),
        )
    paginator = Paginator(qs, PAGE_SIZE)
    known = selectors.closed_count(request.user, unit, f) if what == "tracks" else None
    if known is not None:
        paginator.count = known  # the roll-up's count (checked against the tracks), not a scan
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    if what == "items":
        from django.db.models import prefetch_related_objects

        prefetch_related_objects(rows, row_tracks())
        for it in rows:
            tracks = list(it.tracks.all())
            it.light = status.item_light(tracks, at)
            it.rating = status.item_rating(tracks)
            it.lead_units = [t.unit for t in tracks if t.parent_id is None and t.role == TrackRole.LEAD]
    else:
        for t in rows:
            t.light = status.track_light(t, at)
            t.late_days = (
                selectors.late_working_days(t.next_due_at, at.astimezone(SHANGHAI).date())
                if t.light == "red"
                else None
            )
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "dashboard/list.html",
        {
            "unit": unit,
            "what": what,
            "title": _describe(f),
            "page": page,
            "rows": rows,
            "query": urlencode(query),
            "item_prefix": reverse("web:items"),
        },
    )


def _describe(f: Filter) -> str:
    parts = []
    if f.source:
        parts.append(str(dict(Source.choices)[f.source]))
    if f.open:
        parts.append(_("在办"))
    if f.light:
        parts.append(_(LIGHT_NAMES[f.light]))
    if f.age:
        parts.append(_("逾期") + dict((k, lb) for k, lb, _lo, _hi in selectors.AGE_BUCKETS)[f.age])
    if f.closed_from:
        span = f"{f.closed_from:%Y-%m}" + (
            f"—{f.closed_to:%Y-%m}" if f.closed_to and f.closed_to != f.closed_from else ""
        )
        parts.append(_("%(span)s办结") % {"span": span})
    if f.on_time is not None:
        parts.append(_("按期") if f.on_time else _("逾期办结"))
    return " · ".join(parts) or _("全部")
