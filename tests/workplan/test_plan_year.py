"""The plan year comes from the report (headings, title, byline, how the review opens) or from the
caller, never from the clock; with no evidence the report is refused with ``bad_year``."""

from pathlib import Path

import pytest

from duban.workplan import ParseError, decompose
from duban.workplan.cli import main

GWY_2023 = Path("/work/shared/devset/fulfilment/guowuyuan_2023.txt")
BYLINE = "——2023年3月5日在第十四届全国人民代表大会第一次会议上\n"
needs_report = pytest.mark.skipif(not GWY_2023.exists(), reason="the 2023 State Council report is not here")


def _report() -> str:
    text = GWY_2023.read_text(encoding="utf-8")
    # The headings name no year ("二、对今年政府工作的建议"): only the byline and the review's
    # opening sentence ("2022年是…") carry it.
    assert BYLINE in text and "\n2022年是党和国家" in text
    assert "二、对今年政府工作的建议" in text
    return text


@needs_report
def test_byline_year():
    assert decompose(_report().encode(), name="gwy.txt")["plan_year"] == 2023


@needs_report
def test_the_reviewed_year_opens_the_review():
    result = decompose(_report().replace(BYLINE, "").encode(), name="gwy.txt")
    assert result["plan_year"] == 2023
    assert [s["kind"] for s in result["sections"]] == ["review", "plan"]


def _stripped() -> bytes:
    return _report().replace(BYLINE, "").replace("\n2022年是党和国家", "\n这一年是党和国家").encode()


@needs_report
def test_no_evidence_is_refused_unless_the_year_is_given():
    with pytest.raises(ParseError) as exc:
        decompose(_stripped(), name="gwy.txt")
    assert exc.value.code == "bad_year"
    assert "--year" in exc.value.message and "计划年度" in exc.value.message
    given = decompose(_stripped(), name="gwy.txt", year=2023)
    assert given["plan_year"] == 2023
    assert [s["kind"] for s in given["sections"]] == ["review", "plan"]
    dated = [t["deadline"]["date"] for t in given["tasks"] if t["deadline"]]
    assert len(given["tasks"]) > 50
    assert all(d.startswith("2023") for d in dated)


@needs_report
def test_cli_refuses_and_names_the_option(tmp_path, capsys):
    path = tmp_path / "gwy.txt"
    path.write_bytes(_stripped())
    assert main([str(path)]) == 2
    out, err = capsys.readouterr()
    assert not out and "bad_year" in err and "--year" in err
    assert main([str(path), "--year", "2023", "-o", str(tmp_path / "out.json")]) == 0


@pytest.mark.parametrize(
    ("head", "year"),
    [
        # A review heading with a year: the plan is the next year's.
        ("一、2025年工作回顾\n2025年，我们着力稳增长。\n二、今年工作安排\n", 2026),
        # The title names the year.
        ("2024年政府工作报告\n一、过去一年工作回顾\n过去一年，我们着力稳增长。\n二、今年工作安排\n", 2024),
        # The byline dates the report.
        (
            "政府工作报告\n——2022年1月20日在省第十三届人民代表大会第六次会议上\n一、过去一年工作回顾\n"
            "过去一年，我们着力稳增长。\n二、今年工作安排\n",
            2022,
        ),
    ],
)
def test_year_evidence(head, year):
    body = "（一）加快城市更新。年底前完成老旧小区改造100个。\n（二）推进乡村振兴。实施乡村建设行动。\n"
    result = decompose((head + body).encode(), name="r.txt")
    assert result["plan_year"] == year
    assert next(t for t in result["tasks"] if t["deadline"])["deadline"]["date"] == f"{year}-12-31"
