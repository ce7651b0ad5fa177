"""``duban fulfilment LAST_YEAR_REPORT THIS_YEAR_REPORT [--format json|md|xlsx] [-o OUT]``.

Last year's quantitative targets against the results this year's review states. Runs without
Django. Exit codes as ``duban decompose``: 0 done, 2 a report refused or bad arguments, 1 a file
could not be read or written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from duban.workplan.types import Decomposition

VERDICTS = {"met": "完成", "not_met": "未完成", "no_result": "未报告结果"}
COMPARATORS = {">=": "以上", "<=": "以内", "~": "左右", "=": "", "range": "区间"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="duban fulfilment",
        description="对照上年政府工作报告的量化目标与今年报告回顾的完成情况。",
    )
    p.add_argument("plan", help="上年的政府工作报告（提出目标）")
    p.add_argument("results", help="今年的政府工作报告（回顾上年）")
    p.add_argument("--year", type=int, default=None, help="上年报告的计划年度（报告中未写明时）")
    p.add_argument("--format", choices=("json", "md", "xlsx"), default="json", help="输出格式（默认 json）")
    p.add_argument("-o", "--output", default=None, help="输出文件（默认标准输出）")
    return p


def _decompose_or_none(path: str, year: int | None) -> Decomposition | None:
    """The decomposition, or None when the report names no year (and none was given)."""
    from duban.workplan import ParseError

    try:
        return _decompose(path, year)
    except ParseError as exc:
        if exc.code == "bad_year" and year is None:
            return None
        raise


def _decompose(path: str, year: int | None) -> Decomposition:
    from duban.workplan import decompose

    with open(path, "rb") as fh:
        data = fh.read()
    return decompose(data, name=os.path.basename(path), year=year)


def to_markdown(result) -> str:
    plan, res = result["plan"], result["results"]
    rows = result["targets"]
    counts = {k: sum(1 for t in rows if t["verdict"] == k) for k in VERDICTS}
    lines = [
        f"# {plan.get('plan_year') or ''}年目标完成情况",
        "",
        f"目标出自《{plan.get('title') or plan.get('name')}》，结果出自《{res.get('title') or res.get('name')}》的回顾部分。",
        "",
        "、".join(f"{VERDICTS[k]} {n} 项" for k, n in counts.items()),
        "",
        "| 目标 | 比较 | 结果 | 判定 | 理由 |",
        "|---|---|---|---|---|",
    ]
    for t in rows:
        r = t["result"]["text"] if t["result"] else "—"
        lines.append(
            f"| {t['text']} | {COMPARATORS.get(t['comparator'], t['comparator'])} | {r} | {VERDICTS[t['verdict']]} | {t['why']} |"
        )
    return "\n".join(lines) + "\n"


def to_xlsx(result, out) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "目标完成情况"
    head = ["序号", "目标原文", "指标", "目标值", "单位", "比较", "结果原文", "结果值", "判定", "理由"]
    ws.append(head)
    for i, t in enumerate(result["targets"], start=1):
        r = t["result"]
        ws.append(
            [
                i,
                t["text"],
                t["indicator"],
                t["value"],
                t["unit"],
                COMPARATORS.get(t["comparator"], t["comparator"]),
                r["text"] if r else "",
                r["value"] if r else None,
                VERDICTS[t["verdict"]],
                t["why"],
            ]
        )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJ", (6, 36, 24, 14, 8, 8, 36, 14, 10, 36), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(out)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else 2

    from duban.workplan import ParseError
    from duban.workplan.fulfilment import fulfilment

    try:
        # A report that names no year (refused with bad_year) takes it from its neighbour: the
        # results are a year later than the plan.
        plan = _decompose_or_none(args.plan, args.year)
        res = _decompose_or_none(args.results, args.year + 1 if args.year else None)
        if plan is None and res is not None:
            plan = _decompose_or_none(args.plan, res["plan_year"] - 1)
        if res is None and plan is not None:
            res = _decompose_or_none(args.results, plan["plan_year"] + 1)
        if plan is None or res is None:
            print("无法确定上年报告的计划年度：请用 --year 指定（bad_year）", file=sys.stderr)
            return 2
    except ParseError as exc:
        print(f"无法分解报告：{exc.message}（{exc.code}）", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"无法读取文件：{exc.filename}：{exc.strerror or exc}", file=sys.stderr)
        return 1
    result = fulfilment(plan, res)
    out = args.output
    try:
        if args.format == "xlsx":
            if out in (None, "-"):
                print("xlsx 是二进制文件：请用 -o 指定输出文件", file=sys.stderr)
                return 2
            to_xlsx(result, out)
            return 0
        body = (
            json.dumps(result, ensure_ascii=False, indent=1) + "\n"
            if args.format == "json"
            else to_markdown(result)
        )
        if out in (None, "-"):
            sys.stdout.write(body)
        else:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(body)
    except OSError as exc:
        print(f"无法写入输出：{out}：{exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
