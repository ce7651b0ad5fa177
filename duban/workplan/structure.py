"""The shape of a government work report: title, sections, parts, paragraphs, sentences.

Reports of every level and year share one genre:

* numbered sections ``一、`` ``二、`` … — a review of the past year or five years, the goals of a
  five-year plan, this year's plan (and, in some reports, a closing section on the government's
  own work that continues the plan);
* inside a section, numbered parts ``（一）`` ``（二）`` …, each a heading line (or a heading
  sentence that opens a paragraph);
* paragraphs (one per line) whose first short sentence is often a theme ("大力培育一流创新生态。");
* sentences ending in 。；！？.

Every rule runs on the normalised text (same length and offsets as the original).  Each line is
looked at once with precompiled regexes, so the cost is linear in the text, and hostile inputs
(a hundred thousand ``一、`` lines, one megabyte on a single line) cannot make it quadratic:
numbered headings are only accepted in sequence and titles are bounded in length.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from duban.workplan.numbers import chinese_to_int, five_year_plan_end

_CN_NUM = "[一二三四五六七八九十]{1,3}"
# Leading blanks, then optional Markdown heading/emphasis markup already masked to blanks.
# "三、2021年工作安排", and the "第三部分 …" some municipal reports use.
_SECTION = re.compile(
    rf"[ ]*(?:(?P<num>{_CN_NUM})[、.]|第(?P<num2>{_CN_NUM})部分[、.：:]?)[ ]*(?P<title>\S.*)"
)
_PART = re.compile(rf"[ ]*（(?P<num>{_CN_NUM})）[ ]*(?P<rest>.*)")
# Municipal reports often number their parts 1. 2. or （1） when the section has no （一）.
# "1.5万" is a decimal, not a number mark.
_ARABIC_PART = re.compile(r"[ ]*(?:(?P<num>\d{1,2})[.、](?!\d)|（(?P<num2>\d{1,2})）)[ ]*(?P<rest>\S.*)")
# Whether a line holds any of these marks: one class search, not a generator over the marks.
_SENTENCE_MARK = re.compile("[。；！？]")
_STOP_OR_COMMA = re.compile("[。；，]")
_HEADING_STOP = re.compile("[。；！？，：]")
# A sentence: optional leading blanks (excluded), text, the enders, and closing quotes/brackets
# that belong to it.  A line's tail without an ender is a sentence too.
_SENTENCE = re.compile(r"[ ]*(?P<s>[^\n。；！？]*[。；！？]+[”’」』）\"']*|[^\n。；！？]+)")
# Themes state a direction, not a number ("大力培育一流创新生态"); a first sentence with digits
# is a commitment.
_DIGIT = re.compile(r"\d")
_LIST_NUMBER = re.compile(r"\d{1,2}[.、]")


def _list_number_end(body: str) -> int:
    """Where the text starts after a list number ("1.医疗卫生方面" → 2)."""
    m = _LIST_NUMBER.match(body)
    return m.end() if m else 0


_YEAR = re.compile(r"((?:19|20)\d\d)年")
_TO_YEAR = re.compile(r"(?:到|至)((?:19|20)\d\d)年")
# "十四五" names a plan; "第十五个五年规划" names one too, and its 十五 is the plan's number
# (2026–2030), not the 十五 plan (2001–2005).
_FYP = re.compile(r"[“\"]?(十[一二三四五六七八九]?五)[”\"]?(?!个)")
_FYP_ORDINAL = re.compile(r"第(十[一二三四五六七八九]?|[四五六七八九])个五年")


def _plan_ends(text: str) -> list[int]:
    """The last years of the five-year plans a text names, in order."""
    found: list[tuple[int, int]] = []
    for m in _FYP.finditer(text):
        y = five_year_plan_end(m.group(1))
        if y is not None:
            found.append((m.start(), y))
    for m in _FYP_ORDINAL.finditer(text):
        n = chinese_to_int(m.group(1))
        if n is not None and n >= 4:
            found.append((m.start(), 1955 + 5 * n))
    return [y for _pos, y in sorted(found)]


_REVIEW_WORDS = re.compile(r"回顾|成就|成绩|过去|总结|工作情况|主要工作和|取得的|完成情况|所做的工作")
_GOALS_WORDS = re.compile(
    r"十[一二三四五六七八九]?五|五年|远景|规划|中长期|目标任务|主要目标|发展目标|主要考虑|指导思想|奋斗目标"
)
_PLAN_WORDS = re.compile(
    r"工作安排|重点工作|工作任务|主要任务|重点任务|今年|明年|任务安排|工作部署|总体要求|政策取向|预期目标|工作建议"
)
# Heading lines of reports without numbered sections.
_HEADING_WORDS = re.compile(
    r"工作回顾|回顾|工作安排|重点工作|目标任务|主要目标|主要任务|重点任务|工作任务|总体要求|主要考虑|"
    r"发展成就|今年工作|明年工作|(?:19|20)\d\d年工作"
)
_TITLE_WORDS = re.compile(r"工作报告|政府工作")

MAX_TITLE = 60
MAX_THEME = 30


Span = tuple[int, int]


@dataclass(slots=True)
class Sentence:
    start: int
    end: int


@dataclass(slots=True)
class Paragraph:
    start: int
    end: int
    ordinal: int  # within its part (0 = the part's own heading line)
    # (start, end) of each sentence: a report's paragraphs hold hundreds, and the match's own
    # span tuple is kept rather than an object made from it (``sentences`` makes those).
    sentences: list[Span]
    part_heading: bool = False  # the first sentence is the part's title
    subheading: bool = False  # a short unpunctuated line: the theme of the paragraphs after it
    theme: Span | None = None  # one of ``sentences`` (the same tuple: compared by identity)


@dataclass(slots=True)
class Part:
    number: str  # "（二）"
    ordinal: int
    title: str
    start: int
    end: int
    title_start: int = 0
    title_end: int = 0


@dataclass(slots=True)
class Section:
    number: str  # "三" ("" for an unnumbered heading)
    ordinal: int
    title: str
    start: int
    end: int
    body_start: int
    title_start: int = 0
    title_end: int = 0
    kind: str = "other"  # review | goals | plan | other
    plan_year: int | None = None
    report: int = 0  # which report of a compilation (0 for a single report)
    parts: list[Part] = field(default_factory=list)
    paragraphs: list[tuple[Part | None, Paragraph]] = field(default_factory=list)


@dataclass(slots=True)
class Structure:
    title: str
    title_start: int
    title_end: int
    plan_year: int | None
    sections: list[Section]
    # The year each report of a compilation plans for (``Section.report`` indexes it).
    report_years: list[int | None] = field(default_factory=list)


def _lines(norm: str) -> list[tuple[int, int]]:
    """(start, end) of every line, end excluding the newline."""
    out: list[tuple[int, int]] = []
    pos = 0
    n = len(norm)
    while pos <= n:
        nl = norm.find("\n", pos)
        if nl < 0:
            nl = n
        out.append((pos, nl))
        pos = nl + 1
    return out


def sentences(norm: str, start: int, end: int) -> list[Sentence]:
    return [Sentence(s, e) for s, e in _spans(norm, start, end)]


def _spans(norm: str, start: int, end: int) -> list[Span]:
    """(start, end) of each sentence in ``norm[start:end]``."""
    out: list[Span] = []
    for m in _SENTENCE.finditer(norm, start, end):
        span = m.span(1)  # the group "s", by number (no name lookup per sentence)
        s, e = span
        # Only a line's tail without an ender can end in blanks.
        if s < e and norm[e - 1] == " ":
            e = s + len(norm[s:e].rstrip(" "))
            span = (s, e)
        if e > s:
            out.append(span)
    return out


def _section_heading(norm: str, s: int, e: int) -> re.Match[str] | None:
    if e - s > MAX_TITLE + 12:
        return None
    m = _SECTION.match(norm, s, e)
    if m is None:
        return None
    title = m.group("title").rstrip()
    if not 2 <= len(title) <= MAX_TITLE:
        return None
    # A heading is not a sentence: no sentence end inside it (one at the very end is tolerated).
    inner = title[:-1] if title[-1] in "。" else title
    if _SENTENCE_MARK.search(inner) or inner.endswith(("，", "：")):
        return None
    return m


def _find_sections(norm: str, lines: list[tuple[int, int]]) -> list[tuple[int, int, str, int, str, int]]:
    """(line index, ordinal, number, title start, title, report) of the numbered section headings.

    ``report`` counts the reports of a text that holds more than one (a compilation, or one
    report pasted twice): numbering that starts again at 一、 on a review heading, or after a new
    report's title, byline or opening address, starts the sections of the next report.  Their
    ordinals go on counting, so every task's id stays unique."""
    found: list[tuple[int, int, str, int, str, int]] = []
    last = 0
    group = 0  # index in ``found`` where the current report's sections begin
    report = 0
    offset = 0  # ordinals of the reports before this one
    for i, (s, e) in enumerate(lines):
        if e - s < 3:
            continue
        m = _section_heading(norm, s, e)
        if m is None:
            continue
        number = m.group("num") or m.group("num2")
        n = chinese_to_int(number)
        if n is None:
            continue
        in_report = len(found) - group
        if n == 1 and in_report >= 2:
            title = m.group("title").rstrip().rstrip("。")
            if not _starts_report(norm, lines, i, title):
                # Numbering that starts again after the report's sections is a list inside the
                # last of them (十件民生实事 一、…十、 after the closing), not more sections.
                break
            report += 1
            offset = found[-1][1]
            group, in_report, last = len(found), 0, 0
        if n == last + 1 or (n == 1 and in_report <= 1) or (in_report == 0 and n <= 3):
            if n == 1 and in_report == 1:
                del found[group:]
            title = m.group("title").rstrip().rstrip("。")
            found.append((i, offset + n, number, m.start("title"), title, report))
            last = n
    return found


# A heading that opens a report's review ("一、2025年工作回顾", "一、过去一年和五年工作回顾",
# "一、2025年主要工作和“十四五”发展成就"): a 民生实事 list item never reads like one.
_REVIEW_HEADING = re.compile(r"回顾|发展成就|^(?:19|20)\d\d年主要工作")
# Lines that open a report before its first section: its title, the byline, the speaker, the
# address to the deputies.
_REPORT_TITLE_LINE = re.compile(r"工作报告(?:[（(][^）)]{1,8}[）)])?$")
_BYLINE_LINE = re.compile(r"^—+[ ]*(?:19|20)\d\d年|在[^。；]{0,60}(?:人民代表大会|会议)上$")
_ADDRESS = re.compile(r"^各位代表[：:！!]?$")
_REPORTING = re.compile(r"我代表[^。；]{0,40}报告[^。；]{0,4}工作")
_SPEAKER = re.compile(r"(?:省长|市长|县长|区长|州长|盟长|主席|总理)[ ]?[\u4e00-\u9fff·]{2,5}$")


def _preamble_line(line: str) -> bool:
    """A line of a report's opening (blank lines included), before its first section."""
    if not line:
        return True
    if len(line) <= MAX_TITLE + 10 and not _STOP_OR_COMMA.search(line):
        if _REPORT_TITLE_LINE.search(line) or _BYLINE_LINE.search(line) or _SPEAKER.search(line):
            return True
    return bool(_ADDRESS.match(line) or _REPORTING.search(line))


def _report_start(norm: str, lines: list[tuple[int, int]], i: int) -> int:
    """The first line of the opening that leads to the section heading on line ``i``."""
    k = i
    while k > 0 and i - k < 12 and _preamble_line(norm[lines[k - 1][0] : lines[k - 1][1]].strip()):
        k -= 1
    while k < i and not norm[lines[k][0] : lines[k][1]].strip():
        k += 1  # blank lines stay with the text before them
    return k


def _starts_report(norm: str, lines: list[tuple[int, int]], i: int, title: str) -> bool:
    """Whether 一、 on line ``i``, after sections already found, begins another report: its
    heading is a review's, or a new report's title, byline or address to the deputies leads to it."""
    if _REVIEW_HEADING.search(title):
        return True
    for k in range(_report_start(norm, lines, i), i):
        line = norm[lines[k][0] : lines[k][1]].strip()
        if line and not _ADDRESS.match(line):
            return True
    return False


def _find_headings(norm: str, lines: list[tuple[int, int]]) -> list[tuple[int, int, str, int, str, int]]:
    """Unnumbered headings (a short line without sentence punctuation that names a part of a report)."""
    found: list[tuple[int, int, str, int, str, int]] = []
    for i, (s, e) in enumerate(lines):
        if not 2 <= e - s <= 40:
            continue
        line = norm[s:e].strip()
        if not 2 <= len(line) <= 30 or _HEADING_STOP.search(line):
            continue
        if _HEADING_WORDS.search(line) is None:
            continue
        found.append((i, len(found) + 1, "", s + (len(norm[s:e]) - len(norm[s:e].lstrip())), line, 0))
    return found


def _title(
    norm: str, lines: list[tuple[int, int]], first_section_line: int, first_line: int = 0
) -> tuple[str, int, int]:
    for s, e in lines[first_line : min(first_section_line, first_line + 12)]:
        if not 0 < e - s <= MAX_TITLE + 10:
            continue
        text = norm[s:e]
        if _TITLE_WORDS.search(text) and not _STOP_OR_COMMA.search(text):
            stripped = text.strip()
            off = s + text.index(stripped)
            return stripped, off, off + len(stripped)
    return "", 0, 0


def _classify(title: str, plan_year: int | None) -> str:
    if _REVIEW_WORDS.search(title):
        return "review"
    years = [int(y) for y in _YEAR.findall(title)]
    if years and plan_year is not None:
        if plan_year in years:
            return "plan"
        if max(years) < plan_year:
            return "review"
        return "goals"
    if _GOALS_WORDS.search(title):
        return "goals"
    if _PLAN_WORDS.search(title):
        return "plan"
    return "other"


def _plan_year(titles: list[str], report_title: str) -> int | None:
    """The year the report plans for: the latest year named in a forward-looking heading."""
    forward = [
        int(y)
        for t in titles
        if not _REVIEW_WORDS.search(t) and not _TO_YEAR.search(t)
        for y in _YEAR.findall(t)
    ]
    past = [int(y) for t in titles if _REVIEW_WORDS.search(t) for y in _YEAR.findall(t)]
    # "二、今年工作安排" after "一、2020年工作回顾" or "一、2020年主要工作": this year is the one
    # after the years named before it (unless those headings are themselves plans or goals).
    for i, t in enumerate(titles):
        if "今年" in t and not _YEAR.search(t):
            earlier = [
                int(y)
                for u in titles[:i]
                if not _PLAN_WORDS.search(u) and not _GOALS_WORDS.search(u) and not _TO_YEAR.search(u)
                for y in _YEAR.findall(u)
            ]
            if earlier:
                return max(earlier) + 1
    if forward:
        return max(forward)
    years = [int(y) for y in _YEAR.findall(report_title)]
    if years:
        return max(years)
    if past:
        return max(past) + 1
    return None


def _goals_year(norm: str, sec: Section, default: int | None) -> int | None:
    for y in _plan_ends(sec.title):
        return y
    m2 = _TO_YEAR.search(sec.title) or _YEAR.search(sec.title)
    if m2:
        return int(m2.group(1))
    # The first lines of the section usually name the period ("“十四五”时期…", "到2030年").
    head = norm[sec.body_start : min(sec.end, sec.body_start + 600)]
    for y in _plan_ends(head):
        if default is None or y >= default:
            return y
    m3 = _TO_YEAR.search(head)
    if m3:
        return int(m3.group(1))
    if "五年" in sec.title and default is not None:
        return default + 4
    return default


def parse_structure(norm: str, *, year: int | None = None) -> Structure:
    lines = _lines(norm)
    heads = _find_sections(norm, lines)
    if len(heads) < 2:
        unnumbered = _find_headings(norm, lines)
        if len(unnumbered) > len(heads):
            heads = unnumbered
    elif heads:
        # Unnumbered headings before the first numbered one (内蒙古: "“十四五”时期发展成就和2025年
        # 工作回顾", "“十五五”时期主要目标和2026年重点工作", then 一、…四、 inside the year's work)
        # are sections of their own; all sections are then counted in order.
        first = heads[0][0]
        numbered = {h[0] for h in heads}
        before = [
            h
            # Only the lines before it are looked at (a heading found after it is not taken).
            for h in _find_headings(norm, lines[:first])
            if h[0] not in numbered and (_YEAR.search(h[4]) or _FYP.search(h[4]))
        ]
        if before:
            heads = [
                (li, k + 1 if report == 0 else len(before) + o, number, ts, tt, report)
                for k, (li, o, number, ts, tt, report) in enumerate(before + heads)
            ]

    sections: list[Section] = []
    for k, (li, ordinal, number, tstart, ttext, report) in enumerate(heads):
        s = lines[li][0]
        if k + 1 == len(heads):
            e = len(norm)
        elif heads[k + 1][5] != report:
            # The next report's opening (its title, byline, address) belongs to neither.
            e = lines[_report_start(norm, lines, heads[k + 1][0])][0]
        else:
            e = lines[heads[k + 1][0]][0]
        body_start = min(len(norm), lines[li][1] + 1)
        sec = Section(
            number=number,
            ordinal=ordinal if number else k + 1,
            title=ttext,
            start=s,
            end=e,
            body_start=body_start,
            title_start=tstart,
            title_end=tstart + len(ttext),
            report=report,
        )
        sections.append(sec)

    # Each report of a compilation is read on its own: its title, its year, its sections.
    title, t0, t1 = "", 0, 0
    plan_year: int | None = None
    report_years: list[int | None] = []
    for r, group in enumerate(_reports(sections)):
        first_line = heads[0][0] if r == 0 and heads else len(lines)
        lo = 0
        if r > 0:
            first_line = bisect.bisect_left(lines, (group[0].start, -1))
            lo = _report_start(norm, lines, first_line)
        g_title = _title(norm, lines, first_line, lo)
        g_year = _classify_report(norm, group, g_title[0], year, lines[lo][0])
        report_years.append(g_year)
        if r == 0:
            (title, t0, t1), plan_year = g_title, g_year
    if not sections:
        title, t0, t1 = _title(norm, lines, len(lines))
        plan_year = year if year is not None else _plan_year([], title)
        if plan_year is None:
            plan_year = _byline_year(norm, sections) or _year_from_body(norm, sections)

    for sec in sections:
        # Review sections never turn forward-looking later (``_ensure_plan`` only takes "other"
        # ones): their paragraphs are not needed.
        _fill_section(norm, lines, sec, paragraphs=sec.kind != "review")
    return Structure(title, t0, t1, plan_year, sections, report_years)


def _reports(sections: list[Section]) -> list[list[Section]]:
    groups: list[list[Section]] = []
    for sec in sections:
        if not groups or groups[-1][-1].report != sec.report:
            groups.append([])
        groups[-1].append(sec)
    return groups


def _classify_report(
    norm: str, sections: list[Section], title: str, year: int | None, opening: int
) -> int | None:
    """Set the kind and plan year of one report's sections; the year the report plans for."""
    # Sections are classified by the year the report itself plans for; a ``year`` given by the
    # caller then overrides the plan year, not which sections look forward.
    detected = _plan_year([s.title for s in sections], title)
    plan_year = year if year is not None else detected
    for sec in sections:
        sec.kind = _classify(sec.title, detected if detected is not None else plan_year)
    # A heading that is a slogan ("一、一年接着一年干，新福建建设持续取得新进展新成效") names no
    # year and no kind of its own: the section's first sentence says which it is.
    for sec in sections:
        if (
            sec.kind in ("other", "goals")
            and not _YEAR.search(sec.title)
            and not _REVIEW_WORDS.search(sec.title)
        ):
            kind = _kind_from_body(norm, sec, detected if detected is not None else plan_year)
            # A heading that names a plan period stays goals unless the body opens on this
            # year ("三、…全力推动“十五五”开好局" / "2026年是“十五五”开局之年"): a review paragraph
            # at its start is handled paragraph by paragraph.
            if kind is not None and (sec.kind == "other" or kind == "plan"):
                sec.kind = kind
    # A section after this year's plan that is neither review nor goals continues the plan
    # ("四、切实加强政府自身建设").
    seen_plan = False
    for sec in sections:
        if sec.kind == "plan":
            seen_plan = True
        elif sec.kind == "other" and seen_plan:
            sec.kind = "plan"
    if plan_year is None:
        plan_year = (
            _byline_year(norm, sections, opening)
            or _year_after_review(norm, sections)
            or _year_from_body(norm, sections)
        )
    for sec in sections:
        if sec.kind == "goals":
            sec.plan_year = _goals_year(norm, sec, plan_year)
        elif sec.kind == "plan":
            years = [int(y) for y in _YEAR.findall(sec.title)]
            sec.plan_year = plan_year if (year is not None or not years) else max(years)
        elif sec.kind == "review":
            sec.plan_year = _review_year(sec.title, plan_year)
        else:
            sec.plan_year = plan_year
    return plan_year


def _review_year(title: str, plan_year: int | None) -> int | None:
    """The last year a review covers: “十三五” → 2020, "2020年工作回顾" → 2020."""
    years = [int(y) for y in _YEAR.findall(title)] + _plan_ends(title)
    if years:
        return max(years)
    return plan_year - 1 if plan_year is not None else None


def whole_text_plan(norm: str, plan_year: int | None) -> Section:
    """The whole text as one plan section (a list of commitments with no report headings)."""
    sec = Section(number="", ordinal=1, title="", start=0, end=len(norm), body_start=0)
    sec.kind = "plan"
    sec.plan_year = plan_year
    _fill_section(norm, _lines(norm), sec)
    return sec


_OPENING_YEAR = re.compile(r"\s*(\d{4})年(?:是|，|,|以来|我们)")
_OPENING_PAST = re.compile(r"\s*(?:一年来|过去一年|过去的一年|五年来|过去五年|这五年)")
_OPENING_FYP = re.compile(r"\s*[“\"]?(十[一二三四五六七八九]?五)[”\"]?时期")


def _kind_from_body(norm: str, sec: Section, plan_year: int | None) -> str | None:
    """What a section is, from how its body opens: "2025年是…" (a past year: review), "2026年
    是…开局之年" (this year: plan), "一年来…" (review), "“十五五”时期是…" (a plan period ahead:
    goals). None when the opening says nothing of the kind."""
    head = norm[sec.body_start : min(sec.end, sec.body_start + 120)]
    m = _OPENING_YEAR.match(head)
    if m and plan_year is not None:
        y = int(m.group(1))
        return "review" if y < plan_year else "plan" if y == plan_year else "goals"
    if _OPENING_PAST.match(head):
        return "review"
    m = _OPENING_FYP.match(head)
    if m and plan_year is not None:
        end = five_year_plan_end(m.group(1))
        if end is not None:
            return "goals" if end >= plan_year else "review"
    return None


_BYLINE = re.compile(r"(\d{4})年\d{1,2}月\d{1,2}日在[^\n]{0,60}?(?:人民代表大会|会议)")


def _byline_year(norm: str, sections: list[Section], opening: int = 0) -> int | None:
    """No year in any heading: the byline ("——2023年3月5日在第十四届全国人民代表大会第一次会议
    上"). A report is delivered early in the year it plans, so the byline's year is the plan's."""
    end = sections[0].start if sections else min(len(norm), 600)
    m = _BYLINE.search(norm, opening, end)
    return int(m.group(1)) if m else None


_REVIEWED_YEAR = re.compile(r"\s*((?:19|20)\d\d)年(?:是|，)")


def _year_after_review(norm: str, sections: list[Section]) -> int | None:
    """No year in any heading nor a byline: a review that opens on the year it reviews
    ("一、过去一年和五年工作回顾 / 2022年是…") is followed by the plan of the next year."""
    for sec in sections:
        if sec.kind == "review":
            m = _REVIEWED_YEAR.match(norm, sec.body_start, min(sec.end, sec.body_start + 40))
            if m:
                return int(m.group(1)) + 1
    return None


def _year_from_body(norm: str, sections: list[Section]) -> int | None:
    """No year in any heading: "今年是…" or the latest year named near the start of the plan."""
    for sec in sections:
        if sec.kind in ("plan", "other"):
            head = norm[sec.body_start : min(sec.end, sec.body_start + 400)]
            m = _YEAR.search(head)
            if m:
                return int(m.group(1))
    return None


def _fill_section(norm: str, lines: list[tuple[int, int]], sec: Section, paragraphs: bool = True) -> None:
    """The section's parts and, unless ``paragraphs`` is false (a review: no task comes from
    it, only its parts are reported), its paragraphs and their sentences."""
    part: Part | None = None
    para_ordinal = 0
    last_part_n = 0
    # Lines inside the section body: binary search is not needed; sections are visited in order
    # and each line belongs to exactly one section.
    body_lines = list(_lines_between(lines, sec.body_start, sec.end))
    # Arabic part numbers count only where the section has no Chinese ones: under （一） parts,
    # "1." lines are items of a list (民生实事), not parts.
    arabic = not any(_PART.match(norm, s, e) for s, e in body_lines)
    for s, e in body_lines:
        if e <= s or not norm[s:e].strip():
            continue
        pm = _PART.match(norm, s, e)
        number = n = None
        if pm is not None:
            n = chinese_to_int(pm.group("num"))
            # In sequence; one skipped number (a typo, a part cut from an excerpt) is tolerated.
            if n is not None and last_part_n < n <= last_part_n + 2:
                number = f"（{pm.group('num')}）"
        elif arabic:
            pm = _ARABIC_PART.match(norm, s, e)
            if pm is not None:
                n = int(pm.group("num") or pm.group("num2"))
                # Strictly in sequence from 1: a stray "3." is not a part.
                if n == last_part_n + 1:
                    number = pm.group("num") and f"{n}." or f"（{n}）"
        if number is not None and pm is not None and n is not None:
            last_part_n = n
            sents = _spans(norm, pm.start("rest"), e)
            number_start = s + len(norm[s:e]) - len(norm[s:e].lstrip(" "))
            if part is not None:
                part.end = s
            title_end = sents[0][1] if sents else e
            title = norm[pm.start("rest") : title_end].rstrip("。；！？ ")
            title_start = pm.start("rest")
            part = Part(
                number=number,
                ordinal=n,
                title=title,
                start=number_start,
                end=sec.end,
                title_start=title_start,
                title_end=title_start + len(title),
            )
            sec.parts.append(part)
            para_ordinal = 0
            # The heading's first sentence includes the part's number mark: it is the title.
            if sents:
                sents[0] = (number_start, sents[0][1])
            sec.paragraphs.append((part, Paragraph(s, e, 0, sents, part_heading=True)))
            continue
        if not paragraphs:
            continue
        para_ordinal += 1
        sents = _spans(norm, s, e)
        para = Paragraph(s, e, para_ordinal, sents)
        if len(sents) >= 2:
            first = sents[0]
            fs, fe = first
            # The length first: most first sentences are longer than a theme, and are not copied.
            if (
                fe - fs - 1 <= MAX_THEME
                and (body := norm[fs:fe])[-1] in "。！"
                and "：" not in body
                and not body.startswith("各位代表")
                and not _DIGIT.search(body, _list_number_end(body))
            ):
                para.theme = first
        elif len(sents) == 1:
            # A short line without sentence punctuation ("1.加快发展新兴产业") heads the
            # paragraphs after it: it is their theme, not a commitment of its own.
            fs, fe = sents[0]
            if (
                fe - fs <= MAX_THEME
                and (body := norm[fs:fe])[-1] not in '。；！？：，、”"'
                and not _DIGIT.search(body, _list_number_end(body))
            ):
                para.theme = sents[0]
                para.subheading = True
        sec.paragraphs.append((part, para))
    if part is not None:
        part.end = sec.end


def _lines_between(lines: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    lo = bisect.bisect_left(lines, (start, -1))
    hi = bisect.bisect_left(lines, (end, -1))
    return lines[lo:hi]
