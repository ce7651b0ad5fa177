"""Reads of the org tree and its people."""

from __future__ import annotations

from django.db import connection

from duban.core import sqlrows

from .models import ApiToken, OrgUnit, User

_TOKEN, _USER, _UNIT = (sqlrows.ModelRows(m) for m in (ApiToken, User, OrgUnit))


def _with_user(lead: sqlrows.ModelRows | None, from_sql: str, where: str, params: list):
    """The row's ``lead`` object (or the user itself) with the user and the user's unit loaded,
    in one hand-written query (``core.sqlrows``): these are the first reads of every request."""
    q = connection.ops.quote_name
    columns = [_USER.columns("x"), _UNIT.columns("u")]
    if lead is not None:
        columns.insert(0, lead.columns("k"))
    rows = sqlrows.query(
        f"SELECT {', '.join(columns)} {from_sql} "
        f"LEFT JOIN {q(OrgUnit._meta.db_table)} u ON u.{q('id')} = x.{q('unit_id')} WHERE {where}",
        params,
        binary=True,
    )
    if not rows:
        return None
    at = lead.width if lead is not None else 0
    user = _USER.make(rows[0], at)
    sqlrows.cache_related(user, "unit", _UNIT.make(rows[0], at + _USER.width))
    if lead is None:
        return user
    head = lead.make(rows[0])
    sqlrows.cache_related(head, "user", user)
    return head


def user_with_unit(pk: int) -> User | None:
    """The user (active or not) with its unit, by key."""
    q = connection.ops.quote_name
    return _with_user(None, f"FROM {q(User._meta.db_table)} x", f"x.{q('id')} = %s", [pk])


def token_with_user(digest: str) -> ApiToken | None:
    """The API token with this digest, with its user and the user's unit."""
    q = connection.ops.quote_name
    return _with_user(
        _TOKEN,
        f"FROM {q(ApiToken._meta.db_table)} k JOIN {q(User._meta.db_table)} x ON x.{q('id')} = k.{q('user_id')}",
        f"k.{q('digest')} = %s",
        [digest],
    )


def unit_members(unit_id: int) -> list[User]:
    """The active people of a unit, as the route (批转) picker lists them."""
    return list(User.objects.filter(unit_id=unit_id, is_active=True).order_by("username"))


def managed_units(actor):
    """The units an admin keeps: their own unit's subtree."""
    from .models import OrgUnit, subtree_filter

    if getattr(actor, "unit_id", None) is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(subtree_filter("path", actor.unit.path))


def managed_users(actor, *, q: str = "", unit=None, limit: int = 200) -> list[User]:
    """People of the admin's subtree (or of one unit in it), matched on name or username."""
    from django.db.models import Q

    from .models import subtree_filter

    if getattr(actor, "unit_id", None) is None:
        return []
    qs = User.objects.filter(subtree_filter("unit__path", actor.unit.path)).select_related("unit")
    if unit is not None:
        qs = qs.filter(unit=unit)
    q = (q or "").strip()[:50]
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    return list(qs.order_by("unit__path", "username")[:limit])


def get_managed_user(actor, pk) -> User:
    from duban.core.errors import NotFound

    from .models import subtree_filter

    if getattr(actor, "unit_id", None) is None:
        raise NotFound("用户不存在或无权管理")
    try:
        return User.objects.select_related("unit").get(subtree_filter("unit__path", actor.unit.path), pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound("用户不存在或无权管理") from None


def children_of(unit):
    """The units directly below ``unit``: governments first, then departments, by code."""
    from .models import OrgUnit

    return list(OrgUnit.objects.filter(parent=unit).order_by("kind", "code"))


def departments_of(government):
    from .models import OrgUnit, UnitKind

    return list(OrgUnit.objects.filter(parent=government, kind=UnitKind.DEPARTMENT).order_by("code"))


def ancestors_in_reach(actor, unit):
    """``unit`` and the units above it that the admin keeps, top first (the page's trail)."""
    parts = unit.path.rstrip("/").split("/")
    paths = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return list(managed_units(actor).filter(path__in=paths).order_by("depth"))


def tokens_of(user, *, limit: int = 100):
    """A person's own API tokens, newest first (我的令牌)."""
    from .models import ApiToken

    return list(
        ApiToken.objects.filter(user=user).select_related("user", "revoked_by").order_by("-pk")[:limit]
    )


def managed_tokens(actor, *, q: str = "", state: str = "", limit: int = 200):
    """The tokens of the admin's subtree's people (管理 → 令牌), matched on username, name or the
    token's name; ``state`` "active" keeps those neither revoked nor expired."""
    from django.db.models import Q

    from duban.core.clock import now

    from .models import ApiToken, subtree_filter

    if getattr(actor, "unit_id", None) is None:
        return []
    qs = ApiToken.objects.filter(subtree_filter("user__unit__path", actor.unit.path)).select_related(
        "user", "user__unit", "revoked_by"
    )
    q = (q or "").strip()[:50]
    if q:
        qs = qs.filter(
            Q(user__username__icontains=q) | Q(user__display_name__icontains=q) | Q(name__icontains=q)
        )
    if state == "active":
        qs = qs.filter(revoked_at__isnull=True, expires_at__gt=now())
    return list(qs.order_by("-pk")[:limit])
