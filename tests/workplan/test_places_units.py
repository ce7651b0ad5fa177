"""Places by official or short name, and suggested lead units from department vocabulary."""

import csv
from pathlib import Path

import duban
from duban.workplan import decompose
from duban.workplan.normalize import normalize
from duban.workplan.places import Gazetteer, default_gazetteer
from duban.workplan.units import Vocabulary, default_vocabulary, suggest

DATA = Path(duban.__file__).parent / "data"


def _places(text, gaz=None):
    gaz = gaz or default_gazetteer()
    norm = normalize(text)
    return [(text[s:e], p.name, p.code) for s, e, p in gaz.find(norm, 0, len(norm))]


def test_short_forms():
    assert _places("打造太原、忻州两个高端半导体材料和器件产业集聚区") == [
        ("太原", "太原市", "140100"),
        ("忻州", "忻州市", "140900"),
    ]


def test_full_names_and_provinces():
    found = _places("推动山西省与浙江、广西壮族自治区合作，支持平遥县、五台山风景名胜区发展")
    assert [n for _, n, _ in found] == ["山西省", "浙江省", "广西壮族自治区", "平遥县", "五台山风景名胜区"]


def test_common_words_are_not_places():
    assert _places("确保社会长治久安，实现城区、郊区、矿区全覆盖") == []
    # 兴县 inside 振兴县域, 代县 inside 现代县城.
    assert _places("全面振兴县域经济，建设现代县城") == []
    assert _places("支持兴县发展") == [("兴县", "兴县", "141123")]


def test_custom_gazetteer_and_ambiguity():
    gaz = Gazetteer([("1", "城关镇", "城关镇"), ("2", "城关镇", "城关镇"), ("3", "青山区", "青山")])
    assert _places("城关镇和青山建设", gaz) == [("青山", "青山区", "3")]


def test_every_division_is_in_the_default_gazetteer():
    with (DATA / "shanxi_divisions.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["level"] in ("city", "county")]
    gaz = default_gazetteer()
    missing = [
        r["name"]
        for r in rows
        if not any(p.code == r["code"] for _, _, p in gaz.find(r["name"], 0, len(r["name"])))
    ]
    # Names shared by several divisions (城区, 郊区) are ambiguous on their own and never match.
    assert set(missing) <= {"城区", "郊区", "矿区"}


def test_vocabulary_covers_every_department():
    with (DATA / "shanxi_departments.csv").open(encoding="utf-8") as fh:
        departments = {r["name"] for r in csv.DictReader(fh)}
    path = Path(duban.__file__).parent / "workplan" / "data" / "unit_vocabulary.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["unit"] for r in rows} == departments
    assert all(len(r["keywords"].split("|")) >= 5 for r in rows)


def _suggest(text, vocab=None):
    vocab = vocab or default_vocabulary()
    norm = normalize(text)
    return suggest(vocab.matches(norm, 0, len(norm)))


def test_suggestions():
    top = _suggest("再新建5G基站1.5万座")
    assert {u["name"] for u in top[:2]} == {"山西省通信管理局", "山西省工业和信息化厅"}
    assert top[0]["because"] == ["5G基站"]
    assert _suggest("新建高标准农田100万亩")[0]["name"] == "山西省农业农村厅"
    assert _suggest("完成营造林400万亩")[0]["name"] == "山西省林业和草原局"
    assert _suggest("新认定高新技术企业1000家")[0]["name"] == "山西省科学技术厅"
    assert _suggest("城镇新增就业45万人")[0]["name"] == "山西省人力资源和社会保障厅"
    assert _suggest("年内开工1866个老旧小区改造")[0]["name"] == "山西省住房和城乡建设厅"
    assert _suggest("坚持不懈，久久为功") == []


def test_suggestion_shape():
    units = _suggest(
        "深化国资国企改革，推进能源革命，建设高标准农田，发展文旅康养，加强养老服务，开展职业技能培训"
    )
    assert 1 <= len(units) <= 5
    scores = [u["score"] for u in units]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)


def test_vocabulary_argument_overrides(seed_path):
    vocab = [("太原市住建局", ["老旧小区", "城市更新"]), ("太原市科技局", "高新技术企业|科技")]
    r = decompose(seed_path.read_bytes(), vocabulary=vocab)
    names = {u["name"] for t in r["tasks"] for u in t["suggested_units"]}
    assert names == {"太原市住建局", "太原市科技局"}


def test_gazetteer_argument_overrides(seed_path):
    r = decompose(seed_path.read_bytes(), gazetteer=[("140100", "太原市", "太原")])
    assert {p["name"] for t in r["tasks"] for p in t["places"]} == {"太原市"}


def test_quoted_keyword_matches_unquoted():
    vocab = Vocabulary([("省审批局", ["“一枚印章管审批”"])])
    norm = normalize("深化一枚印章管审批改革")
    assert vocab.matches(norm, 0, len(norm))


def test_everyday_phrases_hide_county_short_forms():
    assert _places("提高平均受教育年限，赢得交口称赞，发展小店经济") == []
    assert _places("支持高平、平顺发展") == [("高平", "高平市", "140581"), ("平顺", "平顺县", "140425")]


def test_townships_only_by_full_name_in_a_callers_gazetteer():
    rows = [
        ("140000", "山西省", "山西"),
        ("141029001", "光华镇", "光华镇"),
        ("140902020", "高城乡", "高城乡"),
        ("141034008", "社区", "社区"),
    ]
    gaz = Gazetteer(rows, ["提高城乡", "社区"])
    assert _places("在光华镇建设社区服务中心，提高城乡居民收入", gaz) == [("光华镇", "光华镇", "141029001")]
    # The shipped gazetteer stops at counties.
    assert _places("在光华镇建设") == []


def test_messy_caller_tables_do_not_break_the_parse(seed_path):
    r = decompose(
        seed_path.read_bytes(),
        vocabulary=[("A", None), ("B", ""), ("", "老旧小区"), ("C", ["老旧小区", None, 3])],
        gazetteer=[("1", None, None), (None, "太原市", None), (140400, "长治市", "长治")],
    )
    assert {u["name"] for t in r["tasks"] for u in t["suggested_units"]} == {"C"}
    assert {p["code"] for t in r["tasks"] for p in t["places"]} == {"", "140400"}
