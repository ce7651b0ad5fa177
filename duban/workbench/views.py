"""The 督办工作台 screens: sections by what needs the supervisor, and bulk 催办.

Reads only through ``workbench.selectors``, writes only through ``workbench.services``; whether a
row may be urged is the rules' (``may_urge`` on each row). A refused bulk urge shows the
service's Chinese message naming every track that stopped it, and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from duban.core.clock import SHANGHAI
from duban.core.errors import DubanError
from duban.items.models import Category, Source
from duban.orgs.models import OrgUnit, subtree_filter
from duban.plans.selectors import plans_visible_to
from duban.web import units as unit_choices

from . import selectors, services

PAGE_SIZE = 50


def _allowed(request) -> None:
    if not selectors.may_use(request.user):
        raise Http404(_("页面不存在"))


def _int(raw, default: int | None = None) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _filters(request) -> tuple[selectors.Filters, dict]:
    """The selector's filters and the form's values from the query string (bounded: a unit
    outside the viewer's subtree or a plan they cannot see is refused with a message)."""
    g = request.GET
    values = {k: (g.get(k) or "").strip()[:100] for k in ("unit", "source", "category", "plan", "days")}
    f = selectors.Filters()
    root = request.user.unit
    if values["unit"]:
        within = OrgUnit.objects.filter(subtree_filter("path", root.path))
        unit = within.filter(code=values["unit"]).first() or within.filter(name=values["unit"]).first()
        if unit is None:
            values["unit_error"] = _("未找到该单位，或不在本单位范围内")
        else:
            f.unit = unit
            values["unit"], values["unit_name"] = unit.code, unit.name
    if values["source"] in Source.values:
        f.source = values["source"]
    if values["category"] in Category.values:
        f.category = values["category"]
    if values["plan"]:
        plan_id = _int(values["plan"])
        if plan_id is not None and plans_visible_to(request.user).filter(pk=plan_id).exists():
            f.plan = plan_id
        else:
            values["plan_error"] = _("报告分解不存在或无权查看")
    days = _int(values["days"])
    if days is not None:
        f.stale_days = max(1, min(days, selectors.MAX_STALE_DAYS))
    values["days"] = str(f.stale_days)
    return f, values


@login_required
@require_GET
def home(request):
    _allowed(request)
    filters, values = _filters(request)
    wb = selectors.Workbench(request.user, filters)
    counts = wb.counts()
    section = request.GET.get("section")
    if section not in selectors.SECTIONS:
        section = next((s for s in selectors.SECTIONS if counts[s]["tracks"]), "overdue")
    total = counts[section]["tracks"]
    pages = max(1, -(-total // PAGE_SIZE))
    number = max(1, min(_int(request.GET.get("page"), 1) or 1, pages))
    rows = wb.rows(section, (number - 1) * PAGE_SIZE, PAGE_SIZE) if total else []
    kept = {
        k: values[k]
        for k in ("unit", "source", "category", "plan")
        if values.get(k) and not values.get(f"{k}_error")
    }
    if values["days"] != str(selectors.stale_days_default()):
        kept["days"] = values["days"]
    query = urlencode(kept)
    base = reverse("workbench:home")
    sections = [
        {
            "key": s,
            "label": _(selectors.SECTION_LABELS[s]),
            "tracks": counts[s]["tracks"],
            "items": counts[s]["items"],
            "active": s == section,
            "url": f"{base}?{urlencode({**kept, 'section': s})}",
        }
        for s in selectors.SECTIONS
    ]
    return render(
        request,
        "workbench/home.html",
        {
            "sections": sections,
            "section": section,
            "section_label": _(selectors.SECTION_LABELS[section]),
            "counts": counts[section],
            "rows": rows,
            "by_unit": wb.overdue_by_unit() if section == "overdue" else [],
            "urgeable": section in selectors.URGE_SECTIONS and any(t.may_urge for t in rows),
            "values": values,
            "query": query,
            "here": f"{base}?{urlencode({**kept, 'section': section, 'page': number})}",
            "number": number,
            "pages": pages,
            "first": (number - 1) * PAGE_SIZE + 1,
            "last": (number - 1) * PAGE_SIZE + len(rows),
            "unit_options": unit_choices.filter_units(request.user),
            "sources": Source.choices,
            "categories": Category.choices,
            "plans": list(
                plans_visible_to(request.user).order_by("-created_at").values("pk", "title", "name")[:50]
            ),
            "stale_cutoff": wb.stale_cutoff.astimezone(SHANGHAI),
            "base": base,
        },
    )


def _back(request) -> HttpResponseRedirect:
    base = reverse("workbench:home")
    nxt = request.POST.get("next") or ""
    # Only back to the workbench itself: never an address someone else put in the form.
    if not nxt.startswith(base + "?") or "//" in nxt or len(nxt) > 1000:
        nxt = base
    return HttpResponseRedirect(nxt)


@login_required
@require_POST
def urge(request):
    _allowed(request)
    ids = request.POST.getlist("track")[: services.MAX_BATCH + 1]
    try:
        done = services.urge_many(actor=request.user, track_ids=ids, message=request.POST.get("message", ""))
    except DubanError as exc:
        messages.error(request, exc.message)
    else:
        items = len({u.track.item_id for u in done})
        messages.success(
            request,
            _("已催办 %(t)d 条承办记录（%(i)d 项事项）") % {"t": len(done), "i": items},
        )
    return _back(request)
