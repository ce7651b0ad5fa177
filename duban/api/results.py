"""The results API: ``/api/v1/workbench`` (督办工作台), ``/api/v1/dashboard`` (领导驾驶舱) and
``/api/v1/bulletins`` (通报).

A thin skin like ``api.py`` and ``targets.py``: reads through each app's selectors (who sees
what is decided there; what a viewer may not see is 404), writes through its services (which
refuse through its rules). A refusal is the service's ``DubanError``, rendered by the API's
handlers as ``{"code", "message", "detail"}``; this module checks no role and no state.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Query, Router, Status
from ninja.pagination import paginate

from duban.bulletins import periods
from duban.bulletins import render as bulletin_files
from duban.bulletins import selectors as bulletin_selectors
from duban.bulletins import services as bulletin_services
from duban.bulletins.models import Bulletin
from duban.core.errors import InvalidInput, NotFound
from duban.core.paging import check_window
from duban.dashboard import selectors as dashboard_selectors
from duban.dashboard.views import dashboard_data
from duban.items import status
from duban.items.models import Track
from duban.orgs.models import OrgUnit, subtree_filter
from duban.plans.selectors import plans_visible_to
from duban.workbench import selectors as wb_selectors
from duban.workbench import services as wb_services

from . import results_schemas as rs
from .paging import CappedLimitOffset
from .schemas import ERRORS, PathId

router = Router()

MAX_ROWS = 200  # a workbench page


def _unit(u: OrgUnit) -> dict:
    return {"code": u.code, "name": u.name}


def _user(u) -> dict:
    return {"id": u.pk, "username": u.username, "display_name": str(u)}


# ---------------------------------------------------------------------------------------------
# 督办工作台


def _workbench(user) -> None:
    if not wb_selectors.may_use(user):
        raise NotFound("页面不存在")


def _wb_filters(user, f: rs.WorkbenchFilters) -> wb_selectors.Filters:
    """The page's filters: a unit (code or name) within the viewer's subtree, a source, a
    category, a plan the viewer sees, the working days of 长期未更新."""
    out = wb_selectors.Filters()
    wanted = (f.unit or "").strip()
    if wanted:
        within = OrgUnit.objects.filter(subtree_filter("path", user.unit.path))
        unit = within.filter(code=wanted).first() or within.filter(name=wanted).first()
        if unit is None:
            raise InvalidInput("未找到该单位，或不在本单位范围内", code="unknown_unit", field="unit")
        out.unit = unit
    out.source = f.source
    out.category = f.category
    if f.plan is not None:
        if not plans_visible_to(user).filter(pk=f.plan).exists():
            raise InvalidInput("报告分解不存在或无权查看", code="unknown_plan", field="plan")
        out.plan = f.plan
    if f.days is not None:
        out.stale_days = f.days
    return out


def _pending(e) -> dict | None:
    if e is None:
        return None
    return {
        "id": e.pk,
        "node_kind": e.node.kind,
        "reason": e.reason,
        "proposed_due": e.proposed_due,
        "requested_at": e.requested_at,
    }


def _wb_row(t: Track, at) -> dict:
    return {
        "id": t.pk,
        "item_id": t.item_id,
        "item_title": t.item.title,
        "source": t.item.source,
        "category": t.item.category,
        "unit": _unit(t.unit),
        "role": t.role,
        "parent_id": t.parent_id,
        "state": t.state,
        "light": status.track_light(t, at),
        "next_due_at": t.next_due_at,
        "late_days": t.late_days,
        "urge_count": t.urge_count,
        "last_urge_at": t.last_urge_at,
        "last_report_at": t.last_report_at,
        "pending_extension": _pending(t.pending_extension),
        "may_urge": t.may_urge,
        "version": t.version,
    }


@router.get("/workbench", response={200: rs.WorkbenchOut, **ERRORS}, tags=["workbench"], summary="督办工作台")
def workbench(request, filters: Query[rs.WorkbenchFilters], page: Query[rs.WorkbenchPage]):
    """Each section's counts (承办记录 and distinct 事项), one page of one section's rows (default:
    the first section with rows, as the page opens), and 已逾期 by handling unit. A unit outside
    the viewer's subtree is ``unknown_unit``, a plan they cannot see ``unknown_plan``."""
    user = request.auth
    _workbench(user)
    check_window(page.limit, page.offset, MAX_ROWS)
    f = _wb_filters(user, filters)
    wb = wb_selectors.Workbench(user, f)
    counts = wb.counts()
    section = filters.section or next((s for s in wb_selectors.SECTIONS if counts[s]["tracks"]), "overdue")
    total = counts[section]["tracks"]
    rows = wb.rows(section, page.offset, page.limit) if total > page.offset else []
    return {
        "at": wb.at,
        "filters": {
            "unit": _unit(f.unit) if f.unit else None,
            "source": f.source,
            "category": f.category,
            "plan": f.plan,
            "days": f.stale_days,
        },
        "stale_cutoff": wb.stale_cutoff,
        "sections": [
            {"key": s, "label": wb_selectors.SECTION_LABELS[s], **counts[s]} for s in wb_selectors.SECTIONS
        ],
        "section": section,
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
        "rows": [_wb_row(t, wb.at) for t in rows],
        "overdue_by_unit": [
            {
                "unit": _unit(r["unit"]),
                "tracks": r["tracks"],
                "items": r["items"],
                "since": r["since"],
                "late_days": r["late_days"],
            }
            for r in wb.overdue_by_unit()
        ],
    }


@router.post(
    "/workbench/urge", response={201: rs.UrgeManyOut, **ERRORS}, tags=["workbench"], summary="批量催办"
)
def workbench_urge(request, payload: rs.UrgeManyIn):
    """催办 every selected track with one message, all or none: if any may not be urged, nothing
    is sent and the refusal (``bulk_refused``, 409) names each one in ``detail.refusals``."""
    urges = wb_services.urge_many(actor=request.auth, track_ids=payload.track_ids, message=payload.message)
    rows = [
        {
            "id": u.pk,
            "track_id": u.track_id,
            "item_id": u.track.item_id,
            "message": u.message,
            "created_at": u.created_at,
        }
        for u in urges
    ]
    return Status(201, {"tracks": len(rows), "items": len({r["item_id"] for r in rows}), "urges": rows})


# ---------------------------------------------------------------------------------------------
# 领导驾驶舱


@router.get(
    "/dashboard",
    response={200: rs.DashboardOut, **ERRORS},
    tags=["dashboard"],
    summary="领导驾驶舱（本单位）",
)
def dashboard(request):
    """The viewer's own unit's dashboard: the same JSON as ``/dashboard/<code>/data.json``."""
    unit = dashboard_selectors.scope_unit(request.auth)
    return dashboard_data(dashboard_selectors.dashboard(request.auth, unit))


@router.get(
    "/dashboard/{unit_code}",
    response={200: rs.DashboardOut, **ERRORS},
    tags=["dashboard"],
    summary="领导驾驶舱（下级单位）",
)
def dashboard_unit(request, unit_code: str):
    """A unit of the viewer's subtree; any other is 404."""
    unit = dashboard_selectors.scope_unit(request.auth, unit_code[:40])
    return dashboard_data(dashboard_selectors.dashboard(request.auth, unit))


# ---------------------------------------------------------------------------------------------
# 通报


def _bulletin(b: Bulletin) -> dict:
    return {
        "id": b.pk,
        "title": b.title,
        "issuer": _unit(b.issuer_unit),
        "scope": _unit(b.scope_unit),
        "period_kind": b.period_kind,
        "period_start": b.period_start,
        "period_end": b.period_end,
        "published_at": b.published_at,
        "published_by": _user(b.published_by),
        "data": b.data,
    }


def _period(p: rs.BulletinPeriodIn) -> periods.Period:
    return periods.parse(p.kind, year=p.year, month=p.month, quarter=p.quarter, start=p.start, end=p.end)


@router.get(
    "/bulletins", response={200: list[rs.BulletinRow], **ERRORS}, tags=["bulletins"], summary="通报列表"
)
@paginate(CappedLimitOffset)
def list_bulletins(request):
    """The bulletins the viewer may read (issued by their unit or within the subtree they
    oversee, or ranking their unit), newest first."""
    return bulletin_selectors.bulletins_visible_to(request.auth).select_related("issuer_unit", "scope_unit")


@router.post(
    "/bulletins/preview", response={200: rs.PreviewOut, **ERRORS}, tags=["bulletins"], summary="通报预览"
)
def preview_bulletin(request, payload: rs.BulletinPeriodIn):
    """The figures a bulletin of the viewer's unit would publish now; nothing is saved."""
    data = bulletin_selectors.preview(request.auth, period=_period(payload), scope_code=payload.scope)
    return {"title": data["title"], "saved": False, "data": data}


@router.post("/bulletins", response={201: rs.BulletinOut, **ERRORS}, tags=["bulletins"], summary="发布通报")
def publish_bulletin(request, payload: rs.BulletinPeriodIn):
    """Publish: the figures at this moment are stored with the bulletin and never change."""
    b = bulletin_services.publish(actor=request.auth, period=_period(payload), scope_code=payload.scope)
    return Status(201, _bulletin(bulletin_selectors.get_bulletin(request.auth, b.pk)))


@router.get(
    "/bulletins/{bulletin_id}", response={200: rs.BulletinOut, **ERRORS}, tags=["bulletins"], summary="通报"
)
def bulletin_detail(request, bulletin_id: PathId):
    return _bulletin(bulletin_selectors.get_bulletin(request.auth, bulletin_id))


def _download(request, bulletin_id: int, ext: str) -> HttpResponse:
    b = bulletin_selectors.get_bulletin(request.auth, bulletin_id)
    if ext == "docx":
        content, mime = bulletin_files.docx_bytes(b.data), bulletin_files.DOCX
    else:
        content, mime = bulletin_files.xlsx_bytes(b.data), bulletin_files.XLSX
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = content_disposition_header(True, f"{b.title}.{ext}")
    return response


def _file_doc(mime: str) -> dict:
    return {"responses": {200: {"description": "文件内容", "content": {mime: {}}}}}


@router.get(
    "/bulletins/{bulletin_id}/docx",
    response={200: None, **ERRORS},
    tags=["bulletins"],
    summary="下载通报（.docx）",
    openapi_extra=_file_doc(bulletin_files.DOCX),
)
def bulletin_docx(request, bulletin_id: PathId):
    return _download(request, bulletin_id, "docx")


@router.get(
    "/bulletins/{bulletin_id}/xlsx",
    response={200: None, **ERRORS},
    tags=["bulletins"],
    summary="下载通报（.xlsx）",
    openapi_extra=_file_doc(bulletin_files.XLSX),
)
def bulletin_xlsx(request, bulletin_id: PathId):
    return _download(request, bulletin_id, "xlsx")
