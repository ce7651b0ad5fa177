"""Every write to bulletins and points rules: keyword-only, the acting user first, one
transaction, one journal row; a refusal (``DubanError``) changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction

from duban.core.clock import now
from duban.core.errors import Forbidden, InvalidInput
from duban.journal.services import record

from . import figures, periods, rules, selectors
from .models import DEFAULT_POINTS, Bulletin, PointsRules, Recipient

POINT_FIELDS = {
    "excellent": ("excellent", "优秀"),
    "good": ("good", "良好"),
    "pass": ("passing", "合格"),
    "fail": ("fail", "不合格"),
    "overdue_day": ("overdue_day", "每逾期1个工作日"),
    "return": ("per_return", "每退回1次"),
}
POINT_LIMIT = Decimal("100")


@transaction.atomic
def publish(*, actor, period: periods.Period, scope_code: str | None = None) -> Bulletin:
    """发布通报: the figures at this moment are stored with the bulletin and never change."""
    rules.user_bulletin_actions(actor).require("publish")
    scope = selectors.scope_for(actor, scope_code)
    at = now()
    data = figures.compute(
        issuer=actor.unit, scope=scope, period=period, at=at, rules=selectors.points_rules(actor.unit)
    )
    if not data["rows"]:
        raise InvalidInput("该期间没有本单位交办的事项，无需通报", code="empty_bulletin")
    local = at.astimezone(figures.SHANGHAI).date()
    title = figures.title_for(actor.unit, scope, period)
    data.update(
        title=title,
        number=f"〔{local.year}〕X号",
        published_at=at.astimezone(dt.UTC).isoformat(),
        date_label=periods.cn_date(local),
    )
    bulletin = Bulletin.objects.create(
        issuer_unit=actor.unit,
        issuer_path=actor.unit.path,
        scope_unit=scope,
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        title=title,
        data=data,
        published_at=at,
        published_by=actor,
    )
    from duban.orgs.models import OrgUnit

    units = OrgUnit.objects.filter(code__in=[r["unit"] for r in data["rows"]])
    Recipient.objects.bulk_create([Recipient(bulletin=bulletin, unit=u) for u in units])
    record(
        actor=actor,
        action="bulletin.publish",
        obj=bulletin,
        new={
            "title": title,
            "scope": scope.code,
            "period": data["period"],
            "rules": data["rules"],
            "totals": data["totals"],
        },
        payload={"rows": [{k: r[k] for k in ("unit", "points", "rank")} for r in data["rows"]]},
    )
    return bulletin


def _points(raw, label: str) -> Decimal:
    text = str(raw if raw is not None else "").strip()[:12]
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"“{label}”须为数字", code="bad_points", field=label) from None
    if not value.is_finite() or abs(value) > POINT_LIMIT:
        raise InvalidInput(f"“{label}”须在 −100 到 100 之间", code="bad_points", field=label)
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(f"“{label}”最多两位小数", code="bad_points", field=label)
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def update_points_rules(*, actor, unit_id: int | None = None, **values) -> PointsRules:
    """The issuing unit's points rules (the actor's unit by default); every key of
    ``DEFAULT_POINTS`` must be given."""
    from duban.orgs.models import OrgUnit

    unit = OrgUnit.objects.filter(pk=unit_id or actor.unit_id).first()
    if unit is None or not rules.can_edit_points(actor, unit):
        raise Forbidden("只有本单位的督查员或管理员可以修改积分规则")
    unknown = set(values) - set(DEFAULT_POINTS)
    if unknown:
        raise InvalidInput("积分规则项无效", code="bad_points")
    cleaned = {key: _points(values.get(key), POINT_FIELDS[key][1]) for key in DEFAULT_POINTS}
    row = PointsRules.objects.select_for_update().filter(unit=unit).first()
    old = figures.plain_rules(row.as_dict()) if row else figures.plain_rules(None)
    if row is None:
        row = PointsRules(unit=unit)
    for key, value in cleaned.items():
        setattr(row, POINT_FIELDS[key][0], value)
    row.updated_at, row.updated_by = now(), actor
    row.save()
    record(
        actor=actor,
        action="bulletin.points_rules",
        obj=row,
        old=old,
        new=figures.plain_rules(row.as_dict()),
        payload={"unit": unit.code},
    )
    return row
