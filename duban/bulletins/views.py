"""The 通报 screens: the list of published bulletins, the new-bulletin form with its preview,
a bulletin's page and its .docx / .xlsx, and the points rules page.

Reads through ``selectors`` (who may read a bulletin is decided there), writes through
``services``; which buttons a page offers is ``rules`` via ``user_actions``. A refused action
shows the service's Chinese message and changes nothing; a bulletin the viewer may not see is
a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from duban.core.clock import local_today
from duban.core.errors import DubanError, NotFound
from duban.items.rules import user_actions

from . import periods, selectors, services
from . import render as files
from .models import DEFAULT_POINTS, PeriodKind

PAGE_SIZE = 50
POINT_LABELS = {k: services.POINT_FIELDS[k][1] for k in DEFAULT_POINTS}


def _allowed(request, action: str = "bulletins") -> None:
    if action not in user_actions(request.user):
        raise Http404("页面不存在")


def _bulletin(request, pk: int):
    try:
        return selectors.get_bulletin(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _form_values(source) -> dict:
    """The period and scope fields, every one bounded; defaults: last month, the whole unit."""
    today = local_today()
    last_month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    values = {
        k: (source.get(k) or "").strip()[:20] for k in ("kind", "year", "month", "quarter", "start", "end")
    }
    values["scope"] = (source.get("scope") or "").strip()[:32]
    values["kind"] = values["kind"] if values["kind"] in PeriodKind.values else PeriodKind.MONTH
    values["year"] = values["year"] or str(last_month[0])
    values["month"] = values["month"] or str(last_month[1])
    values["quarter"] = values["quarter"] or str((last_month[1] - 1) // 3 + 1)
    return values


def _period(values: dict) -> periods.Period:
    return periods.parse(
        values["kind"],
        year=values["year"],
        month=values["month"],
        quarter=values["quarter"],
        start=values["start"],
        end=values["end"],
    )


def document(data: dict) -> dict:
    """What the page shows of a bulletin's data: its body and its table as text."""
    return {
        "data": data,
        "paragraphs": files.paragraphs(data),
        "header": (table := files.table_rows(data))[0],
        "body": table[1:-1],
        "total_line": table[-1],
    }


@login_required
@require_GET
def bulletin_list(request):
    _allowed(request)
    qs = selectors.bulletins_visible_to(request.user).select_related("scope_unit", "issuer_unit")
    page = Paginator(qs, PAGE_SIZE).get_page(str(request.GET.get("page", ""))[:6])
    return render(request, "bulletins/list.html", {"page": page, "rows": page.object_list})


def _new_page(request, values: dict, *, preview: dict | None = None, status: int = 200):
    return render(
        request,
        "bulletins/new.html",
        {
            "values": values,
            "kinds": PeriodKind.choices,
            "scopes": selectors.scope_choices(request.user),
            "preview": document(preview) if preview else None,
            "months": range(1, 13),
            "quarters": ((1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")),
        },
        status=status,
    )


@login_required
@require_GET
def new(request):
    """The form; with ``preview=1`` the figures it would publish now."""
    _allowed(request, "publish_bulletin")
    values = _form_values(request.GET)
    if not request.GET.get("preview"):
        return _new_page(request, values)
    try:
        data = selectors.preview(request.user, period=_period(values), scope_code=values["scope"])
    except DubanError as exc:
        messages.error(request, exc.message)
        return _new_page(request, values, status=422)
    return _new_page(request, values, preview=data)


@login_required
@require_POST
def publish(request):
    values = _form_values(request.POST)
    try:
        bulletin = services.publish(actor=request.user, period=_period(values), scope_code=values["scope"])
    except DubanError as exc:
        messages.error(request, exc.message)
        if "publish_bulletin" not in user_actions(request.user):
            return HttpResponseRedirect(reverse("bulletins:list"))
        return _new_page(request, values, status=422)
    messages.success(request, "通报已发布")
    return HttpResponseRedirect(reverse("bulletins:detail", args=[bulletin.pk]))


@login_required
@require_GET
def detail(request, pk: int):
    _allowed(request)
    bulletin = _bulletin(request, pk)
    return render(request, "bulletins/detail.html", {"bulletin": bulletin, **document(bulletin.data)})


def _download(bulletin, data: bytes, ext: str, mime: str) -> HttpResponse:
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = content_disposition_header(True, f"{bulletin.title}.{ext}")
    return response


@login_required
@require_GET
def docx(request, pk: int):
    _allowed(request)
    bulletin = _bulletin(request, pk)
    return _download(bulletin, files.docx_bytes(bulletin.data), "docx", files.DOCX)


@login_required
@require_GET
def xlsx(request, pk: int):
    _allowed(request)
    bulletin = _bulletin(request, pk)
    return _download(bulletin, files.xlsx_bytes(bulletin.data), "xlsx", files.XLSX)


@login_required
@require_http_methods(["GET", "POST"])
def points(request):
    _allowed(request, "bulletin_points")
    current = selectors.points_rules(request.user.unit)
    values = {k: format(current[k].normalize(), "f") for k in DEFAULT_POINTS}
    status = 200
    if request.method == "POST":
        values = {k: str(request.POST.get(k, ""))[:12] for k in DEFAULT_POINTS}
        try:
            services.update_points_rules(actor=request.user, **values)
        except DubanError as exc:
            messages.error(request, exc.message)
            status = 422
        else:
            messages.success(request, "积分规则已保存，此后发布的通报按新规则计分")
            return HttpResponseRedirect(reverse("bulletins:points"))
    fields = [(k, POINT_LABELS[k], values[k]) for k in DEFAULT_POINTS]
    return render(
        request, "bulletins/points.html", {"fields": fields, "unit": request.user.unit}, status=status
    )
