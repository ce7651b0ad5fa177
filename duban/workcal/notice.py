"""Read the State Council's yearly holiday notice (国务院办公厅关于某年部分节假日安排的通知)
into day entries. Pure: no Django.

Two shapes are accepted:
- the notice as published, one holiday a paragraph::

      一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。

- a table (CSV, tab-separated or pasted from Excel): ``日期, 上班/休息, 说明`` a row, the date as
  ``2027-01-01`` or ``2027年1月1日``.

Errors carry the line number, so the admin sees which line to fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

MAX_CHARS = 20_000
MAX_ENTRIES = 400


@dataclass(frozen=True)
class DayEntry:
    date: dt.date
    is_working: bool
    name: str = ""


class NoticeError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"第 {line} 行：{message}" if line else message)
        self.message = message
        self.line = line


_PAREN = re.compile(r"[（(][^（）()]*[）)]")
_SECTION = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*([^：:]{1,12})[：:](.*)$")
_RANGE = re.compile(r"(?:(\d{1,2})月)?(\d{1,2})日\s*(?:至|—|-|~|到)\s*(?:(\d{1,2})月)?(\d{1,2})日")
_DAY = re.compile(r"(?:(\d{1,2})月)?(\d{1,2})日")
_ISO = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_WORK_WORDS = ("上班", "工作日", "是", "1", "work", "true")
_REST_WORDS = ("休息", "放假", "休", "否", "0", "rest", "holiday", "false")


def _date(year: int, month: int, day: int, line: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise NoticeError(f"{month}月{day}日不是有效日期", line) from None


def _days_of(sentence: str, year: int, line: int, month: int | None) -> tuple[list[dt.date], int | None]:
    """Every date a sentence names, ranges expanded; a day without a month takes the last one."""
    out: list[dt.date] = []
    pos = 0
    while pos < len(sentence):
        rng = _RANGE.search(sentence, pos)
        one = _DAY.search(sentence, pos)
        if one is None:
            break
        if rng is not None and rng.start() == one.start():
            m1 = int(rng.group(1)) if rng.group(1) else month
            if m1 is None:
                raise NoticeError("日期缺少月份", line)
            m2 = int(rng.group(3)) if rng.group(3) else m1
            first = _date(year, m1, int(rng.group(2)), line)
            y2 = year + 1 if m2 < m1 else year  # 12月31日至1月2日
            last = _date(y2, m2, int(rng.group(4)), line)
            if (last - first).days > 31:
                raise NoticeError("放假区间超过一个月，请检查日期", line)
            out.extend(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
            month, pos = m2, rng.end()
        else:
            m = int(one.group(1)) if one.group(1) else month
            if m is None:
                raise NoticeError("日期缺少月份", line)
            out.append(_date(year, m, int(one.group(2)), line))
            month, pos = m, one.end()
    return out, month


def _from_notice(text: str, year: int) -> list[DayEntry]:
    entries: dict[dt.date, DayEntry] = {}
    name = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _PAREN.sub("", raw).strip()
        if not line:
            continue
        section = _SECTION.match(line)
        if section:
            name, line = section.group(1).strip(), section.group(2)
        elif not name:
            continue  # the notice's heading and preamble
        month = None
        for sentence in re.split(r"[。；;]", line):
            if "放假" in sentence:
                kind = False
            elif "上班" in sentence:
                kind = True
            else:
                continue
            days, month = _days_of(sentence, year, number, month)
            for day in days:
                entries[day] = DayEntry(day, kind, name + ("调休上班" if kind else ""))
    return sorted(entries.values(), key=lambda e: e.date)


def _kind(cell: str, line: int) -> bool:
    value = cell.strip().lower()
    if value in _WORK_WORDS or "上班" in value:
        return True
    if value in _REST_WORDS or "休" in value or "假" in value:
        return False
    raise NoticeError(f"无法识别“{cell}”，请填写“上班”或“休息”", line)


def _from_table(text: str, year: int | None) -> list[DayEntry]:
    entries: dict[dt.date, DayEntry] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        # Pasted from Excel the cells are tab-separated, from a CSV file comma-separated.
        dialect = "excel-tab" if "\t" in line else "excel"
        cells = [c.strip() for row in csv.reader(io.StringIO(line), dialect=dialect) for c in row]
        if not any(cells):
            continue
        m = _ISO.match(cells[0])
        if m is None:
            if number == 1:
                continue  # a header row
            raise NoticeError(f"“{cells[0]}”不是日期（格式：2027-01-01）", number)
        day = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)), number)
        if year is not None and day.year != year:
            raise NoticeError(f"{day} 不属于 {year} 年", number)
        if len(cells) < 2 or not cells[1]:
            raise NoticeError("缺少“上班/休息”一列", number)
        entries[day] = DayEntry(day, _kind(cells[1], number), (cells[2] if len(cells) > 2 else "")[:50])
    return sorted(entries.values(), key=lambda e: e.date)


def parse(text: str, year: int | None = None) -> list[DayEntry]:
    """Day entries from a notice or a table; ``year`` is required for the notice form."""
    if len(text) > MAX_CHARS:
        raise NoticeError(f"内容过长（最多 {MAX_CHARS} 字）")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    table = bool(_ISO.match(re.split(r"[,\t]", first)[0])) or bool(re.match(r"^\s*日期\s*[,\t]", first))
    if table:
        entries = _from_table(text, year)
    else:
        if year is None:
            raise NoticeError("请指明年度")
        entries = _from_notice(text, year)
    if not entries:
        raise NoticeError(
            "没有读到任何日期：请粘贴通知正文（“一、元旦：1月1日至3日放假……”）或“日期,上班/休息,说明”表格"
        )
    if len(entries) > MAX_ENTRIES:
        raise NoticeError(f"日期过多（最多 {MAX_ENTRIES} 天）")
    return entries
