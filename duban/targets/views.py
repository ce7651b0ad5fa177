"""The 指标 screens: the list with its class counts, a target's page with its charts and forms,
the Excel exports, the figures template and its import.

Reads only through ``targets.selectors`` (visibility lives there), writes only through
``targets.services``; which forms a page offers is ``rules.target_actions``. A refused action
shows the service's Chinese message and changes nothing; a target the viewer may not see is a
404, never a 403.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from duban.core.clock import local_today
from duban.core.errors import DubanError, InvalidInput, NotFound
from duban.items import selectors as item_selectors
from duban.items.rules import user_actions
from duban.web import units as unit_choices

from . import progress, rules, selectors, services
from .models import Comparator, Confidence, FigureSource, Kind, Period

PAGE_SIZE = 50
MAX_SHARE_ROWS = 500  # what services.allocate accepts in one go
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_LABELS = dict(Kind.choices)
COMPARATOR_LABELS = dict(Comparator.choices)
SOURCE_LABELS = dict(FigureSource.choices)
ROLLUP_LABEL = "下级合计"


def _allowed(request) -> None:
    if "view_targets" not in user_actions(request.user):
        raise Http404(_("页面不存在"))


def _target(request, target_id: int):
    try:
        return selectors.get_target(request.user, target_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _back(target_id: int, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("targets:detail", args=[target_id]) + anchor)


def _act(request, target_id: int, call, *, done: str, anchor: str = "") -> HttpResponseRedirect:
    """Run a service for a POST and go back to the target's page with its message."""
    try:
        call()
    except NotFound:
        raise Http404(_("指标不存在或无权查看")) from None
    except DubanError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(target_id, anchor)


# ---------------------------------------------------------------------------------------------
# Numbers for people


def num(value: float | None) -> str:
    """A figure as people write it: no trailing zeros, at most two decimals."""
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def signed(value: float | None) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + num(value)


def raw(value: float | None) -> str:
    """A number for an <input type=number>: exact, never 1.5e+04."""
    if value is None:
        return ""
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


def _parse_day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip()[:10]) if raw else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# The list


def _list_filters(request) -> tuple[dict, dict]:
    """The selector's keyword arguments and the form's values, every one bounded."""
    g = request.GET
    values = {
        k: (g.get(k) or "").strip()[:100] for k in ("klass", "unit", "kind", "section", "year", "q", "top")
    }
    kwargs: dict = {}
    if values["klass"] in {k.value for k in progress.KLASS_ORDER}:
        kwargs["klass"] = values["klass"]
    else:
        values["klass"] = ""
    if values["unit"]:
        unit = selectors.find_unit(values["unit"])
        if unit is not None:
            kwargs["unit_path"] = unit.path
            values["unit"] = unit.code
            values["unit_name"] = unit.name
        else:
            values["unit_error"] = _("未找到该单位")
    if values["kind"] in Kind.values:
        kwargs["kind"] = values["kind"]
    else:
        values["kind"] = ""
    if values["section"]:
        values["section"] = values["section"][:50]
        kwargs["section"] = values["section"]
    if values["year"].isdigit() and 1900 <= int(values["year"]) <= 2100:
        kwargs["plan_year"] = int(values["year"])
    else:
        values["year"] = ""
    if values["q"]:
        values["q"] = values["q"][:50]
        kwargs["q"] = values["q"]
    values["top"] = "1" if values["top"] == "1" else ""
    kwargs["top_only"] = bool(values["top"])
    return kwargs, values


def _query(values: dict, **override) -> str:
    keys = ("klass", "unit", "kind", "section", "year", "q", "top")
    merged = {k: values.get(k, "") for k in keys} | override
    return urlencode({k: v for k, v in merged.items() if v})


def _row(s: selectors.Status) -> dict:
    t, r = s.target, s.reading
    conf = s.confidence
    return {
        "status": s,
        "target": t,
        "kind": KIND_LABELS.get(t.kind, t.kind),
        "value": num(t.value) + (f"–{num(t.value_max)}" if t.value_max is not None else ""),
        "period": r.period_end,
        "actual": num(r.actual),
        "expected": num(r.expected),
        "completion": pct(r.completion),
        "forecast": num(r.forecast),
        "gap": signed(r.gap),
        "klass": r.klass.value,
        "label": r.label,
        "confidence": conf.get_confidence_display() if conf else "",
        "confidence_code": conf.confidence if conf else "",
        "mismatched": bool(s.mismatched),
    }


@login_required
@require_GET
def target_list(request):
    _allowed(request)
    kwargs, values = _list_filters(request)
    result = selectors.target_list(request.user, **kwargs)
    page = Paginator(result.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = [
        {
            "klass": k.value,
            "label": progress.KLASS_LABELS[k],
            "count": result.counts.get(k.value, 0),
            "active": values["klass"] == k.value,
            "query": _query(values, klass=k.value),
        }
        for k in progress.KLASS_ORDER
    ]
    return render(
        request,
        "targets/list.html",
        {
            "page": page,
            "rows": [_row(s) for s in page.object_list],
            "counts": counts,
            "total": result.total,
            "shown": len(result.rows),
            "values": values,
            "kinds": Kind.choices,
            "unit_options": unit_choices.filter_units(request.user),
            "query": _query(values),
            "all_query": _query(values, klass=""),
            "default_period": _last_period_end(local_today()),
        },
    )


def _last_period_end(today: dt.date) -> dt.date:
    """The last month end before today: the usual 完成情况表 period."""
    return today.replace(day=1) - dt.timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# The target page


def chart_data(status: selectors.Status, children: list[selectors.Status]) -> dict:
    """What the charts draw (and the tables beside them show): 序时进度 at each period end, the
    effective figures, the year-end forecast and the target; the shares' completion."""
    t, r = status.target, status.reading
    spec = selectors.spec_of(t)
    ends = progress.period_ends(t.plan_year, t.period)
    return {
        "indicator": t.indicator,
        "unit_label": t.unit_label,
        "periods": [e.isoformat() for e in ends],
        "expected": [round(progress.expected(spec, e), 4) for e in ends],
        "actual": [status.effective.get(e) for e in ends],
        "forecast": {"period": ends[-1].isoformat(), "value": r.forecast},
        "target": t.value,
        "target_max": t.value_max,
        "klass": r.klass.value,
        "children": [
            {
                "id": c.target.pk,
                "unit": c.target.unit.name,
                "value": c.target.value,
                "actual": c.reading.actual,
                "completion": None if c.reading.completion is None else round(c.reading.completion * 100, 1),
                "klass": c.reading.klass.value,
                "label": c.reading.label,
            }
            for c in children
        ],
    }


def _figure_rows(target) -> list[dict]:
    """The figures table: every filing, a correction with the value it replaced."""
    figures = selectors.figure_history(target)
    by_key = {(f.period_end, f.source, f.version): f for f in figures}
    rows = []
    for f in figures:
        prev = by_key.get((f.period_end, f.source, f.version - 1))
        rows.append(
            {
                "figure": f,
                "source": SOURCE_LABELS.get(f.source, f.source),
                "value": num(f.value),
                "previous": num(prev.value) if prev else None,
                "corrected": f.version > 1,
                "evidence": list(f.evidence.all()),
                "confidence": f.get_confidence_display() if f.confidence else "",
            }
        )
    return rows


def _share_rows(target, children: list[selectors.Status], retry: dict | None) -> list[dict]:
    """The allocation form's rows: the retried input, else the existing shares, else one row per
    lower government (the cities of a province, the counties of a city) with no value yet."""
    if retry:
        return retry["rows"]
    if children:
        return [
            {"unit": c.target.unit.code, "name": c.target.unit.name, "value": raw(c.target.value)}
            for c in children
        ]
    lower = selectors.allocation_candidates(target, MAX_SHARE_ROWS)
    return [{"unit": u.code, "name": u.name, "value": ""} for u in lower]


def _detail(request, target, *, retry: dict | None = None, status: int = 200):
    user = request.user
    st = selectors.status_of(target)
    children = selectors.children_statuses(user, target) if st.children else []
    actions = rules.target_actions(user, target)
    data = chart_data(st, children)
    spec = selectors.spec_of(target)
    today = local_today()
    ends = progress.period_ends(target.plan_year, target.period)
    trajectory = [
        {
            "period": e,
            "expected": num(data["expected"][i]),
            "actual": num(data["actual"][i]) if data["actual"][i] is not None else "",
            "source": SOURCE_LABELS.get(
                st.source_of.get(e, ""), _(ROLLUP_LABEL) if st.source_of.get(e) == "rollup" else ""
            ),
        }
        for i, e in enumerate(ends)
    ]
    fileable = list(reversed(progress.fileable_periods(spec, today)))
    alloc_groups = unit_choices.pass_down_groups(target.track.unit) if actions["allocate"].allowed else []
    conf = st.confidence
    return render(
        request,
        "targets/detail.html",
        {
            "t": target,
            "st": st,
            "r": st.reading,
            "actions": actions,
            "kind_label": KIND_LABELS.get(target.kind, target.kind),
            "comparator_label": COMPARATOR_LABELS.get(target.comparator, target.comparator),
            "value": num(target.value),
            "value_max": num(target.value_max) if target.value_max is not None else "",
            "baseline": num(target.baseline) if target.baseline is not None else "",
            "raw": {k: raw(getattr(target, k)) for k in ("value", "value_max", "baseline")},
            "tolerance_pct": num(target.tolerance * 100),
            "profile_pct": ",".join(num(p * 100) for p in target.profile) if target.profile else "",
            "last_year_raw": ",".join("" if v is None else raw(v) for v in target.last_year)
            if target.last_year
            else "",
            "profile_shown": "、".join(num(p * 100) + "%" for p in target.profile) if target.profile else "",
            "actual": num(st.reading.actual),
            "expected": num(st.reading.expected),
            "completion": pct(st.reading.completion),
            "forecast": num(st.reading.forecast),
            "gap": signed(st.reading.gap),
            "confidence": conf,
            "chart": data,
            "trajectory": trajectory,
            "children": [_row(c) for c in children],
            "figures": _figure_rows(target),
            "fileable": fileable,
            # The period usually filed: the latest one that has ended.
            "file_default": next((d for d in fileable if d < today), None),
            "confidences": Confidence.choices,
            "kinds": Kind.choices,
            "comparators": Comparator.choices,
            "periods": Period.choices,
            "share_rows": _share_rows(target, children, retry),
            "alloc_groups": alloc_groups,
            "retry": retry or {},
            "is_range": target.kind == Kind.RANGE,
        },
        status=status,
    )


@login_required
@require_GET
def target_detail(request, target_id: int):
    _allowed(request)
    return _detail(request, _target(request, target_id))


@login_required
@require_GET
def chart(request, target_id: int):
    _allowed(request)
    target = _target(request, target_id)
    st = selectors.status_of(target)
    children = selectors.children_statuses(request.user, target) if st.children else []
    return JsonResponse(chart_data(st, children), headers={"Cache-Control": "no-store"})


# ---------------------------------------------------------------------------------------------
# Forms


def _files(request) -> list:
    files = request.FILES.getlist("files")
    if len(files) > 20:
        raise InvalidInput(_("一次最多上传 20 个佐证材料"), code="too_many_files")
    return files


def _file(request, target_id: int, source: str, done: str) -> HttpResponseRedirect:
    _allowed(request)
    p = request.POST
    unit = source == FigureSource.UNIT  # the statistics figure carries no judgement

    def call():
        services.file_figure(
            actor=request.user,
            target_id=target_id,
            period_end=p.get("period_end", "")[:20],
            value=p.get("value", "")[:40],
            source=source,
            note=p.get("note", ""),
            confidence=p.get("confidence", "")[:20] if unit else "",
            confidence_reason=p.get("confidence_reason", "") if unit else "",
            files=_files(request),
        )

    return _act(request, target_id, call, done=done, anchor="#figures")


@login_required
@require_POST
def file_figure(request, target_id: int):
    return _file(request, target_id, FigureSource.UNIT, _("已报送"))


@login_required
@require_POST
def file_stats(request, target_id: int):
    return _file(request, target_id, FigureSource.STATS, _("统计数已录入"))


def _edit_changes(p) -> dict:
    changes: dict = {}
    for key in ("kind", "comparator", "period"):
        if key in p:
            changes[key] = p.get(key, "")[:20]
    for key in ("value", "value_max", "baseline", "due_day"):
        if key in p:
            changes[key] = p.get(key, "")[:40]
    if "tolerance" in p:
        raw = p.get("tolerance", "").strip()[:20]
        try:
            # Typed in percent: "5" is 5 %, even when it is 1 or less.
            changes["tolerance"] = float(raw) / 100 if raw else raw
        except ValueError:
            changes["tolerance"] = raw  # the service words the refusal
    if "profile" in p:
        changes["profile"] = p.get("profile", "")[:400]
    if "last_year" in p:
        changes["last_year"] = p.get("last_year", "")[:400]
    changes["higher_is_better"] = p.get("higher_is_better") == "1"
    return changes


@login_required
@require_POST
def edit(request, target_id: int):
    _allowed(request)
    p = request.POST
    version = p.get("expected_version", "")

    def call():
        services.update_target(
            actor=request.user,
            target_id=target_id,
            expected_version=int(version) if version.isdigit() else None,
            **_edit_changes(p),
        )

    return _act(request, target_id, call, done=_("指标已修改"), anchor="#terms")


@login_required
@require_POST
def allocate(request, target_id: int):
    _allowed(request)
    p = request.POST
    target = _target(request, target_id)
    codes = p.getlist("unit")[: MAX_SHARE_ROWS + 1]
    values = p.getlist("value")[: MAX_SHARE_ROWS + 1]
    maxes = p.getlist("value_max")[: MAX_SHARE_ROWS + 1]
    rows, shares = [], []
    for i, code in enumerate(codes):
        code = code.strip()[:40]
        value = (values[i] if i < len(values) else "").strip()[:40]
        vmax = (maxes[i] if i < len(maxes) else "").strip()[:40]
        rows.append({"unit": code, "name": "", "value": value, "value_max": vmax})
        if code and value:
            shares.append({"unit": code, "value": value, "value_max": vmax or None})
    names = selectors.unit_names(r["unit"] for r in rows)
    for r in rows:
        r["name"] = names.get(r["unit"], "")
    try:
        services.allocate(
            actor=request.user,
            target_id=target.pk,
            shares=shares,
            accept_shortfall=p.get("accept_shortfall") == "1",
        )
    except NotFound:
        raise Http404(_("指标不存在或无权查看")) from None
    except DubanError as exc:
        messages.error(request, exc.message)
        retry = {
            "rows": [r for r in rows if r["unit"] or r["value"]],
            "short": exc.code == "allocation_short",
        }
        return _detail(request, _target(request, target_id), retry=retry, status=422)
    messages.success(request, _("已分解给 %(n)d 个单位") % {"n": len(shares)})
    return _back(target_id, "#shares")


# ---------------------------------------------------------------------------------------------
# A target added by hand


NEW_FIELDS = (
    "indicator",
    "value",
    "unit_label",
    "kind",
    "comparator",
    "value_max",
    "plan_year",
    "baseline",
    "period",
    "due_day",
)


@login_required
@require_http_methods(["GET", "POST"])
def new(request, item_id: int):
    _allowed(request)
    try:
        item = item_selectors.get_item(request.user, item_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    form = {k: "" for k in NEW_FIELDS}
    status = 200
    if request.method == "POST":
        p = request.POST
        form = {k: p.get(k, "").strip()[: 200 if k == "indicator" else 40] for k in NEW_FIELDS}
        year = form["plan_year"]
        try:
            target = services.create_target(
                actor=request.user,
                item_id=item.pk,
                indicator=form["indicator"],
                value=form["value"],
                unit_label=form["unit_label"],
                kind=form["kind"] if form["kind"] in Kind.values else None,
                comparator=form["comparator"] or Comparator.EQ,
                value_max=form["value_max"] or None,
                plan_year=int(year) if year.isdigit() else None,
                baseline=form["baseline"] or None,
                period=form["period"] or Period.MONTHLY,
                due_day=form["due_day"] or 10,
            )
        except NotFound as exc:
            raise Http404(exc.message) from None
        except DubanError as exc:
            messages.error(request, exc.message)
            status = 422
        else:
            messages.success(request, _("指标已添加"))
            return _back(target.pk)
    return render(
        request,
        "targets/new.html",
        {
            "item": item,
            "form": form,
            "allowed": rules.sets_targets_for(request.user, item),
            "kinds": Kind.choices,
            "comparators": Comparator.choices,
            "periods": Period.choices,
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# Excel: exports, the figures template and its import


def _xlsx(data: bytes, name: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX)
    resp["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return resp


def _period_param(request) -> dt.date:
    return _parse_day(request.GET.get("period")) or _last_period_end(local_today())


@login_required
@require_GET
def export(request):
    """完成情况表: the list's filters, read as the targets stood at ``period``'s end."""
    _allowed(request)
    from . import xlsx

    period_end = _period_param(request)
    kwargs, _values = _list_filters(request)
    rows = selectors.target_list(request.user, **kwargs, upto=period_end).rows
    return _xlsx(xlsx.progress_workbook(rows, period_end), f"指标完成情况-{period_end:%Y%m%d}.xlsx")


@login_required
@require_GET
def allocation_export(request):
    """分解表: each visible target with its shares."""
    _allowed(request)
    from . import xlsx

    kwargs, _values = _list_filters(request)
    rows = selectors.target_list(request.user, **kwargs).rows
    return _xlsx(xlsx.allocation_workbook(rows, user=request.user), f"指标分解-{local_today():%Y%m%d}.xlsx")


@login_required
@require_GET
def template(request):
    """The figures template for a period: one row per target the viewer files for."""
    _allowed(request)
    from . import xlsx

    period_end = _period_param(request)
    source = request.GET.get("source", "unit")
    if source not in FigureSource.values:
        source = FigureSource.UNIT
    try:
        data = xlsx.template_workbook(request.user, period_end, source)
    except DubanError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("targets:import"))
    label = "统计数" if source == FigureSource.STATS else "报送"
    return _xlsx(data, f"指标{label}模板-{period_end:%Y%m%d}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def import_figures(request):
    _allowed(request)
    result = None
    errors: list[tuple[int, str]] = []
    status = 200
    source = request.POST.get("source") or request.GET.get("source") or FigureSource.UNIT
    if source not in FigureSource.values:
        source = FigureSource.UNIT
    if request.method == "POST":
        from . import xlsx

        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput(_("请选择要导入的 Excel 文件"), code="file_required")
            if upload.size > settings.DUBAN_MAX_UPLOAD_BYTES:
                raise InvalidInput(
                    _("文件超过大小限制（%(n)d MB）")
                    % {"n": settings.DUBAN_MAX_UPLOAD_BYTES // 1024 // 1024},
                    code="file_too_large",
                )
            result = xlsx.import_figures(actor=request.user, data=upload.read(), source=source)
        except DubanError as exc:
            messages.error(request, exc.message)
            errors = list(getattr(exc, "errors", None) or [])[:1000]
            status = 422
        else:
            messages.success(
                request,
                _("导入完成：新报送 %(c)d 条，更正 %(u)d 条，未变 %(s)d 条")
                % {"c": result.created, "u": result.corrected, "s": result.unchanged},
            )
    return render(
        request,
        "targets/import.html",
        {
            "result": result,
            "errors": errors,
            "source": source,
            "sources": FigureSource.choices,
            "default_period": _last_period_end(local_today()),
        },
        status=status,
    )
