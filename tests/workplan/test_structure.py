"""Report structure on small reports of several shapes: paired input and expected JSON."""

import json

import pytest

from duban.workplan import decompose
from tests.workplan.conftest import FIXTURES

CASES = sorted(p.stem for p in FIXTURES.glob("*.txt"))


def _summary(r):
    return {
        "title": r["title"],
        "plan_year": r["plan_year"],
        "sections": [
            {
                "number": s["number"],
                "title": s["title"],
                "kind": s["kind"],
                "plan_year": s["plan_year"],
                "parts": [p["number"] for p in s["parts"]],
            }
            for s in r["sections"]
        ],
        "tasks": [
            {
                "id": t["id"],
                "text": t["text"],
                "theme": t["theme"],
                "targets": [x["text"] for x in t["targets"]],
                "deadline": t["deadline"]["date"] if t["deadline"] else None,
                "places": [x["name"] for x in t["places"]],
            }
            for t in r["tasks"]
        ],
    }


def test_fixtures_exist():
    assert len(CASES) >= 4


@pytest.mark.parametrize("case", CASES)
def test_fixture(case):
    result = decompose((FIXTURES / f"{case}.txt").read_bytes(), name=f"{case}.txt")
    expected = json.loads((FIXTURES / f"{case}.expected.json").read_text(encoding="utf-8"))
    assert _summary(result) == expected


def test_seed_sections(seed_result):
    r = seed_result
    assert r["plan_year"] == 2021
    kinds = [(s["number"], s["kind"], s["plan_year"]) for s in r["sections"]]
    assert kinds == [("一", "review", 2020), ("二", "goals", 2025), ("三", "plan", 2021)]
    plan = r["sections"][2]
    assert [p["number"] for p in plan["parts"]] == [f"（{n}）" for n in "一二三四五六七八九十"]
    assert plan["parts"][1]["title"] == "突出创新核心地位，加快产业高质量发展"


def test_seed_tasks_only_forward_looking(seed_result):
    review = seed_result["sections"][0]
    tasks = seed_result["tasks"]
    assert len(tasks) > 200
    assert all(t["start"] >= review["end"] for t in tasks)
    assert {t["section"] for t in tasks} == {"二", "三"}
    assert {t["plan_year"] for t in tasks if t["section"] == "三"} == {2021}
    assert {t["plan_year"] for t in tasks if t["section"] == "二"} == {2025}
    ids = [t["id"] for t in tasks]
    assert len(ids) == len(set(ids))


def test_seed_theme_and_ids(seed_result):
    by_text = {t["text"]: t for t in seed_result["tasks"]}
    t = next(t for text, t in by_text.items() if text.startswith("新认定高新技术企业1000家"))
    assert t["theme"] == "大力培育一流创新生态"
    assert t["section"] == "三" and t["part"] == "（二）"
    assert t["id"].startswith("3.2.1.")
    assert [x["value"] for x in t["targets"]] == [1000]
    # The theme sentence is not a task of its own.
    assert "大力培育一流创新生态。" not in by_text


def test_seed_deadline_via_then(seed_result):
    t = next(t for t in seed_result["tasks"] if t["text"].startswith("届时"))
    assert t["deadline"]["date"] == "2021-07-31" and t["deadline"]["text"] == "届时"


def test_every_target_sentence_is_a_task(seed_result):
    """No target is lost: each plan/goals sentence with a number-and-unit commitment is a task."""
    from duban.workplan.normalize import normalize
    from duban.workplan.structure import sentences
    from duban.workplan.targets import find_targets

    text = seed_result["text"]
    norm = normalize(text)
    task_spans = {(t["start"], t["end"]) for t in seed_result["tasks"]}
    for sec in seed_result["sections"]:
        if sec["kind"] not in ("goals", "plan"):
            continue
        for s in sentences(norm, sec["start"], sec["end"]):
            if find_targets(norm, s.start, s.end):
                assert (s.start, s.end) in task_spans or any(
                    a <= s.start and s.end <= b for a, b in task_spans
                ), text[s.start : s.end]


def test_year_argument_overrides():
    raw = (FIXTURES / "city_numbered.txt").read_bytes()
    r = decompose(raw, year=2023)
    assert r["plan_year"] == 2023
    assert [t["plan_year"] for t in r["tasks"]] == [2023] * len(r["tasks"])
    year_end = [t for t in r["tasks"] if t["text"].startswith("年内")][0]
    assert year_end["deadline"]["date"] == "2023-12-31"


def test_markdown_headings_are_structure():
    text = (FIXTURES / "city_numbered.txt").read_text(encoding="utf-8")
    md = (
        text.replace("一、2021", "## 一、2021")
        .replace("二、2022", "## 二、2022")
        .replace("　　（一）", "### （一）")
    )
    r = decompose(md.encode(), name="report.md")
    assert r["source"]["format"] == "md"
    assert [s["kind"] for s in r["sections"]] == ["review", "plan"]
    assert [p["number"] for p in r["sections"][1]["parts"]] == ["（一）", "（二）"]


def test_plain_commitments_without_sections_are_a_plan():
    text = "今年重点推进以下工作。加快建设高标准农田5万亩。推进老旧小区改造100个。加强生态环境保护。\n"
    r = decompose(text.encode(), year=2024)
    assert r["plan_year"] == 2024
    assert [s["kind"] for s in r["sections"]] == ["plan"]
    assert sum(len(t["targets"]) for t in r["tasks"]) == 2


def test_review_only_is_not_a_report():
    from duban.workplan import ParseError

    text = "一、2021年工作回顾\n过去一年，我们推进了各项工作，建设高标准农田5万亩。\n二、2021年工作总结\n成绩来之不易。\n"
    with pytest.raises(ParseError) as exc:
        decompose(text.encode())
    assert exc.value.code == "not_a_report" and "工作安排" in exc.value.message


@pytest.mark.parametrize(
    "titles, plan_year, kinds",
    [
        (["2020年主要工作", "今年工作安排"], 2021, ["review", "plan"]),
        (["2020年工作回顾", "2021年经济社会发展总体要求", "今年重点工作"], 2021, ["review", "plan", "plan"]),
        (["过去五年工作回顾", "今后五年的主要目标任务", "2022年重点工作"], 2022, ["review", "goals", "plan"]),
        (
            ["2024年工作回顾", "2025年经济社会发展总体要求和政策取向", "2025年政府工作任务"],
            2025,
            ["review", "plan", "plan"],
        ),
        (
            ["2025年和“十四五”工作回顾", "“十五五”时期主要目标任务", "2026年工作安排", "加强政府自身建设"],
            2026,
            ["review", "goals", "plan", "plan"],
        ),
        (["“十三五”时期工作回顾", "到2035年远景目标", "2021年主要任务"], 2021, ["review", "goals", "plan"]),
    ],
)
def test_section_kinds(titles, plan_year, kinds):
    numbers = "一二三四五六"
    text = "".join(
        f"{numbers[i]}、{t}\n{'过去一年，我们完成了任务。' if i == 0 else '推进建设高标准农田5万亩。加快发展。'}\n"
        for i, t in enumerate(titles)
    )
    r = decompose(text.encode())
    assert r["plan_year"] == plan_year
    assert [s["kind"] for s in r["sections"]] == kinds


def test_section_numbered_as_parts_of_the_report():
    text = "第一部分 2020年工作回顾\n过去一年，我们完成了任务。\n第二部分 今年工作安排\n抓好农业生产。建设高标准农田5万亩。\n"
    r = decompose(text.encode())
    assert [(s["number"], s["title"], s["kind"]) for s in r["sections"]] == [
        ("一", "2020年工作回顾", "review"),
        ("二", "今年工作安排", "plan"),
    ]
    assert r["plan_year"] == 2021 and [t["id"] for t in r["tasks"]] == ["2.0.1.1"]


def test_goals_years():
    text = (
        "一、“十四五”时期工作回顾\n五年来成绩显著。\n二、“十五五”时期的主要目标任务\n到2030年，全省地区生产总值突破10万亿元。\n"
        "三、2026年工作安排\n今年地区生产总值增长5%左右。\n"
    )
    r = decompose(text.encode())
    assert [s["plan_year"] for s in r["sections"]] == [2025, 2030, 2026]
    assert [t["plan_year"] for t in r["tasks"]] == [2030, 2026]
    assert r["tasks"][0]["targets"][0]["plan_year"] == 2030


def test_the_fifteenth_five_year_plan_by_its_ordinal_is_2030_not_2005():
    from duban.workplan.normalize import normalize
    from duban.workplan.structure import parse_structure

    text = (
        "2026年政府工作报告\n一、2025年工作回顾\n过去一年成绩显著。\n"
        "二、关于《国民经济和社会发展第十五个五年规划纲要（草案）》的说明\n到2030年人均收入再上台阶。\n"
        "三、2026年主要任务\n今年新建5G基站1万座。\n"
    )
    sections = parse_structure(normalize(text)).sections
    assert [(s.kind, s.plan_year) for s in sections] == [("review", 2025), ("goals", 2030), ("plan", 2026)]


def test_a_report_whose_headings_name_no_year_takes_it_from_its_byline():
    from duban.workplan.normalize import normalize
    from duban.workplan.structure import parse_structure

    text = (
        "政府工作报告\n——2023年3月5日在第十四届全国人民代表大会第一次会议上\n国务院总理 李克强\n"
        "各位代表：\n一、过去一年和五年工作回顾\n过去一年成绩显著。\n"
        "二、对今年政府工作的建议\n今年城镇新增就业1200万人左右。\n"
    )
    st = parse_structure(normalize(text))
    assert st.plan_year == 2023
    assert [(s.kind, s.plan_year) for s in st.sections] == [("review", 2022), ("plan", 2023)]


def test_slogan_headings_are_read_by_how_their_sections_open():
    from duban.workplan.normalize import normalize
    from duban.workplan.structure import parse_structure

    text = (
        "2026年福建省政府工作报告\n"
        "一、一年接着一年干，新福建建设持续取得新进展新成效\n2025年是“十四五”收官之年。一年来成绩显著。\n"
        "二、一张蓝图绘到底，奋力谱写中国式现代化福建篇章\n“十五五”时期是基本实现现代化的关键时期。\n"
        "三、一鼓作气勇争先，全力推动“十五五”开好局、起好步\n2026年是“十五五”开局之年。新建5G基站1万座。\n"
        "四、一以贯之转作风，努力建设人民满意的服务型政府\n我们将继续加强政府自身建设。\n"
    )
    sections = parse_structure(normalize(text)).sections
    assert [(s.kind, s.plan_year) for s in sections] == [
        ("review", 2025),
        ("goals", 2030),
        ("plan", 2026),
        ("plan", 2026),
    ]


def _tasks(text: str):
    from duban.workplan import decompose

    return decompose(text.encode(), name="r.txt")["tasks"]


def test_a_review_paragraph_inside_a_forward_section_gives_no_targets():
    tasks = _tasks(
        "2026年上海市政府工作报告\n一、2025年工作回顾\n过去一年成绩显著。\n"
        "二、关于第十五个五年规划纲要草案的说明\n“十四五”时期，全市生产总值从4.16万亿元增加到5.67万亿元。\n"
        "“十五五”时期，全市生产总值年均增长5%左右。\n三、2026年主要任务\n新建5G基站1万座。\n"
    )
    targets = [(g["text"], g["plan_year"]) for t in tasks for g in t["targets"]]
    assert ("全市生产总值年均增长5%左右", 2030) in targets
    assert not any("5.67" in text for text, _year in targets)


def test_a_section_joining_goals_and_the_year_splits_where_the_year_begins():
    tasks = _tasks(
        "2026年辽宁省政府工作报告\n一、2025年和“十四五”时期工作回顾\n过去一年成绩显著。\n"
        "二、“十五五”时期目标任务和2026年工作安排\n《纲要（草案）》提出：地区生产总值年均增长5%左右。\n"
        "今年是“十五五”开局之年。全省地区生产总值增长4.5%左右。\n"
    )
    years = {g["text"]: g["plan_year"] for t in tasks for g in t["targets"]}
    assert years == {"地区生产总值年均增长5%左右": 2030, "全省地区生产总值增长4.5%左右": 2026}


def test_a_glossary_after_the_closing_is_not_tasks():
    tasks = _tasks(
        "2026年四川省政府工作报告\n一、2025年工作回顾\n过去一年成绩显著。\n二、2026年工作安排\n新建5G基站1万座。\n"
        "各位代表，让我们团结奋斗！\n名词解释\n5.稳增长“18”条：省政府办公厅印发文件，提出18条具体举措。\n"
    )
    assert [t["text"] for t in tasks] == ["新建5G基站1万座。"]


def test_a_numbered_list_after_the_closing_stays_inside_the_plan():
    from duban.workplan import decompose

    text = (
        "2026年广东省政府工作报告\n一、2025年工作回顾\n过去一年成绩显著。\n二、“十五五”时期的主要目标\n到2030年再上台阶。\n"
        "三、2026年工作安排\n新建5G基站1万座。\n各位代表！让我们团结奋斗！\n2026年省十件民生实事\n"
        "一、提高低保标准。\n二、新增托位2万个。\n三、改造农村公路危桥180座。\n四、新建充电设施50万个。\n"
    )
    d = decompose(text.encode(), name="gd.txt")
    assert [s["number"] for s in d["sections"]] == ["一", "二", "三"]
    targets = [(g["value"], g["plan_year"]) for t in d["tasks"] for g in t["targets"]]
    assert (20000, 2026) in targets and (500000, 2026) in targets


def test_unnumbered_headings_before_the_numbered_ones_are_sections():
    from duban.workplan import decompose

    text = (
        "2026年内蒙古自治区政府工作报告\n——2026年2月4日在自治区第十四届人民代表大会第四次会议上\n各位代表：\n"
        "“十四五”时期发展成就和2025年工作回顾\n过去一年，地区生产总值增长5.5%。\n"
        "“十五五”时期主要目标和2026年重点工作\n到2030年，地区生产总值年均增长5%左右。\n"
        "今年是“十五五”开局之年。地区生产总值增长5%左右。\n"
        "一、把铸牢中华民族共同体意识作为各项工作的主线\n建设示范单位100个。\n"
        "二、全力抓好七项重点工作\n新建5G基站1万座。\n"
    )
    d = decompose(text.encode(), name="nm.txt")
    assert [(s["number"], s["kind"]) for s in d["sections"]] == [
        ("", "review"),
        ("", "plan"),
        ("一", "plan"),
        ("二", "plan"),
    ]
    years = {g["text"]: g["plan_year"] for t in d["tasks"] for g in t["targets"]}
    assert years["地区生产总值年均增长5%左右"] == 2030
    assert years["地区生产总值增长5%左右"] == 2026
    assert not any("5.5%" in text for text in years)
    ids = [t["id"] for t in d["tasks"]]
    assert len(ids) == len(set(ids))


def _content(tasks, shift=0):
    """What a task says, its offsets moved back by ``shift`` (ids are left out: a compilation's
    sections go on counting)."""
    return [
        (
            t["text"],
            t["start"] - shift,
            t["section"],
            t["part"],
            t["plan_year"],
            [(g["text"], g["value"], g["plan_year"], g["start"] - shift) for g in t["targets"]],
            [(d["date"], d["kind"], d["start"] - shift) for d in t["deadlines"]],
            [u["name"] for u in t["suggested_units"]],
        )
        for t in tasks
    ]


@pytest.mark.parametrize("order", [("city_numbered", "subheadings"), ("subheadings", "city_numbered")])
def test_two_reports_in_one_file_are_read_as_two(order):
    # The second report's 一、 restarts the numbering after the first one's closing: it is a new
    # review (its heading says so), not a list inside the first report's plan.
    first, second = ((FIXTURES / f"{name}.txt").read_text(encoding="utf-8") for name in order)
    both = decompose((first + "\n" + second).encode(), name="two.txt")
    one = decompose(first.encode(), name="one.txt")
    two = decompose(second.encode(), name="two.txt")
    assert [(s["number"], s["kind"], s["plan_year"]) for s in both["sections"]] == [
        (s["number"], s["kind"], s["plan_year"]) for s in one["sections"] + two["sections"]
    ]
    assert [s["kind"] for s in both["sections"]] == ["review", "plan", "review", "plan"]
    assert both["plan_year"] == one["plan_year"] and both["title"] == one["title"]
    assert len(both["tasks"]) == len(one["tasks"]) + len(two["tasks"])
    n = len(one["tasks"])
    assert _content(both["tasks"][:n]) == _content(one["tasks"])
    assert _content(both["tasks"][n:], len(first) + 1) == _content(two["tasks"])
    ids = [t["id"] for t in both["tasks"]]
    assert len(ids) == len(set(ids))


def test_a_new_report_is_known_by_its_title_and_byline_when_its_heading_is_a_slogan():
    report = (
        "某县{y}年政府工作报告\n——{y}年1月10日在某县第一届人民代表大会第一次会议上\n各位代表：\n"
        "一、一年接着一年干，发展持续取得新成效\n过去一年，全县地区生产总值增长6%。\n"
        "二、{y}年工作安排\n新建5G基站{n}座。年内改造老旧小区{n}个。\n各位代表，让我们团结奋斗！\n"
    )
    d = decompose((report.format(y=2025, n=100) + report.format(y=2026, n=200)).encode(), name="r.txt")
    assert [(s["kind"], s["plan_year"]) for s in d["sections"]] == [
        ("review", 2024),
        ("plan", 2025),
        ("review", 2025),
        ("plan", 2026),
    ]
    targets = [(g["value"], g["plan_year"]) for t in d["tasks"] for g in t["targets"]]
    assert targets == [(100, 2025), (100, 2025), (200, 2026), (200, 2026)]
    assert [dl["date"] for t in d["tasks"] for dl in t["deadlines"]] == ["2025-12-31", "2026-12-31"]
    # The second report's title, byline and closing are no tasks of the first.
    assert not any("工作报告" in t["text"] or "团结奋斗" in t["text"] for t in d["tasks"])


def test_a_list_after_the_closing_named_after_the_report_stays_a_list():
    text = (
        "2026年某省政府工作报告\n一、2025年工作回顾\n过去一年成绩显著。\n二、2026年工作安排\n新建5G基站1万座。\n"
        "各位代表，让我们团结奋斗！\n2026年政府工作报告确定的十件民生实事\n"
        "一、新增托位2万个。\n二、改造农村公路危桥180座。\n"
    )
    d = decompose(text.encode(), name="r.txt")
    assert [s["number"] for s in d["sections"]] == ["一", "二"]
    assert {g["value"] for t in d["tasks"] for g in t["targets"]} == {10000, 20000, 180}


def test_the_seed_repeated_is_the_seed_tasks_again(seed_text):
    one = decompose(seed_text.encode(), name="r.txt")
    three = decompose("\n".join([seed_text] * 3).encode(), name="r.txt")
    assert [s["kind"] for s in three["sections"]] == [s["kind"] for s in one["sections"]] * 3
    n = len(one["tasks"])
    assert len(three["tasks"]) == 3 * n
    for k in range(3):
        assert _content(three["tasks"][k * n : (k + 1) * n], k * (len(seed_text) + 1)) == _content(
            one["tasks"]
        )
