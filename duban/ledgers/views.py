"""The 五账 ledgers, the printable forms (督办通知单, 催办单, an item's record) and the public
progress page (公开进展, no login).

Reads only through ``ledgers.selectors`` and ``items.selectors`` (visibility lives there); the one
write, publishing an item, goes through ``items.services.set_public``, offered when
``rules.item_actions`` allows "publish". An object the viewer may not see is a 404.
"""

from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from duban.core.clock import local_today, now
from duban.core.errors import DubanError, NotFound
from duban.core.paging import CappedPaginator
from duban.items import rules, services, status
from duban.items import selectors as item_selectors
from duban.items.models import Category, Source
from duban.orgs.models import OrgUnit
from duban.web import units as unit_choices

from . import selectors
from .selectors import LEDGERS, Filters

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _allowed(request) -> None:
    if "ledgers" not in rules.user_actions(request.user):
        raise Http404(_("页面不存在"))


def _ledger(key: str):
    try:
        return selectors.ledger(key)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _filters(request) -> tuple[Filters, dict]:
    """The ledger's filters and the form's values from the query string, every one bounded."""
    g = request.GET
    values = {k: (g.get(k) or "").strip()[:100] for k in ("unit", "source", "category", "from", "to", "q")}
    unit = None
    if values["unit"]:
        unit = (
            OrgUnit.objects.filter(code=values["unit"]).first()
            or OrgUnit.objects.filter(name=values["unit"]).first()
        )
        if unit is None:
            values["unit_error"] = _("未找到该单位")
        else:
            values["unit"], values["unit_name"] = unit.code, unit.name
    if values["source"] not in Source.values:
        values["source"] = ""
    if values["category"] not in Category.values:
        values["category"] = ""
    date_from, date_to = _day(values["from"]), _day(values["to"])
    values["from"] = date_from.isoformat() if date_from else ""
    values["to"] = date_to.isoformat() if date_to else ""
    values["q"] = values["q"][:50]
    f = Filters(
        unit=unit,
        source=values["source"],
        category=values["category"],
        date_from=date_from,
        date_to=date_to,
        q=values["q"],
    )
    return f, values


def _query(values: dict) -> str:
    keys = ("unit", "source", "category", "from", "to", "q")
    return urlencode({k: values[k] for k in keys if values.get(k)})


@login_required
@require_GET
def index(request):
    return HttpResponseRedirect(reverse("ledgers:ledger", args=["tasks"]))


@login_required
@require_GET
def ledger(request, key: str):
    _allowed(request)
    lg = _ledger(key)
    f, values = _filters(request)
    qs = lg.objects(request.user, f)
    paginator = CappedPaginator(qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = lg.rows(request.user, list(page.object_list))
    return render(
        request,
        "ledgers/ledger.html",
        {
            "ledger": lg,
            "ledgers": LEDGERS.values(),
            "rows": rows,
            "page": page,
            "values": values,
            "query": _query(values),
            "sources": Source.choices,
            "categories": Category.choices,
            "unit_options": unit_choices.filter_units(request.user),
        },
    )


def workbook(lg, chunks) -> bytes:
    """A ledger as .xlsx: a bold frozen header, column widths, the rows as the page shows them."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(lg.title)
    for col, width in enumerate(lg.widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for h in lg.headers:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        header.append(c)
    ws.append(header)
    for rows in chunks:
        for row in rows:
            ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@login_required
@require_GET
def export(request, key: str):
    """The ledger under the current filters as .xlsx: the same rows as the page, bounded."""
    _allowed(request)
    lg = _ledger(key)
    f, values = _filters(request)
    limit = settings.DUBAN_EXPORT_MAX_ROWS
    if lg.objects(request.user, f)[: limit + 1].count() > limit:
        messages.error(
            request, _("导出的记录超过 %(n)d 条，请先缩小筛选范围（如按单位、来源或日期）") % {"n": limit}
        )
        query = _query(values)
        return HttpResponseRedirect(reverse("ledgers:ledger", args=[key]) + ("?" + query if query else ""))
    data = workbook(lg, selectors.ledger_rows(request.user, key, f))
    resp = HttpResponse(data, content_type=XLSX)
    name = f"{lg.title}-{local_today():%Y%m%d}.xlsx"
    resp["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return resp


# ---------------------------------------------------------------------------------------------
# Print


def _item(request, item_id: int, *, journal: bool = False):
    try:
        return item_selectors.item_detail(request.user, item_id, journal=journal)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _as_assigned(track) -> list:
    """The nodes a track was assigned with: a return's fresh result node is not on the notice."""
    seen, out = set(), []
    for n in track.nodes.all():
        if n.kind == "progress" or n.kind not in seen:
            out.append(n)
            seen.add(n.kind)
    return out


@login_required
@require_GET
def print_notice(request, item_id: int):
    """督办通知单: what, who, by when, the issuer — one A4 page."""
    item = _item(request, item_id)
    top = [t for t in item.track_list if t.parent_id is None]
    return render(
        request,
        "ledgers/print_notice.html",
        {
            "item": item,
            "leads": [t for t in top if t.role == "lead"],
            "coops": [t for t in top if t.role == "coop"],
            "nodes": _as_assigned(top[0]) if top else [],
            "printed_at": now(),
        },
    )


@login_required
@require_GET
def print_urge(request, urge_id: int):
    """催办单 for one urge."""
    try:
        urge = selectors.get_urge(request.user, urge_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    track = urge.track
    nodes = list(track.nodes.order_by("seq"))
    current = status.next_open_node(nodes) if not track.is_closed else None
    late = urge.created_at - current.due_at if current and current.due_at < urge.created_at else None
    return render(
        request,
        "ledgers/print_urge.html",
        {"urge": urge, "track": track, "item": track.item, "current": current, "late": late},
    )


@login_required
@require_GET
def print_record(request, item_id: int):
    """An item's full record — every track's nodes, reports, reviews, extensions, urges and the
    timeline — without navigation or forms."""
    from duban.web import journal as journal_text

    item = _item(request, item_id, journal=True)
    at = now()
    for t in item.track_list:
        t.node_rows = [(n, selectors.node_outcome(n, t, at)) for n in t.nodes.all()]
    return render(
        request,
        "ledgers/print_record.html",
        {
            "item": item,
            "tracks": item.track_list,
            "events": [(e, journal_text.describe(e)) for e in item.event_list],
            "printed_at": at,
        },
    )


# ---------------------------------------------------------------------------------------------
# 公开进展


@login_required
@require_POST
def publish(request, item_id: int):
    public = request.POST.get("public") == "1"
    try:
        services.set_public(actor=request.user, item_id=item_id, public=public)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DubanError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已在公开进展页公开") if public else _("已取消公开"))
    return HttpResponseRedirect(reverse("web:item", args=[item_id]))


@require_GET
def public_index(request):
    """No login: the reports with published items; with one report, its items by section."""
    plans = selectors.public_plans()
    if len(plans) == 1:
        pid = plans[0][0]
        return public_page(request, pid if pid is not None else 0)
    return render(request, "ledgers/public_index.html", {"plans": plans})


@require_GET
def public_page(request, plan_id: int):
    try:
        report = selectors.public_report(plan_id or None)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "ledgers/public.html", {"report": report, "plans": selectors.public_plans()})
