import pytest

from duban.core.errors import InvalidInput
from duban.orgs.models import OrgUnit, UnitKind, subtree_filter
from duban.orgs.services import import_departments, load_divisions, load_shanxi


def test_shipped_tree(shanxi):
    assert OrgUnit.objects.filter(kind=UnitKind.CITY).count() == 11
    assert OrgUnit.objects.filter(kind=UnitKind.COUNTY).count() == 122
    assert OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP).count() == 1488
    assert OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT, parent=shanxi).count() == 48
    town = OrgUnit.objects.get(code="140105001")
    assert town.path == "140000/140100/140105/140105001/" and town.depth == 3


def test_subtree_is_a_range_filter(shanxi):
    taiyuan = OrgUnit.objects.get(code="140100")
    codes = set(OrgUnit.objects.filter(subtree_filter("path", taiyuan.path)).values_list("code", flat=True))
    assert "140105001" in codes and "140100" in codes
    assert "140200" not in codes and "140000" not in codes
    # A code that shares a prefix but is not a descendant stays out: "1401001/" must not match "140100/".
    assert all(c.startswith("1401") for c in codes)


def test_loading_is_idempotent(shanxi):
    before = OrgUnit.objects.count()
    assert load_shanxi() == (0, 0)
    assert OrgUnit.objects.count() == before


def test_city_departments_by_csv(shanxi):
    taiyuan = OrgUnit.objects.get(code="140100")
    csv_text = "\ufeffname,short_name,kind\n太原市发展和改革委员会,市发展改革委,组成部门\n太原市教育局,市教育局,组成部门\n"
    assert import_departments(government=taiyuan, text=csv_text) == 2
    assert import_departments(government=taiyuan, text=csv_text) == 0
    dept = OrgUnit.objects.get(name="太原市教育局")
    assert dept.parent == taiyuan and dept.path.startswith(taiyuan.path) and dept.government == taiyuan


def test_bad_csv_changes_nothing(shanxi):
    taiyuan = OrgUnit.objects.get(code="140100")
    before = OrgUnit.objects.count()
    with pytest.raises(InvalidInput):
        import_departments(government=taiyuan, text="name,short_name\n太原市甲局,甲\n,空\n")
    assert OrgUnit.objects.count() == before
    with pytest.raises(InvalidInput):
        load_divisions("code,name,short_name,level,parent_code\n999999,某地,某,city,888888\n")
    assert OrgUnit.objects.count() == before
