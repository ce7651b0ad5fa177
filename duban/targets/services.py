"""Every write to targets and figures: one transaction, refused by ``rules``, journaled.

Each function takes the acting user first (keyword-only) and raises a ``DubanError`` — which
rolls the transaction back — when the action is not allowed or the input does not fit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from duban.core.clock import local_today, now
from duban.core.errors import Forbidden, InvalidInput, StaleVersion
from duban.items import blobs
from duban.items import selectors as item_selectors
from duban.items import services as item_services
from duban.items.models import Item, Report, ReportKind, Track, TrackRole
from duban.journal.services import record
from duban.orgs.models import OrgUnit

from . import progress, rules, selectors, series
from .models import Comparator, Confidence, Figure, FigureSource, Kind, Period, Target

MAX_VALUE = 1e15  # larger than any quantity a government report names (万亿 is 1e12)
EDITABLE = (
    "indicator",
    "unit_label",
    "kind",
    "comparator",
    "value",
    "value_max",
    "higher_is_better",
    "baseline",
    "period",
    "due_day",
    "profile",
    "tolerance",
    "last_year",
)


# ---------------------------------------------------------------------------------------------
# Input checks


def _number(value, field: str, *, required: bool = True) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"请填写{field}", code="required", field=field)
        return None
    try:
        number = float(str(value).replace(",", "").replace("，", "").strip())
    except (TypeError, ValueError):
        raise InvalidInput(f"{field}须为数字", code="bad_number", field=field) from None
    if math.isnan(number) or math.isinf(number) or abs(number) > MAX_VALUE:
        raise InvalidInput(f"{field}超出范围", code="bad_number", field=field)
    return number


def _text(value: str | None, field: str, *, max_len: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写{field}", code="required", field=field)
    if len(text) > max_len:
        raise InvalidInput(f"{field}过长（最多 {max_len} 字）", code="too_long", field=field)
    return text


def _profile(value) -> list[float] | None:
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").replace(" ", ",").split(",") if v.strip()]
    try:
        shares = [float(v) for v in value]
    except (TypeError, ValueError):
        raise InvalidInput("序时进度曲线须为12个数字", code="bad_profile", field="profile") from None
    if len(shares) != 12:
        raise InvalidInput(
            "序时进度曲线须为12个月的累计比例（12个数字）", code="bad_profile", field="profile"
        )
    if any(s > 1.5 for s in shares):  # given in percent
        shares = [s / 100 for s in shares]
    if any(b < a for a, b in zip(shares, shares[1:], strict=False)) or not 0 <= shares[0] <= shares[-1] <= 1:
        raise InvalidInput("序时进度曲线须逐月不减，且在0到100%之间", code="bad_profile", field="profile")
    if abs(shares[-1] - 1) > 1e-6:
        raise InvalidInput("序时进度曲线12月须为100%", code="bad_profile", field="profile")
    return shares


def _last_year(value) -> list[float | None] | None:
    if value in (None, "", []):
        return None
    if isinstance(value, str):  # as typed: "1200,2500,,4100,…" (a blank month is unknown)
        value = [v.strip() for v in value.replace("，", ",").split(",")]
    if not isinstance(value, list | tuple) or len(value) != 12:
        raise InvalidInput("上年逐月数据须为12个月的数字", code="bad_last_year", field="last_year")
    return [None if v in (None, "") else _number(v, "上年逐月数据") for v in value]


def _clean_definition(fields: dict) -> dict:
    """Check and normalise a target's definition (create and edit share it)."""
    out = dict(fields)
    if "indicator" in out:
        out["indicator"] = _text(out["indicator"], "指标名称", max_len=200, required=True)
    if "unit_label" in out:
        out["unit_label"] = _text(out["unit_label"], "计量单位", max_len=20)
    if "kind" in out and out["kind"] not in Kind.values:
        raise InvalidInput("指标类型无效", code="bad_kind", field="kind")
    if "comparator" in out and out["comparator"] not in Comparator.values:
        raise InvalidInput("比较方式无效", code="bad_comparator", field="comparator")
    if "period" in out and out["period"] not in Period.values:
        raise InvalidInput("报送周期无效", code="bad_period", field="period")
    if "value" in out:
        out["value"] = _number(out["value"], "目标值")
    if "value_max" in out:
        out["value_max"] = _number(out["value_max"], "目标上限", required=False)
    if "baseline" in out:
        out["baseline"] = _number(out["baseline"], "上年基数", required=False)
    if "due_day" in out:
        day = _number(out["due_day"], "报送日")
        if day is None or not 1 <= day <= 28 or day != int(day):
            raise InvalidInput("报送日须为1到28之间的整数", code="bad_due_day", field="due_day")
        out["due_day"] = int(day)
    if "tolerance" in out:
        # A share (0.05 = ±5%): the screens take percent and convert; the service never guesses.
        tol = _number(out["tolerance"], "进度容差")
        if tol is None or not 0 <= tol <= 0.5:
            raise InvalidInput(
                "进度容差须在0到50%之间（以小数表示，如0.05）", code="bad_tolerance", field="tolerance"
            )
        out["tolerance"] = tol
    if "profile" in out:
        out["profile"] = _profile(out["profile"])
    if "last_year" in out:
        out["last_year"] = _last_year(out["last_year"])
    if "higher_is_better" in out:
        out["higher_is_better"] = bool(out["higher_is_better"])
    return out


def _check_shape(target: Target) -> None:
    if target.kind == Kind.RANGE:
        if target.value_max is None or target.value_max < target.value:
            raise InvalidInput("区间型指标须填写不小于目标值的上限", code="bad_range", field="value_max")
    elif target.value_max is not None and target.value_max < target.value:
        raise InvalidInput("目标上限不能小于目标值", code="bad_range", field="value_max")


def _snapshot(target: Target) -> dict:
    return {k: getattr(target, k) for k in EDITABLE} | {
        "unit": target.unit.code,
        "plan_year": target.plan_year,
    }


# ---------------------------------------------------------------------------------------------
# Targets


def _lead_track(item: Item, track_id: int | None) -> Track:
    tracks = Track.objects.filter(item=item).select_related("unit")
    if track_id is not None:
        track = tracks.filter(pk=track_id).first()
        if track is None:
            raise InvalidInput("责任单位须为该事项的承办单位", code="bad_track", field="track")
        return track
    track = tracks.filter(parent__isnull=True, role=TrackRole.LEAD).order_by("id").first()
    if track is None:
        raise InvalidInput("事项尚未交办，请先交办再设置指标", code="not_assigned")
    return track


@transaction.atomic
def create_target(
    *,
    actor,
    item_id: int,
    indicator: str,
    value,
    track_id: int | None = None,
    unit_label: str = "",
    kind: str | None = None,
    comparator: str = Comparator.EQ,
    value_max=None,
    higher_is_better: bool | None = None,
    plan_year: int | None = None,
    baseline=None,
    period: str = Period.MONTHLY,
    due_day: int = 10,
    profile=None,
    tolerance=progress.DEFAULT_TOLERANCE,
    last_year=None,
    source_text: str = "",
    source_ref: dict | None = None,
) -> Target:
    """Add a target to an item (by hand, or from a plan task when a plan is assigned). Kind and
    direction default to what the wording suggests."""
    item = item_selectors.get_item(actor, item_id)
    if not rules.sets_targets_for(actor, item):
        raise Forbidden("只有立项单位的督查员可以设置指标")
    track = _lead_track(item, track_id)
    guessed_kind, guessed_up = progress.guess_kind(
        source_text or indicator, indicator, unit_label, comparator
    )
    year = plan_year or (item.final_due.year if item.final_due else local_today().year)
    if not 1900 <= int(year) <= 2100:
        raise InvalidInput("年度须在1900到2100之间", code="bad_year", field="plan_year")
    fields = _clean_definition(
        dict(
            indicator=indicator,
            unit_label=unit_label,
            kind=kind or guessed_kind.value,
            comparator=comparator,
            value=value,
            value_max=value_max,
            higher_is_better=guessed_up if higher_is_better is None else higher_is_better,
            baseline=baseline,
            period=period,
            due_day=due_day,
            profile=profile,
            tolerance=tolerance,
            last_year=last_year,
        )
    )
    target = Target(
        item=item,
        track=track,
        unit=track.unit,
        issuer_path=item.issuer_path,
        unit_path=track.unit_path,
        plan_year=int(year),
        source_text=_text(source_text, "原文", max_len=300),
        source_ref=source_ref or {},
        created_by=actor,
        created_at=now(),
        **fields,
    )
    _check_shape(target)
    target.save()
    record(actor=actor, action="target.create", item=item, track=track, obj=target, new=_snapshot(target))
    return target


def _lock_target(actor, target_id: int, expected_version: int | None = None) -> Target:
    """A visible target, its row locked for the transaction: two first filings of a period (no
    figure row yet to lock) queue here instead of racing for version 1."""
    target = selectors.get_target(actor, target_id)
    locked = Target.objects.select_for_update().filter(pk=target.pk).values_list("version", "series").first()
    if locked is not None:  # what another filing committed while we waited for the lock
        target.version, target.series = locked
    if expected_version is not None and target.version != expected_version:
        raise StaleVersion("该指标已被他人更新，请刷新页面后重试", code="stale_version")
    return target


def _bump(target: Target, **changes) -> None:
    updated = Target.objects.filter(pk=target.pk, version=target.version).update(
        version=F("version") + 1, **changes
    )
    if updated != 1:
        raise StaleVersion("该指标已被他人更新，请刷新页面后重试", code="stale_version")
    for k, v in changes.items():
        setattr(target, k, v)
    target.version += 1


@transaction.atomic
def update_target(*, actor, target_id: int, expected_version: int | None = None, **changes) -> Target:
    """Correct a target's terms: kind, period, due day, profile, tolerance, baseline, value."""
    target = _lock_target(actor, target_id, expected_version)
    rules.require(actor, target, "edit")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"不能修改：{'、'.join(sorted(unknown))}", code="bad_field")
    fields = _clean_definition(changes)
    old = _snapshot(target)
    for k, v in fields.items():
        setattr(target, k, v)
    _check_shape(target)
    changed = {k: v for k, v in fields.items() if old.get(k) != v}
    if not changed:
        return target
    _bump(target, **changed)
    record(
        actor=actor,
        action="target.update",
        item=target.item,
        track=target.track,
        obj=target,
        old={k: old[k] for k in changed},
        new=changed,
    )
    return target


# ---------------------------------------------------------------------------------------------
# Figures


def _period(target: Target, period_end) -> dt.date:
    if isinstance(period_end, str):
        try:
            period_end = dt.date.fromisoformat(period_end.strip())
        except ValueError:
            raise InvalidInput(
                "报送期须为日期，如 2026-03-31", code="bad_period", field="period_end"
            ) from None
    if not isinstance(period_end, dt.date):
        raise InvalidInput("请选择报送期", code="required", field="period_end")
    spec = selectors.spec_of(target)
    if not progress.is_period_end(spec, period_end):
        label = "月末" if target.period == Period.MONTHLY else "季末"
        raise InvalidInput(
            f"报送期须为{target.plan_year}年的{label}日期", code="bad_period", field="period_end"
        )
    if period_end not in progress.fileable_periods(spec, local_today()):
        raise InvalidInput("该报送期尚未开始，不能报送", code="future_period", field="period_end")
    return period_end


def _check_confidence(confidence: str, reason: str) -> tuple[str, str]:
    confidence = (confidence or "").strip()
    if confidence and confidence not in Confidence.values:
        raise InvalidInput("完成预判无效", code="bad_confidence", field="confidence")
    reason = _text(reason, "预判理由", max_len=2000)
    if confidence in (Confidence.AT_RISK, Confidence.UNLIKELY) and not reason:
        raise InvalidInput(
            "预判“有风险”或“难以完成”时请说明理由", code="reason_required", field="confidence_reason"
        )
    return confidence, reason


def _file(
    *,
    actor,
    target: Target,
    period_end: dt.date,
    value: float,
    source: str,
    note: str = "",
    confidence: str = "",
    confidence_reason: str = "",
    files: Iterable = (),
    report: Report | None = None,
) -> Figure | None:
    """One filing; a correction when the period already has one (the next version). Filing the
    same value again with nothing new is a no-op (None): an import can be run twice."""
    current = (
        Figure.objects.select_for_update()
        .filter(target=target, period_end=period_end, source=source)
        .order_by("-version")
        .first()
    )
    files = list(files)
    if (
        current is not None
        and current.value == value
        and not files
        and note == current.note
        and confidence == current.confidence
        and confidence_reason == current.confidence_reason
    ):
        return None
    figure = Figure.objects.create(
        target=target,
        period_end=period_end,
        source=source,
        version=(current.version + 1) if current else 1,
        value=value,
        note=note,
        confidence=confidence,
        confidence_reason=confidence_reason,
        report=report,
        author=actor,
        created_at=now(),
    )
    target.series = series.put(
        dict(target.series or {}), source, period_end, value, confidence, confidence_reason
    )
    Target.objects.filter(pk=target.pk).update(series=target.series)
    names = []
    for upload in files:
        att = item_services.store_attachment(actor=actor, upload=upload, item=target.item)
        figure.evidence.add(att)
        names.append(att.name)
    record(
        actor=actor,
        action="figure.correct" if current else "figure.file",
        item=target.item,
        track=target.track,
        obj=figure,
        old={"value": current.value, "version": current.version} if current else None,
        new={"target": target.pk, "period": period_end.isoformat(), "source": source, "value": value},
        payload={"attachments": names, "confidence": confidence} if names or confidence else None,
    )
    return figure


@dataclass(frozen=True)
class CleanFigure:
    period_end: dt.date
    value: float
    note: str
    confidence: str
    confidence_reason: str


def clean_figure(
    target: Target,
    *,
    period_end,
    value,
    source: str = FigureSource.UNIT,
    note: str = "",
    confidence: str = "",
    confidence_reason: str = "",
    value_label: str = "完成值",
) -> CleanFigure:
    """A figure's input checked and normalised as filing it would (the import checks every row
    with this before it files any)."""
    day = _period(target, period_end)
    number = _number(value, value_label)
    assert number is not None
    if source == FigureSource.STATS:
        confidence, confidence_reason = "", ""
    else:
        confidence, confidence_reason = _check_confidence(confidence, confidence_reason)
    return CleanFigure(day, number, _text(note, "说明", max_len=2000), confidence, confidence_reason)


@blobs.discard_on_failure
@transaction.atomic
def file_figure(
    *,
    actor,
    target_id: int,
    period_end,
    value,
    source: str = FigureSource.UNIT,
    note: str = "",
    confidence: str = "",
    confidence_reason: str = "",
    files: Iterable = (),
    report: Report | None = None,
) -> Figure | None:
    """报送: the owning unit's figure for a period (or, ``source="stats"``, the statistics
    bureau's, entered by the issuing side). Filing again for the period is a correction."""
    target = _lock_target(actor, target_id)
    if source not in FigureSource.values:
        raise InvalidInput("数据来源无效", code="bad_source", field="source")
    rules.require(actor, target, "file" if source == FigureSource.UNIT else "file_stats")
    clean = clean_figure(
        target,
        period_end=period_end,
        value=value,
        source=source,
        note=note,
        confidence=confidence,
        confidence_reason=confidence_reason,
    )
    return _file(
        actor=actor,
        target=target,
        period_end=clean.period_end,
        value=clean.value,
        source=source,
        note=clean.note,
        confidence=clean.confidence,
        confidence_reason=clean.confidence_reason,
        files=files,
        report=report,
    )


@blobs.discard_on_failure
@transaction.atomic
def file_progress_report(
    *,
    actor,
    track_id: int,
    done: str,
    figures: Sequence[dict] = (),
    next_steps: str = "",
    problems: str = "",
    support_needed: str = "",
    files: Iterable = (),
    expected_version: int | None = None,
) -> Report:
    """A progress report with the period's figures of the track's targets, in one transaction:
    a bad figure refuses the report too. Each of ``figures``: target, period_end, value and
    optionally confidence, confidence_reason."""
    report = item_services.file_report(
        actor=actor,
        track_id=track_id,
        kind=ReportKind.PROGRESS,
        done=done,
        next_steps=next_steps,
        problems=problems,
        support_needed=support_needed,
        files=files,
        expected_version=expected_version,
    )
    for f in figures:
        target = _lock_target(actor, f["target"])
        if target.track_id != report.track_id:
            raise InvalidInput("只能报送本事项本单位的指标", code="bad_target", field="figures")
        file_figure(
            actor=actor,
            target_id=target.pk,
            period_end=f.get("period_end"),
            value=f.get("value"),
            note=f.get("note", ""),
            confidence=f.get("confidence", ""),
            confidence_reason=f.get("confidence_reason", ""),
            report=report,
        )
    return report


# ---------------------------------------------------------------------------------------------
# Allocation (分解) down the hierarchy


@dataclass(frozen=True)
class Share:
    unit: OrgUnit
    value: float
    value_max: float | None = None


def allocation_check(target: Target, values: Sequence[float]) -> tuple[float, float, float]:
    """(sum of the shares, difference from the whole, shortfall) — for the form and the API."""
    total = sum(values)
    short = progress.allocation_shortfall(target.value, values, higher_is_better=target.higher_is_better)
    return total, total - target.value, short


@transaction.atomic
def allocate(
    *, actor, target_id: int, shares: Sequence[dict], accept_shortfall: bool = False
) -> list[Target]:
    """分解: split a target among lower units. Each share is a child target owned by a track
    passed down from the target's own track to that unit (made here if the unit has none).

    Cumulative and count shares must add up to at least the whole; falling short is refused with
    ``allocation_short`` unless ``accept_shortfall``. Rates and ceilings are not summed: each
    unit gets its own value. A unit that already has a share gets its value changed."""
    target = _lock_target(actor, target_id)
    rules.require(actor, target, "allocate")
    if not shares:
        raise InvalidInput("请至少分解给一个单位", code="unit_required")
    if len(shares) > 500:
        raise InvalidInput("一次最多分解给500个单位", code="too_many")
    gov = target.track.unit.government
    parsed: list[Share] = []
    seen = set()
    for s in shares:
        unit = s.get("unit")
        if not isinstance(unit, OrgUnit):
            unit = OrgUnit.objects.filter(code=str(unit or "")).first()
            if unit is None:
                raise InvalidInput(f"单位编码 {s.get('unit')} 不存在", code="bad_unit", field="shares")
        if unit.pk in seen:
            raise InvalidInput(f"{unit.name} 重复", code="duplicate_unit", field="shares")
        seen.add(unit.pk)
        refusal = item_services.pass_down_refusal(gov, unit)
        if refusal:
            raise InvalidInput(refusal.replace("下派", "分解"), code="bad_unit", field="shares")
        value = _number(s.get("value"), f"{unit.name}的分解值")
        assert value is not None
        parsed.append(Share(unit, value, _number(s.get("value_max"), "上限", required=False)))
    summable = progress.summable(target.kind, target.unit_label)
    if summable:
        existing = {
            c.unit_id: c.value for c in target.children.exclude(unit_id__in=[p.unit.pk for p in parsed])
        }
        total, diff, short = allocation_check(target, [p.value for p in parsed] + list(existing.values()))
        if short > 0 and not accept_shortfall:
            raise InvalidInput(
                f"分解合计 {total:g}{target.unit_label}，比总目标少 {short:g}{target.unit_label}；"
                "如确需如此，请勾选“确认分解合计少于总目标”",
                code="allocation_short",
                field="shares",
                total=total,
                short=short,
            )
    at = now()
    tracks = {t.unit_id: t for t in Track.objects.filter(item=target.item, unit_id__in=seen)}
    out = []
    for share in parsed:
        track = tracks.get(share.unit.pk)
        if track is None:
            track = item_services.open_track(
                actor=actor,
                item=target.item,
                unit=share.unit,
                role=TrackRole.LEAD,
                parent=target.track,
                at=at,
            )
        elif track.parent_id != target.track_id:
            raise InvalidInput(
                f"{share.unit.name} 已直接承办该事项，不能作为分解单位", code="bad_unit", field="shares"
            )
        child = Target.objects.filter(parent=target, unit=share.unit).first()
        if child is None:
            child = Target(
                item=target.item,
                track=track,
                parent=target,
                unit=share.unit,
                issuer_path=target.issuer_path,
                unit_path=track.unit_path,
                plan_year=target.plan_year,
                created_by=actor,
                created_at=at,
                source_text=target.source_text,
                source_ref=target.source_ref,
                **{
                    k: getattr(target, k)
                    for k in EDITABLE
                    if k not in ("value", "value_max", "baseline", "last_year")
                },
                value=share.value,
                value_max=share.value_max,
            )
            _check_shape(child)
            child.save()
            record(
                actor=actor,
                action="target.allocate",
                item=target.item,
                track=track,
                obj=child,
                new={
                    "parent": target.pk,
                    "unit": share.unit.code,
                    "value": share.value,
                    "value_max": share.value_max,
                },
            )
        elif (child.value, child.value_max) != (share.value, share.value_max):
            old = {"value": child.value, "value_max": child.value_max}
            child.value, child.value_max = share.value, share.value_max
            _check_shape(child)
            _bump(child, value=share.value, value_max=share.value_max)
            record(
                actor=actor,
                action="target.update",
                item=target.item,
                track=track,
                obj=child,
                old=old,
                new={"value": share.value, "value_max": share.value_max},
            )
        out.append(child)
    return out


# ---------------------------------------------------------------------------------------------
# From a work report's plan (批量立项交办)


def targets_from_task(
    *, actor, item: Item, task_targets: Sequence[dict], plan_year: int | None
) -> list[Target]:
    """The targets of a plan task, on the item just assigned from it. Each carries its kind and
    period as the supervisor left them on the draft plan (else guessed from the wording)."""
    out = []
    for t in task_targets:
        if t.get("value") is None:
            continue
        out.append(
            create_target(
                actor=actor,
                item_id=item.pk,
                indicator=(t.get("indicator") or t.get("text") or "")[:200] or "指标",
                value=t["value"],
                value_max=t.get("value_max"),
                unit_label=(t.get("unit") or "")[:20],
                comparator=t.get("comparator") if t.get("comparator") in Comparator.values else Comparator.EQ,
                kind=t.get("kind") or None,
                period=t.get("period") or Period.MONTHLY,
                plan_year=t.get("plan_year") or plan_year,
                source_text=(t.get("text") or "")[:300],
                source_ref={
                    k: v
                    for k, v in {
                        "plan": item.source_ref.get("plan"),
                        "task": item.source_ref.get("task"),
                        "section": item.source_ref.get("section"),
                        "start": t.get("start"),
                        "end": t.get("end"),
                    }.items()
                    if v is not None
                },
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# The stored copy of the current figures


def series_from_figures(target_ids: Sequence[int] | None = None) -> dict[int, dict]:
    """What ``Target.series`` must hold, worked out from the Figure rows (the record)."""
    rows: dict[int, list] = {}
    qs = Figure.objects.all() if target_ids is None else Figure.objects.filter(target_id__in=list(target_ids))
    for tid, *row in (
        qs.order_by("target_id")
        .values_list(
            "target_id", "period_end", "source", "version", "value", "confidence", "confidence_reason"
        )
        .iterator(chunk_size=5000)
    ):
        rows.setdefault(tid, []).append(row)
    ids = target_ids if target_ids is not None else Target.objects.values_list("id", flat=True)
    return {tid: series.compute(rows.get(tid, [])) for tid in ids}


def check_series(*, fix: bool = False) -> list[int]:
    """The targets whose stored series differs from their figures; with ``fix``, rewrite those
    (a repair, not a change of anything filed: not journaled)."""
    wrong = []
    stored = dict(Target.objects.values_list("id", "series"))
    for tid, want in series_from_figures().items():
        if (stored.get(tid) or {}) != want:
            wrong.append(tid)
            if fix:
                Target.objects.filter(pk=tid).update(series=want)
    return sorted(wrong)
