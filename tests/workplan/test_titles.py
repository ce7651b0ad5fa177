"""Short item titles: the commitment's action and object, never a word cut in half."""

import pytest

from duban.workplan.titles import MAX_TITLE, short_title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # Seed tasks (山西 2021), checked by hand.
        ("推进“证照分离”改革全覆盖，新设企业“一天办结”。", "推进“证照分离”改革全覆盖"),
        ("完善智慧化预警多点触发机制。", "完善智慧化预警多点触发机制"),
        ("年内开工1866个老旧小区改造。", "年内开工1866个老旧小区改造"),
        (
            "深化职业教育改革，推进民办教育规范发展，规范校外培训机构，办好特殊教育，建设高素质教师队伍。",
            "深化职业教育改革",
        ),
        (
            "建设杂粮、中药材、干鲜果、设施蔬菜、马铃薯、花卉、淡水鱼等特优种养基地。",
            "建设杂粮等特优种养基地",
        ),
        (
            "按照“一主三副六市域中心”布局，突出抓好太原都市区建设，强化省会城市引领辐射作用。",
            "突出抓好太原都市区建设",
        ),
        ("坚持“三对”“六最”，打造市场化、法治化、国际化营商环境。", "坚持“三对”“六最”"),
        ("同时，以改善民生为导向，合理增加公共消费，挖掘释放消费潜力。", "合理增加公共消费"),
        (
            "在此基础上，经过持续努力，到2035年经济总量达到全国中游水平，与全国同步基本实现社会主义现代化。",
            "到2035年经济总量达到全国中游水平",
        ),
        ("城乡居民最低生活保障标准每人每月再提高20元。", "城乡居民最低生活保障标准每人每月再提高20元"),
        # The example: a pronoun subject and a modal go, the action and object stay.
        ("我们要加快建设全国统一大市场，破除地方保护和市场分割。", "加快建设全国统一大市场"),
        ("（三）加快建设全国统一大市场。", "加快建设全国统一大市场"),
        # A long clause is cut at an enumeration comma or a conjunction, inside the limit.
        (
            "加快发展数字消费、信息消费、绿色消费、智慧消费、健康消费新热点。",
            "加快发展数字消费、信息消费、绿色消费、智慧消费",
        ),
    ],
)
def test_hand_checked_titles(text, title):
    assert short_title(text) == title


def test_seed_titles_are_short_whole_and_tidy(seed_result):
    for task in seed_result["tasks"]:
        title = task["short_title"]
        assert 2 <= len(title) <= MAX_TITLE, task["text"]
        assert title[-1] not in "，。；：！？、,.;:!? "
        assert title.count("“") == title.count("”")
        # Drawn from the commitment's own words: pieces of the text, in order (a list elided
        # between its first item and 等).
        pieces = title.split("等")
        pos = 0
        for piece in pieces:
            found = task["text"].find(piece, pos)
            assert found >= 0, (title, task["text"])
            pos = found + len(piece)


def test_a_clause_without_a_boundary_falls_back_to_the_theme():
    text = "全面推进以人为核心的新型城镇化提质增效扩容升级高质量发展示范工程建设行动计划落地见效。"
    assert short_title(text, "推进新型城镇化") == "推进新型城镇化"
    # Without one, the cut goes before a 的 (a word of its own).
    assert short_title(text) == "全面推进以人为核心"
