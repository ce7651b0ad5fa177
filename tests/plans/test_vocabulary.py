"""The department vocabulary behind suggested lead units is data an admin edits."""

import pytest
from django.core.management import CommandError, call_command

from duban.orgs.models import OrgUnit
from duban.plans import services
from duban.plans.models import UnitVocabulary
from duban.workplan.units import split_keywords

pytestmark = pytest.mark.django_db


def unit(code):
    return OrgUnit.objects.get(code=code)


def test_split_keywords_accepts_the_separators_clerks_type():
    assert split_keywords("5G基站|数字经济\n 算力 、数字经济，大数据,") == [
        "5G基站",
        "数字经济",
        "算力",
        "大数据",
    ]


def test_load_vocabulary_names_units_it_cannot_find():
    written, unknown = services.load_vocabulary(
        rows=[("山西省科学技术厅", "高新技术企业|研发"), ("省教育厅", "义务教育"), ("不存在的局", "x")]
    )
    assert written == 2 and unknown == ["不存在的局"]
    sci = UnitVocabulary.objects.get(unit__name="山西省科学技术厅")
    assert sci.keyword_list() == ["高新技术企业", "研发"]
    # Loading again replaces, never duplicates.
    services.load_vocabulary(rows=[("山西省科学技术厅", "科技成果")])
    assert UnitVocabulary.objects.count() == 2
    assert UnitVocabulary.objects.get(unit__name="山西省科学技术厅").keyword_list() == ["科技成果"]


def test_vocabulary_belongs_to_one_government(prov_sup, city_sup):
    assert services.vocabulary_for(prov_sup.unit) is None  # nothing entered: the parser's own file
    services.load_vocabulary(rows=[("山西省科学技术厅", "高新技术企业")])
    assert services.vocabulary_for(prov_sup.unit) == [("山西省科学技术厅", ["高新技术企业"])]
    # A city's government has no rows of its own yet: it is not handed the province's departments.
    assert services.vocabulary_for(city_sup.unit) is None


def test_gazetteer_lists_divisions_not_departments():
    rows = services.gazetteer()
    codes = {code for code, _, _ in rows}
    assert {"140000", "140100", "140105"} <= codes
    names = {name for _, name, _ in rows}
    assert "山西省科学技术厅" not in names


def test_load_vocabulary_command(tmp_path, capsys):
    f = tmp_path / "vocab.csv"
    f.write_text("unit,keywords\n山西省林业和草原局,营造林|森林防火\n", encoding="utf-8")
    call_command("load_vocabulary", str(f))
    assert UnitVocabulary.objects.get(unit__name="山西省林业和草原局").keyword_list() == [
        "营造林",
        "森林防火",
    ]
    with pytest.raises(CommandError):
        call_command("load_vocabulary", str(tmp_path / "missing.csv"))


def test_an_edited_vocabulary_drives_the_suggestions_of_the_next_import(prov_sup, seed_bytes, clock):
    clock("2021-03-10 09:00")
    # The admin decides high-tech enterprises are the education department's business.
    services.load_vocabulary(rows=[("山西省教育厅", "高新技术企业")])
    plan, _ = services.import_report(actor=prov_sup, data=seed_bytes, name="r.txt")
    task = next(t for t in plan.tasks.all() if "高新技术企业" in t.text)
    names = [s["name"] for s in task.suggested_units]
    assert names[0] == "山西省教育厅" and "山西省科学技术厅" not in names
    assert task.suggested_units[0]["because"] == ["高新技术企业"]
    assert task.lead_codes == [OrgUnit.objects.get(name="山西省教育厅").code]
