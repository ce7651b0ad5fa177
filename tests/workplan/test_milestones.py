"""Several deadlines in one task ("上半年完成X，年底前完成Y"): every one is listed in ``deadlines``
with the clause it governs, and ``deadline`` (the due date) is the last "by" one."""

from duban.workplan import decompose

HEAD = "2024年政府工作报告\n一、2023年工作回顾\n过去一年，我们着力稳增长。\n二、2024年工作安排\n"


def _task(body: str, year: int | None = None) -> dict:
    result = decompose((HEAD + body + "\n").encode(), name="r.txt", year=year)
    return next(t for t in result["tasks"] if t["deadlines"])


def _clauses(task: dict) -> list[str]:
    return [
        task["text"][m["clause_start"] - task["start"] : m["clause_end"] - task["start"]]
        for m in task["deadlines"]
    ]


def test_two_milestones_each_with_its_clause():
    t = _task("（一）推进城市更新。上半年完成老旧小区改造方案，年底前完成改造100个。")
    assert [(m["text"], m["date"], m["kind"]) for m in t["deadlines"]] == [
        ("上半年", "2024-06-30", "by"),
        ("年底前", "2024-12-31", "by"),
    ]
    assert _clauses(t) == ["上半年完成老旧小区改造方案，", "年底前完成改造100个。"]
    # The due date is the last one; the single field keeps its shape.
    assert t["deadline"] == {k: t["deadlines"][1][k] for k in ("text", "date", "kind", "start", "end")}


def test_three_milestones_in_order():
    t = _task("（一）推进数字政府建设。3月底前出台方案，9月底前上线试运行，年底前全面推广。")
    assert [m["date"] for m in t["deadlines"]] == ["2024-03-31", "2024-09-30", "2024-12-31"]
    assert _clauses(t) == ["3月底前出台方案，", "9月底前上线试运行，", "年底前全面推广。"]
    assert t["deadline"]["date"] == "2024-12-31"


def test_one_deadline_governs_the_whole_sentence():
    t = _task("（一）推进城市更新。年底前完成老旧小区改造100个。")
    assert len(t["deadlines"]) == 1
    assert _clauses(t) == [t["text"]]
    assert t["deadline"]["text"] == "年底前"


def test_a_from_date_is_not_the_due_date():
    t = _task("（一）推进依法行政。7月1日起施行新条例，年底前完成配套制度清理。")
    assert [m["kind"] for m in t["deadlines"]] == ["from", "by"]
    assert t["deadline"]["text"] == "年底前"
    only_from = _task("（一）推进依法行政。7月1日起施行新条例。")
    assert only_from["deadline"]["kind"] == "from"


def test_seed_tasks_list_their_deadline(seed_result):
    for t in seed_result["tasks"]:
        if t["deadline"] is None:
            assert t["deadlines"] == []
        else:
            assert t["deadline"]["start"] in [m["start"] for m in t["deadlines"]]
            for m in t["deadlines"]:
                assert t["start"] <= m["clause_start"] <= m["start"] < m["end"] <= m["clause_end"] <= t["end"]


def test_exports_list_every_milestone():
    from duban.workplan.export import deadline_label, to_markdown

    body = "（一）推进城市更新。上半年完成老旧小区改造方案，年底前完成改造100个。\n"
    result = decompose((HEAD + body).encode(), name="r.txt")
    t = next(t for t in result["tasks"] if t["deadlines"])
    assert deadline_label(t) == "2024年6月30日前；2024年12月31日前"
    md = to_markdown(result)
    assert "  - 时限：2024年6月30日前（原文“上半年完成老旧小区改造方案”）" in md
    assert "  - 时限：2024年12月31日前（原文“年底前完成改造100个”）" in md


def test_the_garbage_collector_is_restored_as_found():
    import gc

    body = "（一）推进城市更新。上半年完成老旧小区改造方案，年底前完成改造100个。\n"
    assert gc.isenabled()
    decompose((HEAD + body).encode(), name="r.txt")
    assert gc.isenabled()
    gc.disable()
    try:
        decompose((HEAD + body).encode(), name="r.txt")
        assert not gc.isenabled()
    finally:
        gc.enable()
    # …and after a refusal too.
    import pytest

    from duban.workplan import ParseError

    with pytest.raises(ParseError):
        decompose("政府工作报告\n二、今年工作安排\n（一）推进城市更新。\n".encode(), name="r.txt")
    assert gc.isenabled()
