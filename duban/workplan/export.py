"""The decomposition as JSON, as a readable Markdown plan, and as the Excel task table
(重点工作任务分解表) that government offices circulate."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import IO, Any

from duban.workplan.types import Decomposition, TargetInfo, TaskInfo

CONTRACT_KEYS = ("schema", "source", "title", "plan_year", "sections", "tasks")
XLSX_HEADER = ("序号", "工作任务", "量化指标", "牵头单位", "配合单位", "完成时限", "原文位置")
_XLSX_WIDTHS = (8, 70, 34, 22, 30, 16, 24)
_KIND_LABEL = {"review": "回顾", "goals": "规划目标", "plan": "年度工作", "other": "其他"}
_COMPARATOR = {"=": "", ">=": "≥", "<=": "≤", "~": "约", "range": ""}
# Illegal in an XML 1.0 document (openpyxl refuses them).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def contract(result: Decomposition) -> dict[str, Any]:
    """The JSON contract: everything but the decoded text (which only the caller needs)."""
    return {k: v for k, v in result.items() if k != "text"}


def to_json(result: Decomposition, *, indent: int | None = 2) -> str:
    return json.dumps(contract(result), ensure_ascii=False, indent=indent)


def _number(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return f"{v:,}" if isinstance(v, int) and abs(v) >= 10000 else str(v)


def target_label(t: TargetInfo) -> str:
    """ "高新技术企业 = 1000 家"-style one-liner for a person."""
    unit = t.get("unit") or ""
    if t.get("comparator") == "range" and t.get("value_max") is not None:
        value = f"{_number(t['value'])}–{_number(t['value_max'])}"
    else:
        value = _COMPARATOR.get(str(t.get("comparator")), "") + _number(t.get("value"))
    return f"{t.get('indicator') or t.get('text')}：{value}{unit}"


def lead_and_coop(task: TaskInfo) -> tuple[str, list[str]]:
    units = task.get("suggested_units") or []
    if not units:
        return "", []
    top = float(units[0].get("score") or 0)
    coop = [u["name"] for u in units[1:] if float(u.get("score") or 0) >= 0.5 * top]
    return str(units[0]["name"]), coop[:3]


def _when(d: Mapping[str, Any]) -> str:
    y, m, day = (int(x) for x in str(d["date"]).split("-"))
    when = f"{y}年{m}月{day}日"
    return f"{when}起" if d.get("kind") == "from" else f"{when}前"


def deadline_label(task: TaskInfo) -> str:
    """The due date; a task with several deadlines lists each ("2024年6月30日前；2024年12月31日前")."""
    milestones = task.get("deadlines") or []
    if len(milestones) > 1:
        return "；".join(_when(m) for m in milestones)
    d = task.get("deadline")
    if d:
        return _when(d)
    year = task.get("plan_year")
    return f"{year}年底前" if year else ""


def location(result: Decomposition, task: TaskInfo) -> str:
    """ "三（二）第4段 第120–168字": section, part, paragraph within the part, characters."""
    parts = str(task.get("id", "")).split(".")
    para = parts[2] if len(parts) > 2 else ""
    where = f"{task.get('section') or ''}{task.get('part') or ''}"
    if para and para != "0":
        where += f"第{para}段"
    elif para == "0" and task.get("part"):
        where += "标题段"
    return f"{where} 第{int(task['start']) + 1}–{task['end']}字".strip()


def to_markdown(result: Decomposition) -> str:
    lines: list[str] = [f"# {result.get('title') or '政府工作报告'}：重点工作任务分解", ""]
    src = result.get("source") or {}
    lines.append(
        f"计划年度 {result.get('plan_year')} · 任务 {len(result.get('tasks') or [])} 项 · "
        f"来源 {src.get('name') or '（未命名）'}（{src.get('format')}，{src.get('encoding')}，{src.get('chars')} 字）"
    )
    lines.append("")
    by_section: dict[str, list[TaskInfo]] = {}
    for t in result.get("tasks") or []:
        by_section.setdefault(str(t.get("section") or ""), []).append(t)
    for sec in result.get("sections") or []:
        tasks = by_section.get(str(sec.get("number") or ""), [])
        if sec.get("kind") not in ("goals", "plan") and not tasks:
            continue
        number = sec.get("number") or ""
        lines.append(
            f"## {number}{'、' if number else ''}{sec.get('title')}"
            f"（{_KIND_LABEL.get(sec.get('kind', ''), '')}，{sec.get('plan_year')}年）"
        )
        lines.append("")
        titles = {p["number"]: p["title"] for p in sec.get("parts") or []}
        current_part: str | None = None
        current_theme: str | None = None
        for t in tasks:
            part = t.get("part") or ""
            if part != current_part:
                current_part = part
                current_theme = None
                if part:
                    if lines[-1] != "":
                        lines.append("")
                    lines += [f"### {part}{titles.get(part, '')}", ""]
            theme = t.get("theme") or ""
            if theme and theme != current_theme:
                current_theme = theme
                if lines[-1] != "":
                    lines.append("")
                lines += [f"**{theme}**", ""]
            lines.append(f"- **{t['id']}** {t['text'].strip()}")
            for x in t.get("targets") or []:
                lines.append(f"  - 指标：{target_label(x)}（原文“{x['text']}”）")
            dl = t.get("deadline")
            milestones = t.get("deadlines") or []
            if len(milestones) > 1:
                for m in milestones:
                    clause = t["text"][m["clause_start"] - t["start"] : m["clause_end"] - t["start"]]
                    lines.append(f"  - 时限：{_when(m)}（原文“{clause.rstrip('，；。')}”）")
            elif dl:
                lines.append(f"  - 时限：{deadline_label(t)}（原文“{dl['text']}”）")
            if t.get("places"):
                names = []
                for p in t["places"]:
                    if p["name"] not in names:
                        names.append(p["name"])
                lines.append(f"  - 涉及地区：{'、'.join(names)}")
            units = t.get("suggested_units") or []
            if units:
                shown = "、".join(
                    f"{u['name']}（{u['score']:.2f}：{'、'.join(u['because'][:3])}）" for u in units
                )
                lines.append(f"  - 建议单位：{shown}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    return _XML_ILLEGAL.sub(" ", text)


def to_xlsx(result: Decomposition, path_or_file: str | IO[bytes] | Any) -> None:
    """Write the 重点工作任务分解表 (one row per task) to a path or a binary file object."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "任务分解表"
    title = f"{result.get('title') or '政府工作报告'}重点工作任务分解表"
    ws.cell(row=1, column=1, value=_cell(title)).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(XLSX_HEADER))
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 28
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, name in enumerate(XLSX_HEADER, start=1):
        c = ws.cell(row=2, column=col, value=name)
        c.font = Font(bold=True)
        c.fill = fill
        c.border = border
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, t in enumerate(result.get("tasks") or [], start=1):
        lead, coop = lead_and_coop(t)
        row = (
            i,
            _cell(t["text"].strip()),
            _cell("\n".join(target_label(x) for x in t.get("targets") or [])),
            lead,
            "、".join(coop),
            deadline_label(t),
            _cell(location(result, t)),
        )
        for col, value in enumerate(row, start=1):
            c = ws.cell(row=i + 2, column=col, value=value)
            c.alignment = wrap
            c.border = border
    for col, width in enumerate(_XLSX_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    wb.save(path_or_file)
