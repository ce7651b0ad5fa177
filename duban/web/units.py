"""Unit pickers: which units a form offers, grouped for a <select> with optgroups.

The services decide what is allowed; these lists only keep the choices to the units the
service would accept, so a province-scale picker (~1,600 units) stays one query.
"""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _

from duban.core import labels
from duban.core.errors import InvalidInput
from duban.core.sqlrows import ModelRows
from duban.items import services
from duban.items.selectors import sees_whole_subtree
from duban.orgs.models import OrgUnit, UnitKind, subtree_filter

_UNIT_ROWS = ModelRows(OrgUnit)


def _grouped(gov: OrgUnit, units: list[OrgUnit]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Group ``units`` (in ``gov``'s subtree, ordered by path) by the child government they lie
    under; the government's own departments come first. Names are indented by depth."""
    own: list[tuple[str, str]] = []
    depts: list[tuple[str, str]] = []
    groups: dict[str, tuple[str, list]] = {}
    heads = {u.path: u for u in units if u.depth == gov.depth + 1}
    for u in units:
        if u.pk == gov.pk:
            own.append((u.code, u.name))
        elif u.parent_id == gov.pk and u.kind == UnitKind.DEPARTMENT:
            depts.append((u.code, u.name))
        else:
            head_path = u.path[: len(gov.path)] + u.path[len(gov.path) :].split("/", 1)[0] + "/"
            head = heads.get(head_path)
            label = head.name if head else head_path
            indent = "\u3000" * max(0, u.depth - gov.depth - 1)
            groups.setdefault(head_path, (label, []))[1].append((u.code, indent + u.name))
    out = []
    if own:
        out.append((_("本级"), own))
    if depts:
        out.append((_("本级部门"), depts))
    # Heads without units below them in the list (townships under a county) share one group
    # per kind rather than one optgroup each.
    singles: dict[str, list] = {}
    for head_path, (label, opts) in groups.items():
        head = heads.get(head_path)
        if len(opts) == 1 and head is not None:
            singles.setdefault(labels.label(UnitKind, head.kind), []).extend(opts)
        else:
            out.append((label, opts))
    out.extend(singles.items())
    return out


def assignable_groups(user) -> list:
    """What ``services._assignable`` accepts: the actor's government subtree except itself
    (the same rule as a range query, so a province's picker is one indexed read)."""
    gov = user.unit.government
    units = list(
        OrgUnit.objects.filter(subtree_filter("path", gov.path)).exclude(pk=user.unit_id).order_by("path")
    )
    return _grouped(gov, units)


def pass_down_read(unit: OrgUnit) -> tuple[str, list]:
    """The units below ``unit``'s government, as a read (SQL, parameters) a page can send along
    with its others; ``pass_down_groups(unit, rows=…)`` takes its rows."""
    gov = unit.government
    # Hand-written: this list is on every item page a unit may pass down from (core.sqlrows).
    q = connection.ops.quote_name
    return (
        f"SELECT {_UNIT_ROWS.columns('u')} FROM {q(OrgUnit._meta.db_table)} u "
        f"WHERE u.{q('path')} >= %s AND u.{q('path')} < %s AND u.{q('depth')} > %s ORDER BY u.{q('path')}",
        [gov.path, gov.path[:-1] + "0", gov.depth],
    )


def pass_down_groups(unit: OrgUnit, rows: list | None = None) -> list:
    """What ``services.pass_down`` accepts: lower governments (and their departments).
    ``rows``: those of ``pass_down_read(unit)``, when the caller has read them."""
    gov = unit.government
    if rows is None:
        below = _UNIT_ROWS.fetch(*pass_down_read(unit))
    else:
        below = list(map(_UNIT_ROWS.maker(), rows))
    units = [u for u in below if services.pass_down_refusal(gov, u) is None]
    return _grouped(gov, units)


def filter_units(user) -> list[OrgUnit]:
    """Units offered by the item list's unit filter: the viewer's unit and two levels below."""
    root = user.unit
    if root is None:
        return []
    if not sees_whole_subtree(user):
        return [root]
    return list(
        OrgUnit.objects.filter(subtree_filter("path", root.path), depth__lte=root.depth + 2)
        .only("code", "name", "path")
        .order_by("path")
    )


def resolve(codes: list[str]) -> list[OrgUnit]:
    """Unit codes → units, in the order given; an unknown code is refused."""
    wanted = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    found = {u.code: u for u in OrgUnit.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise InvalidInput(_("未知的单位：%(c)s") % {"c": "、".join(missing)}, code="unknown_unit")
    return [found[c] for c in wanted]
