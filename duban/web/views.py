"""The server-rendered Chinese UI of the supervision core.

Views read only through ``items.selectors`` (visibility lives there) and write only through
``items.services``. A refused action shows the service's Chinese message and changes nothing;
an object the viewer may not see is a 404, never a 403.
"""

from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from duban.core import cleaning
from duban.core.clock import SHANGHAI, local_today, now
from duban.core.errors import DubanError, InvalidInput, NotFound
from duban.core.labels import words
from duban.core.paging import CappedPaginator
from duban.items import rules, selectors, services, status
from duban.items.models import (
    Category,
    Item,
    NodeKind,
    Rating,
    ReportKind,
    Source,
    Track,
    TrackRole,
    TrackState,
)
from duban.notify import selectors as notify_selectors
from duban.orgs.models import OrgUnit
from duban.orgs.selectors import unit_members
from duban.targets import progress as target_progress
from duban.targets import rules as target_rules
from duban.targets import selectors as target_selectors
from duban.targets import services as target_services
from duban.targets.models import Confidence

from . import journal as journal_text
from . import rows
from . import units as unit_choices
from .templatetags.duban_web import local, span

QUEUE_LABELS = {
    "to_sign": "待签收",
    "to_report": "待部署/反馈",
    "due_soon": "即将到期",
    "overdue": "已逾期",
    "returned": "被退回",
    "urged": "被催办",
    "to_review": "待审核",
    "extensions": "延期待批",
    "figures": "待报送指标",
}
# The 待报送指标 tab: the figures this user files that are overdue or due soon (web only; the
# track tabs above are the API's queue too).
FIGURES_TAB = "figures"
# A target's class → the badge colour it is shown with.
KLASS_BADGES = {
    "behind": "badge-red",
    "missing": "badge-red",
    "on_track": "badge-green",
    "ahead": "badge-green",
    "done_early": "badge-green",
    "done": "badge-closed",
    "no_data": "badge-draft",
}
PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 50
EXPORT_CHUNK = 1000
LIGHTS = [
    ("red", "红灯（已逾期）"),
    ("yellow", "黄灯（即将到期）"),
    ("green", "绿灯（正常）"),
    ("closed", "已办结"),
]
ORDERS = [
    ("-created_at", "立项时间（新→旧）"),
    ("created_at", "立项时间（旧→新）"),
    ("due", "最近期限"),
    ("title", "标题"),
]


def _not_found(exc: DubanError | None = None):
    raise Http404(exc.message if exc else _("不存在或无权查看"))


# ---------------------------------------------------------------------------------------------
# 我的待办


@login_required
@require_GET
def queue(request):
    if "kind" not in request.GET:
        # "/" is where each role's work is (rules.landing): the page is served here rather than
        # redirected to, so "/" stays a bookmarkable 200; "?kind=" always means this queue.
        landing = _landing_view(request.user)
        if landing is not None:
            return landing.func(request, *landing.args, **landing.kwargs)
    q = selectors.Queue(request.user)
    at, kinds = q.at, list(q.kinds)
    counts = q.counts()
    if not rules.may_handle_tracks(request.user):
        # Handling tabs only where there is something: a supervisor never signs or reports, so
        # their unit's tracks (a city is also a handling unit) are the only thing they could show.
        kinds = [k for k in kinds if k not in selectors.Queue.MINE or counts[k]] or kinds
    due = target_selectors.figures_due(request.user)
    if due:  # only someone who files figures, and has some to file, gets the tab
        kinds.append(FIGURES_TAB)
        counts[FIGURES_TAB] = len(due)
    kind = request.GET.get("kind")
    if kind not in kinds:
        kind = next((k for k in kinds if counts[k]), kinds[0])
    if kind == FIGURES_TAB:
        paginator = CappedPaginator(_figure_rows(due), QUEUE_PAGE_SIZE, count=counts[kind])
        page = paginator.get_page(request.GET.get("page"))
        rows = list(page.object_list)
    else:
        paginator = CappedPaginator(q.tab(kind), QUEUE_PAGE_SIZE, count=counts[kind])
        page = paginator.get_page(request.GET.get("page"))
        rows = list(page.object_list) if counts[kind] else []
        _decorate_tracks(rows, at)
    tabs = [{"kind": k, "label": _(QUEUE_LABELS[k]), "count": counts[k], "active": k == kind} for k in kinds]
    return render(
        request,
        "web/queue.html",
        {
            "tabs": tabs,
            "kind": kind,
            "kind_label": _(QUEUE_LABELS[kind]),
            "rows": rows,
            "total": counts[kind],
            "number": page.number,
            "pages": paginator.num_pages,
            "first": page.start_index(),
            "last": page.end_index(),
        },
    )


def _landing_view(user):
    """The resolved view of the user's landing page, or None for the queue itself (also when the
    page is not installed: the leader dashboard lives in its own app)."""
    name = rules.landing(user)
    if name == "web:queue":
        return None
    try:
        return resolve(reverse(name))
    except NoReverseMatch:
        return None


def period_label(target, end: dt.date) -> str:
    """A reporting period as people say it: 2026年3月, 2026年第一季度."""
    if target.period == "quarterly":
        quarter = "一二三四"[(end.month - 1) // 3]
        return _("%(y)d年第%(q)s季度") % {"y": end.year, "q": quarter}
    return _("%(y)d年%(m)d月") % {"y": end.year, "m": end.month}


def _figure_rows(due: list) -> list[dict]:
    today = local_today()
    target_selectors.load_items(due)
    return [
        {"target": t, "period_end": end, "period": period_label(t, end), "due": day, "late": day < today}
        for t, end, day in due
    ]


def _decorate_tracks(tracks: list[Track], at: dt.datetime) -> None:
    """Attach next open node, light and lateness to queue rows (one query for all nodes)."""
    selectors.attach_nodes(tracks)
    _w = words()
    for t in tracks:
        t.role_label, t.state_label = _w.label(TrackRole, t.role), _w.label(TrackState, t.state)
        t.next_node = status.next_open_node(list(t.nodes.all())) if not t.is_closed else None
        t.next_node_label = _w.label(NodeKind, t.next_node.kind) if t.next_node else ""
        t.light = status.track_light(t, at)
        t.late_by = at - t.next_due_at if t.light == "red" and t.next_due_at else None


# ---------------------------------------------------------------------------------------------
# Item list and export


def _parse_date(raw: str | None) -> dt.date | None:
    return cleaning.parse_day(raw)  # None also for a year outside 1900–2100


def _list_filters(request) -> tuple[dict, dict]:
    """The selector's keyword arguments and the form's values from the query string."""
    g = request.GET
    values = {
        k: (g.get(k) or "").strip()
        for k in ("unit", "light", "category", "source", "from", "to", "q", "order")
    }
    kwargs: dict = {}
    if values["unit"]:
        unit = OrgUnit.objects.filter(code=values["unit"]).first()
        if unit is None:
            unit = OrgUnit.objects.filter(name=values["unit"]).first()
        if unit is not None:
            kwargs["unit"] = unit
            values["unit"] = unit.code
            values["unit_name"] = unit.name
        else:
            values["unit_error"] = _("未找到该单位")
    if values["light"] in dict(LIGHTS):
        kwargs["light"] = values["light"]
    if values["category"] in Category.values:
        kwargs["category"] = values["category"]
    if values["source"] in Source.values:
        kwargs["source"] = values["source"]
    kwargs["due_from"] = _parse_date(values["from"])
    kwargs["due_to"] = _parse_date(values["to"])
    if values["q"]:
        kwargs["q"] = values["q"][:100]
    return kwargs, values


def _filtered(request):
    """The list's rows in the asked order, and the same rows unordered for counting."""
    kwargs, values = _list_filters(request)
    order = values["order"] if values["order"] in dict(ORDERS) else "-created_at"
    qs = selectors.filtered_items(request.user, order=order, **kwargs)
    return selectors.filtered_items(request.user, **kwargs), qs, values


def _decorate_items(items: list[Item], at: dt.datetime) -> None:
    for item in items:
        tracks = list(item.tracks.all())
        item.light = status.item_light(tracks, at)
        top = [t for t in tracks if t.parent_id is None]
        item.lead_units = [t.unit for t in top if t.role == TrackRole.LEAD]
        item.coop_units = [t.unit for t in top if t.role == TrackRole.COOP]
        dues = [t.next_due_at for t in tracks if t.next_due_at and not t.is_closed]
        item.next_due = min(dues) if dues else None
        item.late_by = at - item.next_due if item.next_due and item.next_due < at else None
        item.rating = status.item_rating(tracks)


@login_required
@require_GET
def item_list(request):
    base, qs, values = _filtered(request)
    paginator = CappedPaginator(qs.select_related("issuer_unit"), PAGE_SIZE, count_list=base)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(rows, selectors.row_tracks())
    _decorate_items(rows, now())
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "web/item_list.html",
        {
            "page": page,
            "rows": rows,
            # One reverse() for the page, not one per row.
            "item_prefix": reverse("web:items"),
            "values": values,
            "lights": LIGHTS,
            "orders": ORDERS,
            "categories": Category.choices,
            "sources": Source.choices,
            "unit_options": unit_choices.filter_units(request.user),
            "query": urlencode(query),
            "can_register": "register" in rules.user_actions(request.user),
        },
    )


EXPORT_HEADERS = [
    "编号",
    "标题",
    "来源",
    "类别",
    "立项单位",
    "牵头单位",
    "配合单位",
    "亮灯",
    "最近期限",
    "逾期",
    "立项时间",
    "交办时间",
    "最终完成时限",
]


@login_required
@require_GET
def item_export(request):
    """The current filter as an .xlsx, through the same visibility selector as the list."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from .templatetags.duban_web import LIGHT_TEXT

    _base, qs, _values = _filtered(request)
    limit = settings.DUBAN_EXPORT_MAX_ROWS
    if qs.count() > limit:
        messages.error(
            request, _("导出的事项超过 %(n)d 项，请先缩小筛选范围（如按单位、亮灯或期限）") % {"n": limit}
        )
        return HttpResponseRedirect(
            reverse("web:items") + ("?" + request.GET.urlencode() if request.GET else "")
        )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("督办事项"))
    ws.column_dimensions["B"].width = 50
    bold = Font(bold=True)
    header = []
    for h in EXPORT_HEADERS:
        c = WriteOnlyCell(ws, value=_(h))
        c.font = bold
        header.append(c)
    ws.append(header)
    at = now()
    # Labels resolved once: a lazy translation per cell costs more than the row itself.
    sources, categories = {v: str(lb) for v, lb in Source.choices}, {v: str(lb) for v, lb in Category.choices}
    lights = {k: _(v) for k, v in LIGHT_TEXT.items()}
    ratings = {v: str(lb) for v, lb in Rating.choices}
    for chunk, tracks in selectors.export_chunks(qs, EXPORT_CHUNK):
        for pk, title, source, category, issuer, created_at, assigned_at, final_due in chunk:
            its = tracks.get(pk, [])
            light = status.item_light(its, at)
            top = [t for t in its if t.parent_id is None]
            rating = status.item_rating(its)
            if light == "closed" and rating:
                label = lights["closed"] + "·" + ratings.get(rating, "")
            else:
                label = lights.get(light, light)
            dues = [t.next_due_at for t in its if t.next_due_at and not t.is_closed]
            due = min(dues) if dues else None
            ws.append(
                [
                    pk,
                    title,
                    sources.get(source, source),
                    categories.get(category, category),
                    issuer,
                    "、".join(t.unit_name for t in top if t.role == TrackRole.LEAD),
                    "、".join(t.unit_name for t in top if t.role == TrackRole.COOP),
                    label,
                    local(due),
                    span(at - due) if due and due < at else "",
                    local(created_at),
                    local(assigned_at),
                    final_due.isoformat() if final_due else "",
                ]
            )
    buf = io.BytesIO()
    wb.save(buf)
    name = f"督办事项-{local_today():%Y%m%d}.xlsx"
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return resp


# ---------------------------------------------------------------------------------------------
# New item


def _parse_dates(raw: str) -> list[dt.date]:
    out = []
    for token in raw.replace("，", ",").replace("、", ",").replace("\n", ",").split(","):
        token = token.strip()
        if not token:
            continue
        try:
            out.append(dt.date.fromisoformat(token))
        except ValueError:
            raise InvalidInput(
                _("进度报送节点“%(d)s”不是有效日期（格式：2021-06-25）") % {"d": token}
            ) from None
    return out


@login_required
@require_http_methods(["GET", "POST"])
def item_new(request):
    user = request.user
    if "register" not in rules.user_actions(user):
        messages.error(request, _("只有督查员可以立项"))
        return HttpResponseRedirect(reverse("web:items"))
    groups = unit_choices.assignable_groups(user)
    data = request.POST if request.method == "POST" else {}
    status_code = 200
    if request.method == "POST":
        p = request.POST
        try:
            lead = unit_choices.resolve(p.getlist("lead"))
            coop = unit_choices.resolve(p.getlist("coop"))
            category = p.get("category", Category.GENERAL)
            final_due = _parse_date(p.get("final_due"))
            if p.get("final_due") and final_due is None:
                raise InvalidInput(_("最终完成时限不是有效日期"))
            progress = _parse_dates(p.get("progress_days", ""))
            if category == Category.CONTINUOUS and final_due and p.get("monthly"):
                progress += services.monthly_progress_days(start=local_today(), final_due=final_due)
            if category != Category.CONTINUOUS:
                final_due, progress = None, []
            item = services.register_and_assign(
                actor=user,
                title=p.get("title", ""),
                body=p.get("body", ""),
                source=p.get("source", Source.MEETING),
                category=category,
                final_due=final_due,
                progress_days=progress,
                files=request.FILES.getlist("files"),
                lead=lead,
                coop=coop,
                # The box unticked is a refusal (False), never "not asked".
                not_classified=p.get("not_classified") == "1",
            )
        except DubanError as exc:
            messages.error(request, exc.message)
            status_code = exc.status if exc.status != 404 else 422
        else:
            messages.success(
                request,
                _("已立项并交办给 %(units)s") % {"units": "、".join(u.name for u in lead + coop)},
            )
            return HttpResponseRedirect(reverse("web:item", args=[item.pk]))
    return render(
        request,
        "web/item_new.html",
        {
            "groups": groups,
            "data": data,
            "lead_sel": set(data.getlist("lead")) if data else set(),
            "coop_sel": set(data.getlist("coop")) if data else set(),
            "sources": Source.choices,
            "categories": Category.choices,
        },
        status=status_code,
    )


# ---------------------------------------------------------------------------------------------
# Item detail and the actions on it


def _tree_order(tracks: list[Track]) -> list[Track]:
    """Each track followed by the tracks passed down from it (backends sort NULL parents apart)."""
    kids: dict = {}
    for t in sorted(tracks, key=lambda t: (t.role != TrackRole.LEAD, t.pk)):
        kids.setdefault(t.parent_id, []).append(t)
    out: list[Track] = []

    def walk(parent_id):
        for t in kids.get(parent_id, []):
            out.append(t)
            walk(t.pk)

    walk(None)
    return out


def _detail_context(request, item_id, retry: dict | None = None) -> dict:
    user = request.user
    try:
        # The targets probe, the header's unread count and — for those who may ever hand work
        # down (whether they may here is the rules' call below) — the units below their own
        # travel with the item's reads.
        also = [target_selectors.any_target_read(item_id), notify_selectors.unread_count_read(user)]
        if rules.may_handle_tracks(user) and user.unit_id is not None:
            also.append(unit_choices.pass_down_read(user.unit))
        item = selectors.item_detail(user, item_id, journal=True, also=also)
    except NotFound as exc:
        _not_found(exc)
    probed, unread, *lower = item.also_rows
    at = now()
    cutoff = selectors.yellow_cutoff(at)
    by_id = {t.pk: t for t in item.track_list}
    _w = words()  # the language's messages and labels, for every row of the page
    tracks = _tree_order(item.track_list)
    members = None
    for t in tracks:
        if t.parent_id:
            t.parent = by_id.get(t.parent_id, t.parent)
        t.light = status.track_light(t, at)
        t.node_rows = [rows.node_row(n, t, at, cutoff, _w) for n in t.nodes.all()]
        t.report_rows = [rows.report_block(r, _w) for r in t.reports.all()]
        t.role_label, t.state_label = _w.label(TrackRole, t.role), _w.label(TrackState, t.state)
        t.assumed = any(n.assumed_calendar and n.done_at is None for n in t.nodes.all())
        t.retry = retry.get(t.pk, {}) if retry else {}
        # Which forms this viewer gets: the same rules the services refuse with.
        t.actions = rules.track_actions(user, t, at)
        t.report_kinds = [(k, ReportKind(k).label) for k in t.actions.report_kinds()]
        if t.actions["route"].allowed:
            if members is None:
                members = unit_members(t.unit_id)
            t.members = members
        if t.actions["pass_down"].allowed:
            read = lower[0] if lower and t.unit_id == user.unit_id else None
            t.lower_units = unit_choices.pass_down_groups(t.unit, rows=read)
    targets = target_selectors.item_targets(user, item.pk, probed=probed)
    _attach_figure_forms(user, tracks, targets)
    top = [t for t in tracks if t.parent_id is None]
    timeline = [journal_text.describe(e, _w) for e in item.event_list]
    return {
        "item": item,
        "targets": [_target_row(s) for s in targets],
        "can_add_target": target_rules.sets_targets_for(user, item),
        "tracks": tracks,
        "top_tracks": top,
        "item_light": status.item_light(tracks, at),
        "item_rating": status.item_rating(tracks),
        "attachments": item.attachment_list,
        "instructions": item.instruction_list,
        "timeline": timeline,
        "timeline_html": mark_safe("".join(rows.timeline_entry(e) for e in timeline)),
        "item_actions": rules.item_actions(user, item),
        "ratings": Rating.choices,
        "confidences": Confidence.choices,
        "retry": retry or {},
        "today": local_today(),
        "notify_unread": unread[0][0],  # read with the item: the context processor's is lazy
    }


def _target_row(st) -> dict:
    """One line of the item page's 量化指标 block."""
    reading, target = st.reading, st.target
    # The period the actual is from: the latest reported (a missing later one is not it).
    reported = [d for d in st.effective if d.year == target.plan_year]
    return {
        "target": st.target,
        "klass": reading.klass.value,
        "klass_label": _(reading.label),
        "badge": KLASS_BADGES.get(reading.klass.value, ""),
        "actual": reading.actual,
        "expected": reading.expected,
        "share": reading.share,
        "completion": reading.completion,
        "actual_period": period_label(target, max(reported))
        if reading.actual is not None and reported
        else "",
        "expected_period": period_label(target, reading.period_end) if reading.period_end else "",
        "confidence": st.confidence,
    }


def _attach_figure_forms(user, tracks: list[Track], targets: list) -> None:
    """The figure fields of each track's 进度报告 form: the track's targets the viewer may file
    (the same rule ``file_progress_report`` refuses with), each with the periods open today."""
    today = local_today()
    for t in tracks:
        t.figure_rows = []
        if ReportKind.PROGRESS not in t.actions.report_kinds():
            continue
        retry = t.retry.get("report") or {}
        for st in targets:
            target = st.target
            if target.track_id != t.pk:
                continue
            if not target_rules.target_actions(user, target, only=("file",))["file"].allowed:
                continue
            ends = target_progress.fileable_periods(target_selectors.spec_of(target), today)
            if not ends:
                continue
            # The period due now: the latest that has ended (else the current one).
            ended = [e for e in ends if e < today]
            default = (ended or ends)[-1].isoformat()
            key = f"figure_{target.pk}_"
            t.figure_rows.append(
                {
                    "target": target,
                    "periods": [(e.isoformat(), period_label(target, e)) for e in ends],
                    "period": retry.get(key + "period") or default,
                    "value": retry.get(key + "value", ""),
                    "confidence": retry.get(key + "confidence", ""),
                    "reason": retry.get(key + "reason", ""),
                    "actual": st.reading.actual,
                }
            )


def _posted_figures(post) -> list[dict]:
    """The figure fields of a 进度报告 form that were filled in."""
    out = []
    for raw in dict.fromkeys(post.getlist("figure_target")):
        key = f"figure_{raw}_"
        value = (post.get(key + "value") or "").strip()
        if not value:
            continue
        out.append(
            {
                "target": int(raw) if raw.isdigit() else raw,
                "period_end": post.get(key + "period", ""),
                "value": value,
                "confidence": post.get(key + "confidence", ""),
                "confidence_reason": post.get(key + "reason", ""),
            }
        )
    return out


@login_required
@require_GET
def item_detail(request, item_id: int):
    return render(request, "web/item_detail.html", _detail_context(request, item_id))


def _version(request) -> int | None:
    raw = request.POST.get("expected_version", "")
    return int(raw) if raw.isdigit() else None


def _required_date(raw: str | None, field: str) -> dt.date:
    day = _parse_date(raw)
    if day is None:
        raise InvalidInput(_("请填写正确的%(f)s（格式：2021-10-20）") % {"f": field})
    return day


def _units_from_codes(codes: list[str]) -> list[OrgUnit]:
    return unit_choices.resolve(codes)


def _do_track_action(request, track: Track, action: str) -> str:
    """Run one service for ``action`` and return the success message."""
    p, user, v = request.POST, request.user, _version(request)
    if action == "sign":
        services.sign(actor=user, track_id=track.pk, expected_version=v)
        return _("已签收，请在期限内报送部署情况")
    if action == "report":
        kind = p.get("kind", "")
        report = {
            "actor": user,
            "track_id": track.pk,
            "done": p.get("done", ""),
            "next_steps": p.get("next_steps", ""),
            "problems": p.get("problems", ""),
            "support_needed": p.get("support_needed", ""),
            "files": request.FILES.getlist("files"),
            "expected_version": v,
        }
        figures = _posted_figures(p) if kind == ReportKind.PROGRESS else []
        if figures:
            # One transaction: a bad figure refuses the report too.
            target_services.file_progress_report(figures=figures, **report)
            return _("进度报告已报送，并报送 %(n)d 项指标数据") % {"n": len(figures)}
        services.file_report(kind=kind, **report)
        if kind == ReportKind.RESULT:
            return _("已申请办结，等待交办单位审核")
        return _("%(kind)s已报送") % {"kind": ReportKind(kind).label}
    if action == "extend":
        services.request_extension(
            actor=user,
            track_id=track.pk,
            reason=p.get("reason", ""),
            proposed_due=_required_date(p.get("proposed_due"), _("申请延至日期")),
            expected_version=v,
        )
        return _("延期申请已提交")
    if action == "urge":
        services.urge(actor=user, track_id=track.pk, message=p.get("message", ""), expected_version=v)
        return _("已催办 %(unit)s") % {"unit": track.unit.name}
    if action == "route":
        raw = p.get("assignee", "")
        services.route(
            actor=user, track_id=track.pk, assignee_id=int(raw) if raw.isdigit() else 0, expected_version=v
        )
        return _("已批转")
    if action == "pass_down":
        children = services.pass_down(
            actor=user, track_id=track.pk, units=_units_from_codes(p.getlist("units")), expected_version=v
        )
        return _("已下派给 %(units)s") % {"units": "、".join(c.unit.name for c in children)}
    if action == "return":
        raw = p.get("working_days", "")
        services.return_track(
            actor=user,
            track_id=track.pk,
            reason=p.get("reason", ""),
            working_days=int(raw) if raw.isdigit() else None,
            expected_version=v,
        )
        return _("已退回 %(unit)s 重新办理") % {"unit": track.unit.name}
    if action == "close":
        services.close_track(
            actor=user,
            track_id=track.pk,
            rating=p.get("rating", ""),
            comment=p.get("comment", ""),
            expected_version=v,
        )
        return _("已办结，评价：%(r)s") % {"r": Rating(p["rating"]).label}
    raise Http404(_("未知操作"))


TRACK_ACTIONS = {"sign", "report", "extend", "urge", "route", "pass_down", "return", "close"}


def _refused(request, item_id: int, track_id: int | None, action: str, exc: DubanError):
    """Show the refusal on the item page with what the user typed still in the form."""
    if isinstance(exc, NotFound):
        _not_found(exc)
    messages.error(request, exc.message)
    retry = {track_id: {action: request.POST}} if track_id else {"item": {action: request.POST}}
    return render(
        request, "web/item_detail.html", _detail_context(request, item_id, retry), status=exc.status
    )


@login_required
@require_POST
def track_action(request, track_id: int, action: str):
    if action not in TRACK_ACTIONS:
        raise Http404(_("未知操作"))
    try:
        track = selectors.get_track(request.user, track_id)
    except NotFound as exc:
        _not_found(exc)
    try:
        msg = _do_track_action(request, track, action)
    except DubanError as exc:
        return _refused(request, track.item_id, track.pk, action, exc)
    messages.success(request, msg)
    return HttpResponseRedirect(reverse("web:item", args=[track.item_id]) + f"#track-{track.pk}")


@login_required
@require_POST
def decide_extension(request, extension_id: int):
    from duban.items.models import Extension

    ext = Extension.objects.filter(pk=extension_id).only("track_id").first()
    try:
        if ext is None:
            raise NotFound(_("延期申请不存在或无权查看"))
        track = selectors.get_track(request.user, ext.track_id)
    except NotFound as exc:
        _not_found(exc)
    grant = request.POST.get("decision") == "grant"
    try:
        due = _parse_date(request.POST.get("due"))
        services.decide_extension(
            actor=request.user,
            extension_id=ext.pk,
            grant=grant,
            note=request.POST.get("note", ""),
            due=due,
            expected_version=_version(request),
        )
    except DubanError as exc:
        return _refused(request, track.item_id, track.pk, "decide", exc)
    messages.success(request, _("已同意延期") if grant else _("已不同意延期"))
    return HttpResponseRedirect(reverse("web:item", args=[track.item_id]) + f"#track-{track.pk}")


@login_required
@require_POST
def instruct(request, item_id: int):
    try:
        services.add_instruction(actor=request.user, item_id=item_id, text=request.POST.get("text", ""))
    except DubanError as exc:
        return _refused(request, item_id, None, "instruct", exc)
    messages.success(request, _("批示已添加"))
    return HttpResponseRedirect(reverse("web:item", args=[item_id]) + "#instructions")


# ---------------------------------------------------------------------------------------------
# Attachments and the board


@login_required
@require_GET
def attachment(request, attachment_id: int):
    try:
        att = selectors.get_attachment(request.user, attachment_id)
    except NotFound as exc:
        _not_found(exc)
    try:
        fh = att.file.open("rb")
    except FileNotFoundError:
        _not_found()
    # FileResponse writes an RFC 5987 filename* for non-ASCII names.
    return FileResponse(fh, as_attachment=True, filename=att.name, content_type=att.content_type)


@login_required
@require_GET
def board(request):
    rows = selectors.light_board(request.user)
    totals = {k: sum(r[k] for r in rows) for k in ("red", "yellow", "green", "closed", "total")}
    own = rows[0]["unit"] if rows else None
    for i, r in enumerate(rows):
        r["own"] = i == 0
    cells = [
        ("red", _("红灯")),
        ("yellow", _("黄灯")),
        ("green", _("绿灯")),
        ("closed", _("已办结")),
        ("total", _("合计")),
    ]
    return render(
        request,
        "web/board.html",
        {
            # The board counts tracks (承办记录); its numbers link to the list of those tracks,
            # which counts the same thing (the item list counts items).
            "list_prefix": reverse("dashboard:list", args=["0"])[: -len("0/list/")],
            "rows": rows,
            "totals": totals,
            "total_cells": cells,
            "own": own,
            "at": now().astimezone(SHANGHAI),
        },
    )
