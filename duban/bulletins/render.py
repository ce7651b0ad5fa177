"""A bulletin as a government 通报 (.docx) and as a workbook (.xlsx), built from its stored data
only — so the same bulletin downloads as the same bytes on any day.

The .docx follows the 通报's usual layout (GB/T 9704 in spirit): the issuing office's name in
red over a red rule, the 文号, the title in 方正小标宋简体, the body in 仿宋_GB2312 with 黑体 and
楷体 headings, the issuing office and date, and the ranking table as an attachment on a
landscape page. Timestamps inside the zip and the document properties are the publication's.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from .figures import RATING_LABELS

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
SUB_FONT = "楷体_GB2312"
TABLE_FONT = "宋体"
RED = (0xFF, 0x00, 0x00)

# (key, header): the ranking table, the same in the .docx and the .xlsx.
COLUMNS = (
    ("rank", "排名"),
    ("name", "承办单位"),
    ("received", "交办事项"),
    ("signed_on_time", "按时签收"),
    ("reports_due", "应报告"),
    ("reports_on_time", "按时报告"),
    ("closed", "已办结"),
    ("due", "应办结"),
    ("closed_on_time", "按期办结"),
    ("rate", "按期办结率(%)"),
    ("overdue_now", "逾期未办结"),
    ("overdue_days", "逾期工作日"),
    ("returns", "退回"),
    ("extensions", "延期"),
    *((k, RATING_LABELS[k]) for k in ("excellent", "good", "pass", "fail")),
    ("points", "积分"),
)


def num(value) -> str:
    """A number as the table prints it: "—" for none, no trailing zeros."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    text = f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return "0" if text == "-0" else text.replace("-", "−")


def table_rows(data: dict) -> list[list[str]]:
    """Header, one line per unit and the 合计 line, as text: what both files show."""
    out = [[h for _k, h in COLUMNS]]
    for row in data["rows"]:
        out.append([num(row[k]) for k, _h in COLUMNS])
    out.append([num(total_cell(data["totals"], k)) for k, _h in COLUMNS])
    return out


def total_cell(totals: dict, key: str):
    """The 合计 line's cell for a column (points and rank are not summed)."""
    if key == "rank":
        return "合计"
    if key in ("name", "points"):
        return ""
    value = totals.get(key)
    return "—" if value is None else value


def pct(value) -> str:
    return "—" if value is None else f"{num(value)}%"


def paragraphs(data: dict) -> list[tuple[str, str]]:
    """The body as (style, text): "h1" 黑体 heading, "h2" 楷体, "p" body text."""
    t = data["totals"]
    office = data["office"]
    named = data["named"]
    out = [
        (
            "p",
            f"为进一步压实工作责任，推动各项决策部署落地见效，根据“13710”督办工作制度，现将{data['period']['label']}"
            f"{'' if data['scope']['code'] == data['issuer']['code'] else data['scope']['name']}"
            f"督办事项办理情况通报如下。",
        ),
        ("h1", "一、总体情况"),
        (
            "p",
            f"本期共交办督办事项{t['items']}项，涉及{t['units']}个承办单位、{t['received']}项承办任务（按承办单位计，下同）。"
            f"按时签收{t['signed_on_time']}项；已办结{t['closed']}项，其中按期办结{t['closed_on_time']}项，"
            f"应办结{t['due']}项，按期办结率{pct(t['rate'])}。"
            f"截至{data['as_of_label']}，逾期未办结{t['overdue_now']}项，累计逾期{t['overdue_days']}个工作日；"
            f"退回重办{t['returns']}次，批准延期{t['extensions']}次。",
        ),
        (
            "p",
            f"已办结事项中，评价为优秀{t['excellent']}项、良好{t['good']}项、合格{t['pass']}项、不合格{t['fail']}项。",
        ),
        ("h1", "二、排名情况"),
        ("p", f"按照积分规则（{data['rules_text']}），对各承办单位进行积分排名，具体见附件。"),
    ]
    if named["top"]:
        out.append(("p", f"{'、'.join(named['top'])}排名靠前，予以通报表扬。"))
    if named["bottom"]:
        out.append(("p", f"{'、'.join(named['bottom'])}排名靠后，予以通报。"))
    if named["overdue"]:
        late = "、".join(f"{o['name']}（{o['overdue_now']}项）" for o in named["overdue"])
        out.append(("p", f"逾期未办结事项较多的单位：{late}。"))
    out += [
        ("h1", "三、有关要求"),
        (
            "p",
            "各承办单位要严格落实“13710”工作制度，对交办事项第一时间签收、按节点报告、按期办结。"
            f"排名靠后和逾期较多的单位要认真分析原因，逐项明确整改措施和完成时限，于5个工作日内将整改情况报送{office}。",
        ),
    ]
    return out


def _freeze_zip(data: bytes, moment: dt.datetime) -> bytes:
    """The same zip with every entry dated ``moment`` and the document properties' created and
    modified times set to it: the writers stamp the time of saving."""
    stamp = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    local = moment.astimezone(dt.UTC)
    when = (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                for tag in ("created", "modified"):
                    text = re.sub(
                        rf"(<dcterms:{tag}[^>]*>)[^<]*(</dcterms:{tag}>)", rf"\g<1>{stamp}\g<2>", text
                    )
                body = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=when)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, body)
    return out.getvalue()


def _moment(data: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(data.get("published_at") or data["as_of"])


# ---------------------------------------------------------------------------------------------
# .docx


def _font(run, name: str, size: float, *, bold: bool = False, color=None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)
    if color:
        run.font.color.rgb = RGBColor(*color)


def _para(doc, text: str, font: str, size: float, *, align=None, bold=False, color=None, indent=True):
    from docx.shared import Pt

    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    fmt = p.paragraph_format
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    _font(p.add_run(text), font, size, bold=bold, color=color)
    return p


# The children of w:pPr in the order the schema (ECMA-376 CT_PPr) requires.
PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
    "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def _red_rule(paragraph) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "18"), ("w:space", "6"), ("w:color", "FF0000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    # Word refuses a paragraph whose properties are out of the schema's order: pBdr goes
    # before shd, tabs, spacing, ind, jc and the rest.
    ppr.insert_element_before(border, *PPR_ORDER[PPR_ORDER.index("w:pBdr") + 1 :])


def docx_bytes(data: dict) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT

    _para(doc, data["office"], TITLE_FONT, 26, align=center, color=RED, indent=False)
    number = _para(doc, data.get("number", ""), BODY_FONT, 16, align=center, indent=False)
    _red_rule(number)
    _para(doc, "", BODY_FONT, 16, indent=False)
    _para(doc, data.get("title", ""), TITLE_FONT, 22, align=center, indent=False)
    _para(doc, "", BODY_FONT, 16, indent=False)
    _para(doc, "各承办单位：", BODY_FONT, 16, indent=False)
    for style, text in paragraphs(data):
        if style == "h1":
            _para(doc, text, HEAD_FONT, 16)
        elif style == "h2":
            _para(doc, text, SUB_FONT, 16)
        else:
            _para(doc, text, BODY_FONT, 16)
    _para(doc, "", BODY_FONT, 16, indent=False)
    _para(doc, "附件：督办事项办理情况排名表", BODY_FONT, 16)
    _para(doc, "", BODY_FONT, 16, indent=False)
    _para(doc, data["office"], BODY_FONT, 16, align=right, indent=False)
    _para(doc, data.get("date_label", data["as_of_label"]), BODY_FONT, 16, align=right, indent=False)

    # The attachment: the ranking table on a landscape page.
    from docx.enum.section import WD_SECTION

    land = doc.add_section(WD_SECTION.NEW_PAGE)
    land.orientation = WD_ORIENT.LANDSCAPE
    land.page_width, land.page_height = Cm(29.7), Cm(21)
    land.top_margin = land.bottom_margin = Cm(2)
    land.left_margin = land.right_margin = Cm(1.5)
    _para(doc, "附件", HEAD_FONT, 16, indent=False)
    _para(doc, "督办事项办理情况排名表", TITLE_FONT, 18, align=center, indent=False)
    note = f"统计期间：{data['period']['label']}；统计截至：{data['as_of_label']}；积分规则：{data['rules_text']}"
    _para(doc, note, BODY_FONT, 10, indent=False)
    rows = table_rows(data)
    table = doc.add_table(rows=len(rows), cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # python-docx's table.cell(i, j) walks the whole grid: read each row's cells once.
    for i, (tr, values) in enumerate(zip(table.rows, rows, strict=True)):
        edge = i in (0, len(rows) - 1)
        for j, (cell, value) in enumerate(zip(tr.cells, values, strict=True)):
            p = cell.paragraphs[0]
            p.alignment = center if j != 1 else WD_ALIGN_PARAGRAPH.LEFT
            _font(p.add_run(value), HEAD_FONT if edge else TABLE_FONT, 9, bold=edge)
            cell.width = Cm(4.6) if j == 1 else Cm(1.25)
    total = data["totals"]
    _para(
        doc,
        f"合计：承办任务{total['received']}项（督办事项{total['items']}项），按期办结{total['closed_on_time']}项，按期办结率{pct(total['rate'])}，"
        f"逾期未办结{total['overdue_now']}项。",
        BODY_FONT,
        10,
        indent=False,
    )

    props = doc.core_properties
    moment = _moment(data).astimezone(dt.UTC).replace(tzinfo=None)
    props.title = data.get("title", "")
    props.author = data["office"]
    props.last_modified_by = data["office"]
    props.created = props.modified = moment
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return _freeze_zip(buf.getvalue(), _moment(data))


# ---------------------------------------------------------------------------------------------
# .xlsx


def xlsx_bytes(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "排名表"
    width = len(COLUMNS)
    ws.append([data.get("title", "")])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(name=TITLE_FONT, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(
        [
            f"{data['office']}  {data.get('number', '')}  统计期间：{data['period']['label']}  统计截至：{data['as_of_label']}"
        ]
    )
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.append([f"积分规则：{data['rules_text']}"])
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.append([h for _k, h in COLUMNS])
    for cell in ws[4]:
        cell.font = Font(name=HEAD_FONT, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
    for row in data["rows"]:
        ws.append([("—" if row[k] is None else row[k]) for k, _h in COLUMNS])
        for cell in ws[ws.max_row]:
            cell.border = box
            cell.font = Font(name=TABLE_FONT)
    t = data["totals"]
    ws.append([total_cell(t, k) for k, _h in COLUMNS])
    for cell in ws[ws.max_row]:
        cell.border = box
        cell.font = Font(name=HEAD_FONT, bold=True)
    for j in range(1, width + 1):
        ws.column_dimensions[get_column_letter(j)].width = 24 if j == 2 else 9
    ws.freeze_panes = "C5"
    moment = _moment(data).astimezone(dt.UTC).replace(tzinfo=None)
    wb.properties.creator = data["office"]
    wb.properties.title = data.get("title", "")
    wb.properties.created = wb.properties.modified = moment
    buf = io.BytesIO()
    wb.save(buf)
    return _freeze_zip(buf.getvalue(), _moment(data))


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
