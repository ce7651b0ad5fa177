"""The targets API (量化指标): ``/api/v1/targets…`` and ``/api/v1/items/{id}/targets``.

A thin skin like ``api.py``: reads through ``duban.targets.selectors`` (visibility is decided
there; an invisible target is 404), writes through ``duban.targets.services`` (which refuse
through ``duban.targets.rules``). A refusal is the service's ``DubanError``, rendered by the
API's handlers as ``{"code", "message", "detail"}``.
"""

from __future__ import annotations

import datetime as dt

from ninja import File, Form, Query, Router, Status, UploadedFile

from duban.core.errors import InvalidInput
from duban.core.paging import COUNT_CAP, check_window
from duban.orgs.models import OrgUnit
from duban.targets import progress, rules, selectors, services
from duban.targets.models import Confidence, Figure
from duban.targets.selectors import Status as TargetStatus

from . import target_schemas as ts
from .schemas import ERRORS, PathId

router = Router(tags=["targets"])


# ---------------------------------------------------------------------------------------------
# Serialisation


def _unit(u: OrgUnit) -> dict:
    return {"code": u.code, "name": u.name}


def _user(u) -> dict:
    return {"id": u.pk, "username": u.username, "display_name": str(u)}


def _klass(k: progress.Klass) -> dict:
    return {"code": k.value, "label": progress.KLASS_LABELS[k]}


def _confidence(f: Figure | None) -> dict | None:
    if f is None:
        return None
    return {
        "code": f.confidence,
        "label": str(Confidence(f.confidence).label),
        "reason": f.confidence_reason,
        "period_end": f.period_end,
    }


def _row(user, s: TargetStatus) -> dict:
    t, r = s.target, s.reading
    return {
        "id": t.pk,
        "item_id": t.item_id,
        "item_title": t.item.title,
        "parent_id": t.parent_id,
        "unit": _unit(t.unit),
        "indicator": t.indicator,
        "unit_label": t.unit_label,
        "kind": t.kind,
        "comparator": t.comparator,
        "value": t.value,
        "value_max": t.value_max,
        "plan_year": t.plan_year,
        "period": t.period,
        "due_day": t.due_day,
        "version": t.version,
        "class": _klass(r.klass),
        "period_end": r.period_end,
        "actual": r.actual,
        "expected": r.expected,
        "completion": r.completion,
        "forecast": r.forecast,
        "gap": r.gap,
        "missing": r.missing,
        "inconsistent": s.inconsistent,
        "confidence": _confidence(s.confidence),
        "children": s.children,
        "actions": [a.name for a in rules.target_actions(user, t).values() if a.allowed],
    }


def _figure(f: Figure, current: bool) -> dict:
    return {
        "id": f.pk,
        "period_end": f.period_end,
        "source": f.source,
        "version": f.version,
        "current": current,
        "value": f.value,
        "note": f.note,
        "confidence": f.confidence,
        "confidence_label": str(Confidence(f.confidence).label) if f.confidence else "",
        "confidence_reason": f.confidence_reason,
        "author": _user(f.author),
        "created_at": f.created_at,
        "report_id": f.report_id,
        "evidence": sorted(a.pk for a in f.evidence.all()),
    }


def _share(s: TargetStatus) -> dict:
    t, r = s.target, s.reading
    return {
        "id": t.pk,
        "unit": _unit(t.unit),
        "value": t.value,
        "value_max": t.value_max,
        "version": t.version,
        "class": _klass(r.klass),
        "period_end": r.period_end,
        "actual": r.actual,
        "completion": r.completion,
    }


def _detail(user, target_id: int) -> dict:
    target = selectors.get_target(user, target_id)
    s = selectors.status_of(target)
    spec = selectors.spec_of(target)
    history = progress.history(spec, [progress.Point(d, v) for d, v in s.effective.items()])
    figures = selectors.figure_history(target)
    seen: set[tuple[dt.date, str]] = set()
    figure_rows = []
    for f in figures:  # newest version of each (period, source) first
        key = (f.period_end, f.source)
        figure_rows.append(_figure(f, key not in seen))
        seen.add(key)
    section = (target.source_ref or {}).get("section")
    return {
        **_row(user, s),
        "item": {"id": target.item_id, "title": target.item.title},
        "track_id": target.track_id,
        "higher_is_better": target.higher_is_better,
        "baseline": target.baseline,
        "profile": target.profile or None,
        "tolerance": target.tolerance,
        "last_year": target.last_year or None,
        "source_text": target.source_text,
        "section": str(section) if section is not None else None,
        "created_by": _user(target.created_by),
        "created_at": target.created_at,
        "allowed": [
            {"name": a.name, "allowed": a.allowed, "code": a.code, "reason": a.reason}
            for a in rules.target_actions(user, target).values()
        ],
        "periods": [
            {
                "period_end": p.period_end,
                "value": p.value,
                "source": s.source_of.get(p.period_end, "unit"),
                "expected": exp,
                "class": _klass(k),
            }
            for p, k, exp in history
        ],
        "figures": figure_rows,
        "shares": [_share(c) for c in selectors.children_statuses(user, target)],
        "rollup": [{"period_end": d, "value": v} for d, v in sorted(s.rolled.items())],
        "mismatched": s.mismatched,
    }


# ---------------------------------------------------------------------------------------------
# Reads


def _list(user, f: ts.TargetFilters) -> selectors.TargetList:
    unit_path = None
    if f.unit and f.unit.strip():
        unit = selectors.find_unit(f.unit)
        if unit is None:
            raise InvalidInput(f"未知的单位编码：{f.unit.strip()}", code="unknown_unit", field="unit")
        unit_path = unit.path
    return selectors.target_list(
        user,
        plan_year=f.year,
        klass=f.klass,
        unit_path=unit_path,
        kind=f.kind,
        section=(f.section or "").strip() or None,
        q=(f.q or "").strip() or None,
        item_id=f.item,
        upto=f.upto,
        top_only=f.top,
    )


@router.get(
    "/targets",
    response={200: ts.TargetPage, **ERRORS},
    summary="指标列表（含各类计数）",
    by_alias=True,
)
def list_targets(request, filters: Query[ts.TargetFilters], page: Query[ts.PageIn]):
    """Visible targets matching the filters, each with its class derived now; ``counts`` are per
    class over the rows before the ``klass`` filter (so they can be links)."""
    check_window(page.limit, page.offset)
    result = _list(request.auth, filters)
    rows = result.rows
    window = rows[page.offset : page.offset + page.limit]
    return {
        "total": min(len(rows), COUNT_CAP + 1),
        "capped": len(rows) > COUNT_CAP,
        "limit": page.limit,
        "offset": page.offset,
        "counts": result.counts,
        "all": result.total,
        "items": [_row(request.auth, s) for s in window],
    }


@router.get("/targets/counts", response={200: ts.CountsOut, **ERRORS}, summary="指标各类计数")
def target_counts(request, filters: Query[ts.TargetFilters]):
    """The per-class counts of the list with the same filters (``klass`` is ignored)."""
    result = _list(request.auth, filters)
    return {
        "counts": result.counts,
        "labels": {k.value: progress.KLASS_LABELS[k] for k in progress.KLASS_ORDER},
        "all": result.total,
    }


@router.get(
    "/targets/{target_id}", response={200: ts.TargetDetail, **ERRORS}, summary="指标详情", by_alias=True
)
def target_detail(request, target_id: PathId):
    return _detail(request.auth, target_id)


@router.get("/targets/{target_id}/chart", response={200: ts.ChartOut, **ERRORS}, summary="指标进度曲线")
def target_chart(request, target_id: PathId):
    """序时进度, the figures and the forecast by period, for a chart."""
    target = selectors.get_target(request.auth, target_id)
    s = selectors.status_of(target)
    spec = selectors.spec_of(target)
    ends = progress.period_ends(target.plan_year, target.period)
    actual = [s.effective.get(e) for e in ends]
    year_end = s.reading.forecast
    forecast: list[float | None] = [None] * len(ends)
    reported = [i for i, v in enumerate(actual) if v is not None]
    if year_end is not None and reported:
        last = reported[-1]
        start, steps = actual[last], len(ends) - 1 - last
        assert start is not None
        for i in range(last, len(ends)):
            forecast[i] = start + (year_end - start) * ((i - last) / steps) if steps else year_end
    return {
        "target_id": target.pk,
        "indicator": target.indicator,
        "unit_label": target.unit_label,
        "kind": target.kind,
        "periods": ends,
        "expected": [progress.expected(spec, e) for e in ends],
        "actual": actual,
        "reported": [s.unit[e].value if e in s.unit else None for e in ends],
        "stats": [s.stats[e].value if e in s.stats else None for e in ends],
        "forecast": forecast,
        "forecast_year_end": year_end,
        "target": target.value,
        "target_max": target.value_max,
    }


# ---------------------------------------------------------------------------------------------
# Writes


@router.post(
    "/items/{item_id}/targets",
    response={201: ts.TargetDetail, **ERRORS},
    summary="设置指标（立项单位督查员）",
    by_alias=True,
)
def create_target(request, item_id: PathId, payload: ts.TargetCreateIn):
    target = services.create_target(actor=request.auth, item_id=item_id, **payload.dict())
    return Status(201, _detail(request.auth, target.pk))


# A field sent as null: cleared where the definition allows it, refused where it does not.
_NULLABLE = {"value_max", "baseline", "profile", "last_year"}


@router.patch(
    "/targets/{target_id}", response={200: ts.TargetDetail, **ERRORS}, summary="修改指标", by_alias=True
)
def update_target(request, target_id: PathId, payload: ts.TargetUpdateIn):
    changes = payload.dict(exclude_unset=True)
    expected_version = changes.pop("expected_version", None)
    for name, value in changes.items():
        if value is None and name not in _NULLABLE:
            raise InvalidInput(f"{name} 不能为空", code="required", field=name)
    services.update_target(
        actor=request.auth, target_id=target_id, expected_version=expected_version, **changes
    )
    return _detail(request.auth, target_id)


def _file(request, target_id: int, payload: ts.FigureIn, files=()):
    figure = services.file_figure(
        actor=request.auth,
        target_id=target_id,
        period_end=payload.period_end,
        value=payload.value,
        source=payload.source,
        note=payload.note,
        confidence=payload.confidence,
        confidence_reason=payload.confidence_reason,
        files=files,
    )
    detail = _detail(request.auth, target_id)
    if figure is None:
        return Status(200, {"figure": None, "target": detail})
    current = next(f for f in detail["figures"] if f["id"] == figure.pk)
    return Status(201, {"figure": current, "target": detail})


@router.post(
    "/targets/{target_id}/figures",
    response={201: ts.FigureResult, 200: ts.FigureResult, **ERRORS},
    summary="报送指标数据（JSON；再次报送同一期即更正）",
    by_alias=True,
)
def file_figure(request, target_id: PathId, payload: ts.FigureIn):
    """201 with the new figure (version 1, or the next version: a correction); 200 with
    ``figure: null`` when the same figure was filed again."""
    return _file(request, target_id, payload)


@router.post(
    "/targets/{target_id}/figures/upload",
    response={201: ts.FigureResult, 200: ts.FigureResult, **ERRORS},
    summary="报送指标数据（multipart，附佐证材料）",
    by_alias=True,
)
def file_figure_upload(
    request,
    target_id: PathId,
    payload: Form[ts.FigureIn],
    files: File[list[UploadedFile] | None] = None,
):
    return _file(request, target_id, payload, files or ())


@router.post(
    "/targets/{target_id}/allocation",
    response={200: ts.AllocationResult, **ERRORS},
    summary="分解指标",
    by_alias=True,
)
def allocate(request, target_id: PathId, payload: ts.AllocationIn):
    """Split the target among lower units. Shares of a cumulative or count target adding up to
    less than the whole are refused with ``allocation_short`` (422; ``detail`` has ``total`` and
    ``short``) unless ``accept_shortfall``."""
    children = services.allocate(
        actor=request.auth,
        target_id=target_id,
        shares=[s.dict() for s in payload.shares],
        accept_shortfall=payload.accept_shortfall,
    )
    detail = _detail(request.auth, target_id)
    mine = {c.pk for c in children}
    shares = [sh for sh in detail["shares"] if sh["id"] in mine]
    return {"shares": shares, "target": detail}
