"""Writes to the org tree: loading the shipped Shanxi registry and CSV imports of departments."""

from __future__ import annotations

import csv
import io
from importlib import resources

from django.db import transaction

from duban.core.errors import InvalidInput

from .models import OrgUnit, UnitKind

_LEVELS = {
    "province": UnitKind.PROVINCE,
    "city": UnitKind.CITY,
    "county": UnitKind.COUNTY,
    "township": UnitKind.TOWNSHIP,
}


def _read_shipped(name: str) -> str:
    return resources.files("duban.data").joinpath(name).read_text(encoding="utf-8")


@transaction.atomic
def load_divisions(text: str | None = None) -> int:
    """Create or update the division tree from CSV (code,name,short_name,level,parent_code).

    Idempotent; works level by level with bulk writes (the full Shanxi tree is ≈1,600 rows).
    Returns the number of units created.
    """
    rows = list(
        csv.DictReader(io.StringIO(text if text is not None else _read_shipped("shanxi_divisions.csv")))
    )
    order = {"province": 0, "city": 1, "county": 2, "township": 3}
    for row in rows:
        if row["level"] not in _LEVELS:
            raise InvalidInput(f"未知的行政级别：{row['level']}（编码 {row['code']}）", code="bad_level")
    by_code = {u.code: u for u in OrgUnit.objects.all()}
    created = 0
    for level in sorted(order, key=order.__getitem__):
        new, changed = [], []
        for row in (r for r in rows if r["level"] == level):
            parent = by_code.get(row["parent_code"]) if row["parent_code"] else None
            if row["parent_code"] and parent is None:
                raise InvalidInput(
                    f"上级编码 {row['parent_code']} 不存在（编码 {row['code']}）", code="bad_parent"
                )
            unit = by_code.get(row["code"])
            fresh = unit is None
            unit = unit or OrgUnit(code=row["code"])
            unit.name, unit.short_name, unit.kind, unit.parent = (
                row["name"],
                row["short_name"],
                _LEVELS[level],
                parent,
            )
            unit.path = (parent.path if parent else "") + unit.code + "/"
            unit.depth = unit.path.count("/") - 1
            (new if fresh else changed).append(unit)
            by_code[unit.code] = unit
        OrgUnit.objects.bulk_create(new, batch_size=500)
        if changed:
            OrgUnit.objects.bulk_update(
                changed, ["name", "short_name", "kind", "parent", "path", "depth"], batch_size=500
            )
        if new and new[0].pk is None:  # backends that do not return ids from bulk inserts
            ids = dict(OrgUnit.objects.filter(code__in=[u.code for u in new]).values_list("code", "pk"))
            for u in new:
                u.pk = u.id = ids[u.code]
        created += len(new)
    return created


@transaction.atomic
def import_departments(*, government: OrgUnit, text: str) -> int:
    """Attach departments (CSV: name,short_name,kind) to a government; idempotent by name.

    Department codes are the government's code plus "D" and a sequence number.
    """
    if government.kind == UnitKind.DEPARTMENT:
        raise InvalidInput("部门只能挂在政府（省、市、县、乡）之下", code="bad_government")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "name" not in reader.fieldnames:
        raise InvalidInput("CSV 第一行必须是表头，且包含 name 列", code="bad_csv")
    existing = {u.name: u for u in government.children.filter(kind=UnitKind.DEPARTMENT)}
    seq = len(existing)
    created = 0
    for lineno, row in enumerate(reader, start=2):
        name = (row.get("name") or "").strip()
        if not name:
            raise InvalidInput(f"第 {lineno} 行缺少部门名称", code="bad_csv")
        unit = existing.get(name)
        if unit is None:
            seq += 1
            unit = OrgUnit(code=f"{government.code}D{seq:03d}", kind=UnitKind.DEPARTMENT, parent=government)
            created += 1
        unit.name = name
        unit.short_name = (row.get("short_name") or "").strip()
        unit.dept_kind = (row.get("kind") or "").strip()
        unit.save()
        existing[name] = unit
    return created


def load_shanxi() -> tuple[int, int]:
    """The shipped registry: Shanxi's divisions and its provincial departments."""
    with transaction.atomic():
        units = load_divisions()
        province = OrgUnit.objects.get(code="140000")
        depts = import_departments(government=province, text=_read_shipped("shanxi_departments.csv"))
    return units, depts
