"""Targets as spreadsheets: the import template a unit fills in each period, its import, and the
two tables supervisors circulate — the 完成情况表 of a period and the 分解表 of allocated targets.

Reads go through ``selectors`` (visibility) and ``rules`` (who files what); the import writes
through ``services.file_figure`` only, all rows in one transaction: a file with one bad row
imports nothing and names every bad row, so a unit fixes the file and sends it again.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from duban.core.errors import DubanError, InvalidInput
from duban.orgs.models import UnitKind

from . import progress, rules, selectors, services
from .models import Confidence, Figure, FigureSource, Kind, Target

MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED = 60 * 1024 * 1024  # a 5 MB zip that unpacks to more is not a filled-in template
MAX_ROWS = 10_000
# Rows read at all (empty ones included) before giving up: bounds a sheet formatted to its end.
MAX_SCANNED = 5 * MAX_ROWS

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TITLE_ROW = 1
HEADER_ROW = 2
FIRST_ROW = 3

_COMMON = (
    "指标编号",
    "事项",
    "指标名称",
    "责任单位",
    "目标值",
    "计量单位",
    "报送期",
    "当前值",
    "本期完成值",
    "说明",
)
_UNIT_EXTRA = ("完成预判", "预判理由")
_WIDTHS = {
    "指标编号": 10,
    "事项": 36,
    "指标名称": 24,
    "责任单位": 18,
    "目标值": 12,
    "计量单位": 10,
    "报送期": 12,
    "当前值": 12,
    "本期完成值": 14,
    "说明": 36,
    "完成预判": 14,
    "预判理由": 36,
}
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ACTION: dict[str, str] = {FigureSource.UNIT.value: "file", FigureSource.STATS.value: "file_stats"}
_RELATED = ("item", "item__issuer_unit", "track", "track__unit", "unit", "parent")


def header(source: str) -> tuple[str, ...]:
    """The template's column names for a source, in order (row 2 of the sheet)."""
    return _COMMON + _UNIT_EXTRA if source == FigureSource.UNIT else _COMMON


def _source(source: str) -> str:
    if source not in _ACTION:
        raise InvalidInput("数据来源无效", code="bad_source", field="source")
    return source


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return _XML_ILLEGAL.sub(" ", value)
    return value


def _num(value: float | None, digits: int = 2) -> float | int | None:
    """A number for a cell: rounded, and whole numbers as ints (15000, not 15000.0)."""
    if value is None:
        return None
    value = round(float(value), digits)
    return int(value) if value.is_integer() else value


def _pct(share: float | None) -> float | int | None:
    return None if share is None else _num(share * 100, 1)


def _target_value(t: Target) -> Any:
    if t.kind == Kind.RANGE and t.value_max is not None:
        return f"{_num(t.value)}–{_num(t.value_max)}"
    return _num(t.value, 4)


def _unit(unit) -> str:
    """省工信厅 for a department (its full name is long), 太原市 for a government."""
    if unit.kind == UnitKind.DEPARTMENT and unit.short_name:
        return unit.short_name
    return unit.name


def _confidence_labels() -> dict[str, str]:
    return {str(v): str(label) for v, label in Confidence.choices}


def _month(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class _Style:
    """The project's sheet look: bold title, shaded bordered header, wrapped bordered cells."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="999999")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.fill = PatternFill("solid", fgColor="DDEBF7")
        self.input_fill = PatternFill("solid", fgColor="FFF2CC")
        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=14)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def title(self, ws, text: str, ncols: int) -> None:
        c = ws.cell(row=TITLE_ROW, column=1, value=_cell(text))
        c.font = self.title_font
        c.alignment = self.center
        ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=ncols)
        ws.row_dimensions[TITLE_ROW].height = 28

    def header(self, ws, names: Sequence[str], widths: Sequence[float], row: int = HEADER_ROW) -> None:
        from openpyxl.utils import get_column_letter

        for col, (name, width) in enumerate(zip(names, widths, strict=True), start=1):
            c = ws.cell(row=row, column=col, value=name)
            c.font = self.bold
            c.fill = self.fill
            c.border = self.border
            c.alignment = self.center
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = ws.cell(row=row + 1, column=1).coordinate
        ws.print_title_rows = f"{row}:{row}"

    def row(self, ws, row: int, values: Sequence[Any], *, bold: bool = False) -> None:
        for col, value in enumerate(values, start=1):
            c = ws.cell(row=row, column=col, value=_cell(value))
            c.alignment = self.wrap
            c.border = self.border
            if bold:
                c.font = self.bold


# ---------------------------------------------------------------------------------------------
# The import template


def _reported_targets(user, period_end: dt.date, source: str) -> list[Target]:
    action = _ACTION[source]
    qs = (
        selectors.targets_visible_to(user)
        .filter(plan_year=period_end.year)
        .select_related(*_RELATED)
        .order_by("item_id", "parent_id", "id")
    )
    return [
        t
        for t in qs
        if progress.is_period_end(selectors.spec_of(t), period_end)
        and rules.target_actions(user, t, only=(action,))[action].allowed
    ]


def template_workbook(user, period_end: dt.date, source: str = "unit") -> bytes:
    """The import template for one period: a row per target ``user`` files for (``source``
    "unit": the unit's own figure; "stats": the statistics bureau's), with the figure already
    filed for the period (当前值) and an empty 本期完成值 to fill in."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    source = _source(source)
    targets = _reported_targets(user, period_end, source)
    current = selectors.current_figures(t.pk for t in targets)
    names = header(source)
    style = _Style()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "指标数据"
    kind = "报送数" if source == FigureSource.UNIT else "统计数"
    style.title(
        ws,
        f"{_month(period_end)} 量化指标{kind}导入模板（请只填写黄色列，勿改动表头和指标编号）",
        len(names),
    )
    style.header(ws, names, [_WIDTHS[n] for n in names])
    labels = _confidence_labels()
    for i, t in enumerate(targets):
        fig = current.get(t.pk, {}).get(source, {}).get(period_end)
        values: list[Any] = [
            t.pk,
            t.item.title,
            t.indicator,
            _unit(t.unit),
            _target_value(t),
            t.unit_label,
            period_end,
            fig.value if fig else None,
            None,
            fig.note if fig else "",
        ]
        if source == FigureSource.UNIT:
            # The period's judgement stays as filed unless changed: re-filing the same value with
            # these left alone is no change at all.
            values += [
                labels.get(fig.confidence, "") if fig and fig.confidence else "",
                fig.confidence_reason if fig else "",
            ]
        row = FIRST_ROW + i
        style.row(ws, row, values)
        ws.cell(row=row, column=7).number_format = "yyyy-mm-dd"
        for name in ("本期完成值", "说明", *(_UNIT_EXTRA if source == FigureSource.UNIT else ())):
            ws.cell(row=row, column=names.index(name) + 1).fill = style.input_fill
    if source == FigureSource.UNIT:
        col = names.index("完成预判") + 1
        choices = ",".join(str(label) for _v, label in Confidence.choices)
        dv = DataValidation(
            type="list",
            formula1=f'"{choices}"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="完成预判",
            error="请从下拉列表中选择",
        )
        ws.add_data_validation(dv)
        from openpyxl.utils import get_column_letter

        letter = get_column_letter(col)
        dv.add(f"{letter}{FIRST_ROW}:{letter}{FIRST_ROW + max(len(targets), 1) + 200}")
    return _save(wb)


# ---------------------------------------------------------------------------------------------
# The import


@dataclass
class ImportResult:
    created: int = 0
    corrected: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.corrected + self.unchanged


class ImportRejected(InvalidInput):
    """Some rows are wrong: nothing was imported. ``errors``: (row as Excel numbers it, reason)."""

    code = "bad_rows"

    def __init__(self, errors: Sequence[tuple[int, str]]) -> None:
        self.errors: list[tuple[int, str]] = sorted(errors)
        rows = sorted({r for r, _ in self.errors})
        shown = "、".join(str(r) for r in rows[:20]) + ("等" if len(rows) > 20 else "")
        super().__init__(f"第{shown}行有误，未导入任何数据", code="bad_rows", errors=self.errors)


@dataclass
class _Row:
    number: int
    target_id: int
    period_end: dt.date
    value: float
    note: str
    confidence: str
    reason: str


def _bad_file(message: str = "文件不是有效的 Excel（.xlsx）文件，请使用下载的导入模板") -> InvalidInput:
    return InvalidInput(message, code="bad_file")


def _open(data: bytes):
    from openpyxl import load_workbook

    if not isinstance(data, bytes | bytearray) or not data:
        raise _bad_file("请上传填好的导入模板（.xlsx）")
    if len(data) > MAX_BYTES:
        raise _bad_file("文件超过 5 MB，请分批导入")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNPACKED:
                raise _bad_file("文件内容过大，请分批导入")
    except zipfile.BadZipFile:
        raise _bad_file() from None
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DubanError:
        raise
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise _bad_file() from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 40000 < value < 80000:
        # A date typed into a cell formatted as a number: Excel's day serial (1909–2119).
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    text = _text(value).replace("/", "-").replace(".", "-")
    m = re.fullmatch(r"(\d{4})\s*[-年]\s*(\d{1,2})\s*[-月]\s*(\d{1,2})\s*日?", text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _target_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    return int(text) if text.isdigit() and len(text) < 12 else None


def _confidence_value(value: Any) -> str | None:
    """The stored value for a label or a value; None when it is neither."""
    text = _text(value)
    if not text:
        return ""
    by_label = {str(label): v for v, label in Confidence.choices}
    if text in by_label:
        return by_label[text]
    return text if text in Confidence.values else None


def _read_rows(ws, source: str) -> list[tuple[int, tuple]]:
    names = header(source)
    width = len(names)
    got = next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, max_col=width + 1, values_only=True), ())
    got = tuple(_text(v) for v in got)
    if got[:width] != names or (len(got) > width and got[width]):
        kind = "报送数" if source == FigureSource.UNIT else "统计数"
        raise _bad_file(f"表头与{kind}导入模板不一致，请重新下载模板后填写")
    out = []
    scanned = 0
    for number, row in enumerate(
        ws.iter_rows(min_row=FIRST_ROW, max_col=width, values_only=True), start=FIRST_ROW
    ):
        scanned += 1
        if scanned > MAX_SCANNED:
            raise _bad_file(f"文件行数过多（最多 {MAX_ROWS} 行），请分批导入")
        if all(_blank(v) for v in row):
            continue
        out.append((number, tuple(row) + (None,) * (width - len(row))))
        if len(out) > MAX_ROWS:
            raise _bad_file(f"文件行数过多（最多 {MAX_ROWS} 行），请分批导入")
    return out


def _check(actor, source: str, raw: list[tuple[int, tuple]]) -> tuple[list[_Row], list[tuple[int, str]]]:
    """Every row checked before anything is written: the rows to file and the bad ones."""
    col = {name: i for i, name in enumerate(header(source))}
    ids = {tid for _n, r in raw if (tid := _target_id(r[col["指标编号"]])) is not None}
    targets: dict[int, Target] = {}
    id_list = sorted(ids)
    for start in range(0, len(id_list), 900):  # SQLite's bound-parameter limit
        chunk = id_list[start : start + 900]
        for t in selectors.targets_visible_to(actor).filter(pk__in=chunk).select_related(*_RELATED):
            targets[t.pk] = t
    action = _ACTION[source]
    allowed: dict[int, str] = {}
    good: list[_Row] = []
    errors: list[tuple[int, str]] = []
    seen: dict[tuple[int, dt.date], int] = {}
    for number, r in raw:
        value = r[col["本期完成值"]]
        if _blank(value):
            continue  # not reported in this file
        tid = _target_id(r[col["指标编号"]])
        if tid is None:
            errors.append((number, "指标编号无效"))
            continue
        target = targets.get(tid)
        if target is None:
            errors.append((number, "指标不存在或无权查看"))
            continue
        if tid not in allowed:
            refusal = rules.target_actions(actor, target, only=(action,))[action].refusal
            allowed[tid] = refusal.message if refusal else ""
        if allowed[tid]:
            errors.append((number, allowed[tid]))
            continue
        raw_day = r[col["报送期"]]
        day = _date(raw_day)
        try:
            # The services' own checks, so a row is refused here for the reason filing it would be.
            picked = ""
            if source == FigureSource.UNIT:
                picked = _confidence_value(r[col["完成预判"]])
                if picked is None:
                    raise InvalidInput("完成预判须为：" + "、".join(_confidence_labels().values()))
            clean = services.clean_figure(
                target,
                period_end=day if day is not None else _text(raw_day),
                value=value,
                source=source,
                note=_text(r[col["说明"]]),
                confidence=picked,
                confidence_reason=_text(r[col["预判理由"]]) if source == FigureSource.UNIT else "",
                value_label="本期完成值",
            )
        except DubanError as e:
            errors.append((number, e.message))
            continue
        key = (tid, clean.period_end)
        if key in seen:
            errors.append((number, f"与第{seen[key]}行重复（同一指标同一报送期）"))
            continue
        seen[key] = number
        good.append(
            _Row(
                number,
                tid,
                clean.period_end,
                clean.value,
                clean.note,
                clean.confidence,
                clean.confidence_reason,
            )
        )
    return good, errors


def import_figures(*, actor, data: bytes, source: str = "unit") -> ImportResult:
    """Import a filled-in template: every row checked first, then all filed in one transaction
    through ``services.file_figure`` (each journaled). One bad row and nothing is imported
    (``ImportRejected`` names them all). Rows with an empty 本期完成值 are skipped; a row equal
    to the figure already filed is unchanged, so importing the same file twice changes nothing."""
    source = _source(source)
    wb = _open(data)
    try:
        if not wb.worksheets:
            raise _bad_file()
        raw = _read_rows(wb.worksheets[0], source)
    finally:
        wb.close()
    rows, errors = _check(actor, source, raw)
    if errors:
        raise ImportRejected(errors)
    result = ImportResult()
    with transaction.atomic():
        existing = set()
        ids = sorted({r.target_id for r in rows})
        for start in range(0, len(ids), 900):
            existing |= set(
                Figure.objects.filter(target_id__in=ids[start : start + 900], source=source).values_list(
                    "target_id", "period_end"
                )
            )
        for r in rows:
            try:
                figure = services.file_figure(
                    actor=actor,
                    target_id=r.target_id,
                    period_end=r.period_end,
                    value=r.value,
                    source=source,
                    note=r.note,
                    confidence=r.confidence,
                    confidence_reason=r.reason,
                )
            except DubanError as e:  # file_figure's own savepoint rolled back; go on collecting
                errors.append((r.number, e.message))
                continue
            if figure is None:
                result.unchanged += 1
            elif (r.target_id, r.period_end) in existing:
                result.corrected += 1
            else:
                result.created += 1
        if errors:
            raise ImportRejected(errors)  # leaves the atomic block: everything rolls back
    return result


# ---------------------------------------------------------------------------------------------
# 完成情况表


PROGRESS_HEADER = (
    "序号",
    "指标名称",
    "责任单位",
    "目标值",
    "单位",
    "本期累计完成",
    "序时进度",
    "完成率（%）",
    "进度类别",
    "数据不一致",
    "完成预判",
    "预计全年",
    "差距",
)
_PROGRESS_WIDTHS = (6, 30, 18, 12, 8, 14, 12, 12, 10, 12, 24, 12, 12)


def _confidence_as_of(s: selectors.Status, period_end: dt.date) -> str:
    """The unit's latest judgement filed for a period up to ``period_end``."""
    labels = _confidence_labels()
    for day in sorted(s.unit, reverse=True):
        fig = s.unit[day]
        if day <= period_end and fig.confidence:
            text = labels.get(fig.confidence, fig.confidence)
            return f"{text}：{fig.confidence_reason}" if fig.confidence_reason else text
    return ""


def progress_workbook(statuses: Iterable[selectors.Status], period_end: dt.date) -> bytes:
    """指标完成情况表 for a period: a row per target with its reading, then the count per class.
    Read the statuses with ``upto=period_end`` for the table as it stood at that period's end."""
    from openpyxl import Workbook

    statuses = list(statuses)
    style = _Style()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "完成情况"
    style.title(ws, f"{_month(period_end)} 量化指标完成情况表", len(PROGRESS_HEADER))
    style.header(ws, PROGRESS_HEADER, _PROGRESS_WIDTHS)
    counts = {k: 0 for k in progress.KLASS_ORDER}
    row = FIRST_ROW
    for i, s in enumerate(statuses, start=1):
        t, rd = s.target, s.reading
        counts[rd.klass] = counts.get(rd.klass, 0) + 1
        off = [d for d in s.mismatched if d <= period_end]
        style.row(
            ws,
            row,
            [
                i,
                t.indicator,
                _unit(t.unit),
                _target_value(t),
                t.unit_label,
                _num(rd.actual),
                _num(rd.expected),
                _pct(rd.completion),
                rd.label,
                ("是（" + "、".join(f"{d.month}月" for d in off) + "）") if off else "",
                _confidence_as_of(s, period_end),
                _num(rd.forecast),
                _num(rd.gap),
            ],
        )
        row += 1
    row += 1
    style.row(ws, row, ["", "进度类别", "指标数"], bold=True)
    for k in progress.KLASS_ORDER:
        row += 1
        style.row(ws, row, ["", progress.KLASS_LABELS[k], counts.get(k, 0)])
    row += 1
    style.row(ws, row, ["", "合计", len(statuses)], bold=True)
    return _save(wb)


# ---------------------------------------------------------------------------------------------
# 分解表


ALLOCATION_HEADER = (
    "序号",
    "指标名称",
    "责任单位",
    "目标值/分解值",
    "单位",
    "占总目标（%）",
    "本期累计完成",
    "完成率（%）",
    "进度类别",
)
_ALLOCATION_WIDTHS = (8, 30, 20, 14, 8, 14, 14, 12, 10)


def allocation_workbook(statuses: Iterable[selectors.Status], *, user=None) -> bytes:
    """分解表: each target of ``statuses`` that has shares, then a row per share (unit, value,
    its part of the whole, progress), the shares' sum and its difference from the whole.

    Shares come from ``statuses`` where they are in it, else are read (as of today). With
    ``user``, only the shares that user may see are listed; the sum still covers every share
    (the roll-up is the parent's, which its viewer may read)."""
    from openpyxl import Workbook

    statuses = list(statuses)
    by_id = {s.target.pk: s for s in statuses}
    parents = [s for s in statuses if s.children]  # counted by ``selectors.statuses``
    style = _Style()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "指标分解"
    style.title(ws, "量化指标分解表", len(ALLOCATION_HEADER))
    style.header(ws, ALLOCATION_HEADER, _ALLOCATION_WIDTHS)
    row = FIRST_ROW
    for i, s in enumerate(parents, start=1):
        t = s.target
        children = list(
            Target.objects.filter(parent=t).select_related(*_RELATED).order_by("unit__path", "id")
        )
        visible = (
            set(selectors.targets_visible_to(user).filter(parent=t).values_list("pk", flat=True))
            if user is not None
            else {c.pk for c in children}
        )
        missing = [c for c in children if c.pk not in by_id and c.pk in visible]
        read = {x.target.pk: x for x in selectors.statuses(missing)} if missing else {}
        style.row(
            ws,
            row,
            [
                str(i),
                t.indicator,
                _unit(t.unit),
                _target_value(t),
                t.unit_label,
                100,
                _num(s.reading.actual),
                _pct(s.reading.completion),
                s.reading.label,
            ],
            bold=True,
        )
        row += 1
        for j, c in enumerate((c for c in children if c.pk in visible), start=1):
            cs = by_id.get(c.pk) or read.get(c.pk)
            style.row(
                ws,
                row,
                [
                    f"{i}.{j}",
                    c.indicator,
                    _unit(c.unit),
                    _target_value(c),
                    c.unit_label,
                    _pct(c.value / t.value) if t.value else None,
                    _num(cs.reading.actual) if cs else None,
                    _pct(cs.reading.completion) if cs else None,
                    cs.reading.label if cs else "",
                ],
            )
            row += 1
        hidden = len(children) - len([c for c in children if c.pk in visible])
        if progress.summable(t.kind, t.unit_label):
            total, diff, _short = services.allocation_check(t, [c.value for c in children])
            label = "分解合计" + (f"（含{hidden}个无权查看的单位）" if hidden else "")
            style.row(
                ws,
                row,
                ["", label, "", _num(total, 4), t.unit_label, _pct(total / t.value) if t.value else None],
                bold=True,
            )
            row += 1
            style.row(ws, row, ["", "与总目标差额", "", _num(diff, 4), t.unit_label], bold=True)
        else:
            style.row(ws, row, ["", "比率类指标各单位分别考核，不求和"])
        row += 2
    return _save(wb)
