"""Reads of bulletins and points rules. Who may read a bulletin is decided here only:
the issuing unit's people, overseers (supervisors, leaders, admins) at or above it, and the
units it ranks. Anything else is ``NotFound``."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from duban.core.clock import now
from duban.core.errors import InvalidInput, NotFound
from duban.items.selectors import sees_whole_subtree
from duban.orgs.models import OrgUnit, subtree_filter

from .models import DEFAULT_POINTS, Bulletin, PointsRules, Recipient


def bulletins_visible_to(user) -> QuerySet[Bulletin]:
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return Bulletin.objects.none()
    q = Q(issuer_unit_id=user.unit_id) | Q(
        Exists(Recipient.objects.filter(bulletin=OuterRef("pk"), unit_id=user.unit_id))
    )
    if sees_whole_subtree(user):
        q |= subtree_filter("issuer_path", user.unit.path)
    return Bulletin.objects.filter(q)


def get_bulletin(user, pk) -> Bulletin:
    try:
        return (
            bulletins_visible_to(user).select_related("issuer_unit", "scope_unit", "published_by").get(pk=pk)
        )
    except (Bulletin.DoesNotExist, ValueError, TypeError):
        raise NotFound("通报不存在或无权查看") from None


def points_rules(unit: OrgUnit) -> dict:
    """The unit's rules (Decimals), or the defaults."""
    row = PointsRules.objects.filter(unit=unit).first()
    return row.as_dict() if row else dict(DEFAULT_POINTS)


def scope_choices(user) -> list[OrgUnit]:
    """The scopes the form offers: the user's unit (its whole subtree) and each unit directly
    below it. Any unit of the subtree may be asked for by code (``get_scope``)."""
    if user.unit_id is None:
        return []
    return [user.unit, *OrgUnit.objects.filter(parent_id=user.unit_id).order_by("kind", "path")[:500]]


def get_scope(user, code: str) -> OrgUnit:
    """A unit in the user's subtree by code, else NotFound."""
    code = (code or "").strip()[:32]
    unit = OrgUnit.objects.filter(code=code).first() if code else user.unit
    if unit is None or not unit.path.startswith(user.unit.path):
        raise NotFound("单位不存在或不在本单位辖区内")
    return unit


def scope_for(user, code: str | None) -> OrgUnit:
    """The scope a bulletin form names, refused as input when outside the user's subtree."""
    try:
        return get_scope(user, code or "")
    except NotFound:
        raise InvalidInput("统计范围须为本单位或其下级单位", code="bad_scope") from None


def preview(user, *, period, scope_code: str | None = None) -> dict:
    """The figures a bulletin of ``user``'s unit would publish now (nothing is written)."""
    from . import figures, rules

    rules.user_bulletin_actions(user).require("publish")
    scope = scope_for(user, scope_code)
    data = figures.compute(
        issuer=user.unit, scope=scope, period=period, at=now(), rules=points_rules(user.unit)
    )
    data["title"] = figures.title_for(user.unit, scope, period)
    return data


def _as_published(bulletin: Bulletin) -> dict:
    """The arguments a published bulletin was worked out with: its issuer, scope, period,
    moment and rules."""
    import datetime as dt

    from .periods import Period

    p = bulletin.data["period"]
    return {
        "issuer": bulletin.issuer_unit,
        "scope": bulletin.scope_unit,
        "period": Period(p["kind"], bulletin.period_start, bulletin.period_end, p["label"]),
        "at": dt.datetime.fromisoformat(bulletin.data["as_of"]),
        "rules": bulletin.data["rules"],
    }


def recompute(bulletin: Bulletin) -> dict:
    """A published bulletin's figures worked out again from the items' histories at its moment,
    with the rules it used (``duban check-bulletins``; the stored figures stay what was
    published). The settled rows of closed tracks are not read: this checks them too."""
    from . import figures

    return figures.compute(**_as_published(bulletin), use_settled=False)


FIGURE_KEYS = ("rows", "totals", "named", "rules")


def replayed(bulletin: Bulletin) -> dict:
    """A published bulletin's figures replayed from the journal's events up to its moment."""
    from . import replay

    return replay.compute(**_as_published(bulletin))


def recheck_bulletins(*, from_journal: bool = False) -> tuple[int, list[tuple[int, str]]]:
    """(how many were checked, [(id, title)] of those whose figures recompute differently) —
    from the items' tables, or replayed from the journal."""
    wrong, checked = [], 0
    for b in (
        Bulletin.objects.select_related("issuer_unit", "scope_unit").order_by("pk").iterator(chunk_size=100)
    ):
        again = replayed(b) if from_journal else recompute(b)
        checked += 1
        if any(again[k] != b.data[k] for k in FIGURE_KEYS):
            wrong.append((b.pk, b.title))
    return checked, wrong
