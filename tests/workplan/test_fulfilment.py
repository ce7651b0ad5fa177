"""Year-over-year fulfilment on the State Council's reports 2021→2024 (hand-labelled pairs,
copied from the dev set with its README), and the rules one by one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from duban.workplan import decompose
from duban.workplan.fulfilment import amount, fulfilment, similarity, verdict

HERE = Path(__file__).parent / "fixtures" / "fulfilment"


def _load(year: int, plan_year: int | None = None):
    return decompose((HERE / f"guowuyuan_{year}.txt").read_bytes(), name=f"{year}.txt", year=plan_year)


def score(plan_year: int, results_year: int) -> dict:
    """The dev set's scorer: a gold target is found when a predicted one overlaps it with the same
    value; its result is right when the predicted result overlaps the gold one with the same value
    (or both are missing); its verdict when equal."""
    plan, res = _load(plan_year, plan_year), _load(results_year, results_year)
    out = fulfilment(plan, res)
    gold = [
        json.loads(line)
        for line in (HERE / f"guowuyuan_{plan_year}_to_{results_year}.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    found = results = verdicts = 0
    used: set[int] = set()
    for g in gold:
        gs = plan["text"].find(g["target_text"])
        ge = gs + len(g["target_text"])
        hit = next(
            (
                k
                for k, p in enumerate(out["targets"])
                if k not in used and p["start"] < ge and gs < p["end"] and abs(p["value"] - g["value"]) < 1e-6
            ),
            None,
        )
        if hit is None:
            continue
        used.add(hit)
        found += 1
        p = out["targets"][hit]
        if g["result_text"] is None:
            results += p["result"] is None
        elif p["result"] is not None:
            rs = res["text"].find(g["result_text"])
            re_ = rs + len(g["result_text"])
            r = p["result"]
            results += r["start"] < re_ and rs < r["end"] and abs(r["value"] - g["result_value"]) < 1e-6
        verdicts += p["verdict"] == g["verdict"]
    n = len(gold)
    return {"recall": found / n, "result_acc": results / n, "verdict_acc": verdicts / n}


@pytest.mark.parametrize(
    ("plan_year", "results_year", "floor"),
    [(2021, 2022, 1.0), (2022, 2023, 0.89), (2023, 2024, 1.0)],
)
def test_dev_pairs(plan_year, results_year, floor):
    s = score(plan_year, results_year)
    assert s["recall"] == 1.0
    assert s["result_acc"] >= floor and s["verdict_acc"] >= floor, s


def test_2021_headline_targets_read_right():
    out = fulfilment(_load(2021), _load(2022))
    by_text = {t["text"]: t for t in out["targets"]}
    gdp = by_text["国内生产总值增长6%以上"]
    assert (gdp["result"]["text"], gdp["verdict"]) == ("增长8.1%", "met")
    jobless = by_text["城镇调查失业率5.5%左右"]
    # The review's 调查失业率, never a 登记失业率; lower than the target is better.
    assert jobless["result"]["value"] == 5.1 and jobless["verdict"] == "met" and "好于目标" in jobless["why"]
    assert by_text["单位国内生产总值能耗降低3%左右"]["verdict"] == "no_result"
    assert out["schema"] == "duban.fulfilment/1" and out["plan"]["plan_year"] == 2021


def test_indicators_told_apart():
    assert similarity("城镇调查失业率", "城镇登记失业率") == 0.0
    assert similarity("城镇调查失业率", "城镇调查失业率平均") > 0.8
    assert similarity("农村居民人均可支配收入", "城镇居民人均可支配收入") == 0.0


def _t(text, indicator, value, unit, comparator, value_max=None):
    return {
        "text": text,
        "indicator": indicator,
        "value": value,
        "value_max": value_max,
        "unit": unit,
        "comparator": comparator,
        "plan_year": 2021,
        "start": 0,
        "end": len(text),
    }


@pytest.mark.parametrize(
    ("target", "result", "expected"),
    [
        (_t("增长6%以上", "国内生产总值增速", 6, "%", ">="), 5.9, "not_met"),
        (_t("增长6%以上", "国内生产总值增速", 6, "%", ">="), 6.0, "met"),
        (_t("控制在4.5%以内", "城镇登记失业率", 4.5, "%", "<="), 4.6, "not_met"),
        (_t("城镇调查失业率5.5%左右", "城镇调查失业率", 5.5, "%", "~"), 5.7, "met"),  # within 0.2 points
        (_t("城镇调查失业率5.5%左右", "城镇调查失业率", 5.5, "%", "~"), 5.8, "not_met"),
        (_t("城镇调查失业率5.5%左右", "城镇调查失业率", 5.5, "%", "~"), 4.9, "met"),  # lower is better
        (_t("赤字率3.2%左右", "赤字率", 3.2, "%", "~"), 2.8, "not_met"),  # no clear direction: a band
        (_t("粮食产量1.3万亿斤左右", "粮食产量", 1.3e12, "斤", "~"), 1.28e12, "met"),  # 2% of a level
        (_t("减人60%-70%", "煤矿工作面减人", 60, "%", "range", 70), 72, "not_met"),
    ],
)
def test_verdicts(target, result, expected):
    assert verdict(target, result)[0] == expected


def test_amounts_as_the_reports_write_them():
    assert amount(12690000, "人") == "1269万人"
    assert amount(1.37e12, "斤") == "1.37万亿斤"
    assert amount(8.1, "%") == "8.1%"


def test_five_year_figures_are_not_the_years():
    plan = decompose(
        "2021年政府工作报告\n一、2020年工作回顾\n过去一年成绩显著。\n三、2021年工作安排\n今年城镇新增就业1100万人以上。\n".encode(),
        name="a.txt",
    )
    results = decompose(
        (
            "2022年政府工作报告\n一、2021年工作回顾\n过去五年，城镇新增就业累计6000万人。\n"
            "去年城镇新增就业1269万人。\n二、2022年工作任务\n今年城镇新增就业1100万人以上。\n"
        ).encode(),
        name="b.txt",
    )
    (t,) = fulfilment(plan, results)["targets"]
    assert t["result"]["value"] == 12690000 and t["verdict"] == "met"


def test_cli_formats(tmp_path, capsys):
    from openpyxl import load_workbook

    from duban.cli import main

    a, b = str(HERE / "guowuyuan_2022.txt"), str(HERE / "guowuyuan_2023.txt")
    assert main(["fulfilment", a, b, "-o", str(tmp_path / "f.json")]) == 0
    data = json.loads((tmp_path / "f.json").read_text("utf-8"))
    assert data["schema"] == "duban.fulfilment/1" and len(data["targets"]) >= 19
    # The 2023 report's headings name no year; its byline does.
    assert (data["plan"]["plan_year"], data["results"]["plan_year"]) == (2022, 2023)
    assert main(["fulfilment", a, b, "--format", "md"]) == 0
    assert "| 目标 | 比较 | 结果 | 判定 | 理由 |" in capsys.readouterr().out
    assert main(["fulfilment", a, b, "--format", "xlsx", "-o", str(tmp_path / "f.xlsx")]) == 0
    ws = load_workbook(tmp_path / "f.xlsx").active
    assert ws.cell(1, 9).value == "判定" and ws.max_row == len(data["targets"]) + 1


def test_cli_refuses_when_no_year_is_known(tmp_path, capsys):
    from duban.cli import main

    text = "政府工作报告\n一、过去一年工作回顾\n成绩显著。\n二、对今年政府工作的建议\n城镇新增就业1200万人左右。\n"
    a = tmp_path / "a.txt"
    a.write_text(text, encoding="utf-8")
    assert main(["fulfilment", str(a), str(a)]) == 2
    assert "bad_year" in capsys.readouterr().err
    assert main(["fulfilment", str(a), str(a), "--year", "2023", "-o", str(tmp_path / "x.json")]) == 0
    # With the year of the results' report known, the plan's is the year before it.
    b = tmp_path / "b.txt"
    b.write_text(
        "2024年政府工作报告\n一、2023年工作回顾\n城镇新增就业1244万人。\n二、2024年工作任务\n稳就业。\n",
        encoding="utf-8",
    )
    assert main(["fulfilment", str(a), str(b), "-o", str(tmp_path / "y.json")]) == 0
    data = json.loads((tmp_path / "y.json").read_text("utf-8"))
    assert data["plan"]["plan_year"] == 2023 and data["targets"][0]["verdict"] == "met"
