from duban.workplan.normalize import normalize
from duban.workplan.targets import find_targets


def targets(sentence):
    norm = normalize(sentence)
    return find_targets(norm, 0, len(norm))


def one(sentence):
    found = targets(sentence)
    assert len(found) == 1, found
    return found[0]


def test_growth_percentage():
    t = one("全市地区生产总值增长6.5%。")
    assert (t.value, t.unit, t.comparator) == (6.5, "%", "=")
    assert "地区生产总值" in t.indicator


def test_multiplier_folded():
    t = one("新增城镇就业32万人。")
    assert (t.value, t.unit) == (320_000, "人")
    t = one("完成固定资产投资1.24万亿元。")
    assert (t.value, t.unit) == (1_240_000_000_000, "元")


def test_comparators():
    assert one("研发投入增长15%以上。").comparator == ">="
    assert one("失业率控制在5%以内。").comparator == "<="
    assert one("物价涨幅控制在3%左右。").comparator == "~"
    assert one("新增市场主体突破2万户。").comparator == ">="
    assert one("推动80余项事项网上办理。").comparator == ">="


def test_range_with_full_width_dash():
    t = one("研发经费增长8%—9%。")
    assert (t.value, t.value_max, t.comparator) == (8, 9, "range")


def test_percentage_points_kept_apart_from_percent():
    t = one("常住人口城镇化率提高1.2个百分点。")
    assert (t.value, t.unit) == (1.2, "个百分点")


def test_exclusions():
    assert targets("2026年是“十五五”开局之年。") == []
    assert targets("8月底前完成改革，7月1日起施行。") == []
    assert targets("推进5G网络和P3实验室建设，落实“1331”工程和“4+1”体系。") == []
    assert targets("隆重庆祝建党100周年。") == []
    assert targets("实施十大工程和三大行动，打造千亿级产业。") == []
    assert targets("落实“30条”支持政策。") == []
    assert targets("为0-6岁儿童和70周岁以上老人提供服务。") == []


def test_spans_point_into_text():
    norm = normalize("前文。新建学校12所，改造道路300公里。")
    found = find_targets(norm, 3, len(norm))
    assert [t.value for t in found] == [12, 300]
    for t in found:
        assert norm[t.start : t.end] == t.text
