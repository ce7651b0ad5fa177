"""The whole decomposition: decode, normalise, structure, then one task per commitment.

Tasks come from the forward-looking sections only (the five-year goals and this year's plan);
the review of past results is left out.  Each sentence is a task by default; a paragraph's theme
sentence and a part's title are not, unless they state a target or a deadline themselves, so no
target or deadline is ever dropped.  Every offset points into the decoded text, which is returned
as ``text`` (normalisation is one-to-one, see ``normalize``).
"""

from __future__ import annotations

import gc
import os
import re
from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

from duban.workplan.deadlines import DEADLINE_HINT, Deadline, find_deadlines
from duban.workplan.decode import DEFAULT_LIMITS, DEFAULT_MAX_BYTES, Decoded, Limits, decode, too_large
from duban.workplan.errors import ParseError
from duban.workplan.normalize import normalize
from duban.workplan.numbers import five_year_plan_end
from duban.workplan.places import gazetteer_for
from duban.workplan.structure import Section, Structure, parse_structure, sentences, whole_text_plan
from duban.workplan.targets import find_targets
from duban.workplan.titles import short_titles
from duban.workplan.types import DeadlineInfo, Decomposition, MilestoneInfo, TaskInfo
from duban.workplan.units import NO_CONTEXT, Context, suggest_in, vocabulary_for

SCHEMA = "duban.workplan/1"

_MD_LINE_MARKUP = re.compile(r"(?m)^([ ]*)(#{1,6}[ ]*|>[ ]?|[-*+][ ]+(?=\S))")
_MD_EMPHASIS = re.compile(r"\*\*|__")
# Sentences that only announce what follows ("重点抓好以下工作。") or address the audience.  The
# forms that open the sentence are tried at its start only, the others by a search that skips
# to their first characters, so the test costs little on the many sentences that are neither.
_FILLER_OPENING = re.compile(
    r"各位代表[！!，。：]?$|下面[，,]?我"
    # The framing of the year ("2021年是…开局之年。") is not a task anyone is assigned.
    r"|(?:(?:19|20)\d\d年|今年|明年)是[^。；！？]{0,60}(?:之年|一年)[。！]$"
    # The closing exhortation ("让我们更加紧密地团结在…").
    r"|让我们"
)
_FILLER_INSIDE = re.compile(
    # Written to open on a character class, which the engine scans for before trying the rest.
    r"[以如作思](?:(?<=[以如])下[^。；！？]{0,12}[。：；！？]?$|(?<=作)简要报告[。！]?$"
    # The guiding ideology ("坚持以习近平新时代中国特色社会主义思想为指导…").
    r"|(?<=思)想为指导)"
)
# What every form of ``_FILLER_OPENING`` begins with: most sentences are let go by one
# ``startswith`` instead of a regex call.
_FILLER_STARTS = ("各位代表", "下面", "19", "20", "今年", "明年", "让我们")
# What every form of ``_FILLER_INSIDE`` begins with, looked for once per section: a sentence
# without one is not searched.
_FILLER_INSIDE_HINT = re.compile(r"[以如作思](?:(?<=[以如])下|(?<=作)简要报告|(?<=思)想为指导)")
# A superset of what ``find_targets`` can anchor on (a digit, a Chinese count before its measure
# word, 百分之/三分之一, 翻一番/倍增, 前十): most sentences have none, and one scan per section
# spares them the per-sentence scans.
_TARGET_HINT = re.compile(
    # Opens on a character class (the engine skips to the next candidate in its own loop), then
    # tells the forms apart by the character it took.
    r"[0-9分翻倍前〇零一二两三四五六七八九十百千]"
    # A run of digits is one hint (a sentence only needs one).
    r"(?:(?<=[0-9])[0-9]*|(?<=分)之|(?<=翻)|(?<=倍)增|(?<=前)[〇零一二两三四五六七八九十百千]"
    r"|(?<=[〇零一二两三四五六七八九十百千])[个家所座项件户名条处台套])"
)
_COMMITMENT = re.compile(
    r"推进|加快|实施|推动|建设|完善|加强|深化|开展|确保|力争|提升|强化|落实|健全|培育|打造"
)


def mask_markdown(norm: str) -> str:
    """Blank out Markdown heading/list/emphasis markup, keeping every offset."""

    def blank(m: re.Match[str]) -> str:
        return " " * len(m.group(0))

    return _MD_EMPHASIS.sub(blank, _MD_LINE_MARKUP.sub(blank, norm))


def decompose(
    data: bytes | str | os.PathLike[str],
    *,
    name: str | None = None,
    year: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limits: Limits = DEFAULT_LIMITS,
    gazetteer: Iterable[tuple[str, str, str]] | None = None,
    vocabulary: Iterable[tuple[str, Any]] | None = None,
) -> Decomposition:
    decoded = decode(data, name=name, max_bytes=max_bytes, limits=limits)
    return decompose_text(decoded, year=year, limits=limits, gazetteer=gazetteer, vocabulary=vocabulary)


def decompose_text(
    decoded: Decoded,
    *,
    year: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    gazetteer: Iterable[tuple[str, str, str]] | None = None,
    vocabulary: Iterable[tuple[str, Any]] | None = None,
) -> Decomposition:
    # The result is tens of thousands of small dicts and lists, none of them in a reference
    # cycle.  While they are built, the cyclic collector's full passes walk all of them again and
    # again, so the cost per task grew with the report (+30% from 10 to 40 copies of the seed);
    # with the collector paused it is flat.  It is switched back on as it was found.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _decompose_text(decoded, year=year, limits=limits, gazetteer=gazetteer, vocabulary=vocabulary)
    finally:
        if enabled:
            gc.enable()


def _decompose_text(
    decoded: Decoded,
    *,
    year: int | None,
    limits: Limits,
    gazetteer: Iterable[tuple[str, str, str]] | None,
    vocabulary: Iterable[tuple[str, Any]] | None,
) -> Decomposition:
    text = decoded.text
    norm = normalize(text)
    if decoded.format == "md":
        norm = mask_markdown(norm)
    if year is not None:
        try:
            year = int(year)
        except (TypeError, ValueError):
            year = -1
        if not 1949 <= year <= 2200:
            raise ParseError("bad_year", "年份不合理：请填写报告所安排工作的年份，例如 2021")
    struct = parse_structure(norm, year=year)
    _ensure_plan(norm, struct)
    # Only the text or the caller names the year, never the day the parser runs: a report that
    # names none (and was given none) is refused rather than dated as this year's plan.
    plan_year = struct.plan_year or year
    if plan_year is None:
        raise ParseError(
            "bad_year",
            "无法确定报告所安排工作的年份：标题、落款日期（如“——2023年3月5日在…会议上”）和各部分标题"
            "（如“2022年工作回顾”“2023年工作安排”）都没有写明。请指明计划年度（上传时填写“计划年度”，"
            "命令行用 --year，例如 --year 2023）",
        )

    places = gazetteer_for(list(gazetteer) if gazetteer is not None else None)
    vocab = vocabulary_for(list(vocabulary) if vocabulary is not None else None)

    # The walk finds the tasks; their titles, suggestions and dicts are made after it, each in
    # one tight loop over all tasks (see ``_Pending``).
    rows: list[Any] = []
    pending = _Pending()
    sections = struct.sections
    for k, sec in enumerate(sections):
        if sec.kind not in ("goals", "plan"):
            continue
        # The closing address ends the last section of a report (of each, in a compilation).
        is_last = k + 1 == len(sections) or sections[k + 1].report != sec.report
        years = struct.report_years
        report_year = (years[sec.report] if sec.report < len(years) else None) or plan_year
        _section_tasks(text, norm, sec, is_last, report_year, places, vocab, rows, limits.max_tasks, pending)
    tasks = pending.tasks(text, norm, rows)

    title = text[struct.title_start : struct.title_end] if struct.title else ""
    if not title:
        title = _fallback_title(decoded.name, plan_year)
    return {
        "schema": SCHEMA,
        "source": {
            "name": decoded.name,
            "sha256": decoded.sha256,
            "encoding": decoded.encoding,
            "chars": len(text),
            "format": decoded.format,
        },
        "title": title,
        "plan_year": plan_year,
        "sections": [
            {
                "number": sec.number,
                "title": text[sec.title_start : sec.title_end],
                "kind": sec.kind,
                "plan_year": sec.plan_year,
                "start": sec.start,
                "end": sec.end,
                "parts": [
                    {
                        "number": p.number,
                        "title": text[p.title_start : p.title_end],
                        "start": p.start,
                        "end": p.end,
                    }
                    for p in sec.parts
                ],
            }
            for sec in struct.sections
        ],
        "tasks": tasks,
        "text": text,
    }


def _fallback_title(name: str | None, plan_year: int | None) -> str:
    if name:
        stem = os.path.splitext(os.path.basename(name))[0]
        if re.search(r"[\u4e00-\u9fff]", stem):
            return stem
    return f"{plan_year}年政府工作报告" if plan_year else "政府工作报告"


def _ensure_plan(norm: str, struct: Structure) -> None:
    """Refuse a text that is not a work report; when sections exist but none is forward-looking,
    or there are no sections at all, fall back to treating the commitments as this year's plan."""
    if any(s.kind in ("goals", "plan") for s in struct.sections):
        return
    # Sections after the last review that are not classified: most likely the plan.
    last_review = max((i for i, s in enumerate(struct.sections) if s.kind == "review"), default=-1)
    rest = [s for s in struct.sections[last_review + 1 :] if s.kind == "other"]
    if rest:
        for s in rest:
            s.kind = "plan"
            s.plan_year = struct.plan_year
        return
    if not struct.sections:
        sents = sentences(norm, 0, len(norm))
        commitments = sum(1 for s in sents[:5000] if _COMMITMENT.search(norm, s.start, s.end))
        if commitments >= 3:
            if struct.plan_year is None:
                m = re.search(r"((?:19|20)\d\d)年", norm[:2000])
                struct.plan_year = int(m.group(1)) if m else None
            struct.sections.append(whole_text_plan(norm, struct.plan_year))
            return
        raise ParseError(
            "not_a_report",
            "没有找到政府工作报告的结构：应有“一、二、三、……”编号的部分，"
            "其中一部分是当年工作安排（如“三、2021年工作安排”）或规划目标任务",
        )
    raise ParseError(
        "not_a_report",
        "只找到了工作回顾，没有找到当年工作安排或目标任务部分"
        "（如“2021年工作安排”“今年重点工作”“‘十四五’时期目标任务”）：请上传政府工作报告全文",
    )


_FIVE_YEAR = re.compile(r"[“\"]?十[一二三四五六七八九]?五[”\"]?时期|五年")
_PAST_OPENING = re.compile(r"(?:过去五年|五年来|这五年|过去一年|一年来)")
_FYP_OPENING = re.compile(r"[“\"]?(十[一二三四五六七八九]?五)[”\"]?(?:时期|以来)[，,]")
# What an opening that ``_opens_on_past`` takes begins with: most paragraphs are let go by one
# ``startswith`` instead of a call and two regex matches.
_PAST_STARTS = ("过去五年", "五年来", "这五年", "过去一年", "一年来", "“十", '"十', "十")


def _plan_period_end(title: str) -> int | None:
    m = re.search(r"(十[一二三四五六七八九]?五)", title)
    return five_year_plan_end(m.group(1)) if m else None


def _opens_on_year(opening: str, year: int) -> bool:
    return opening.startswith(("今年", f"{year}年"))


def _opens_on_past(opening: str, year: int | None) -> bool:
    """A paragraph that reviews: "过去五年…", "一年来…", or a five-year period already over
    ("“十四五”时期，上海发展历程极不寻常" in a 2026 report)."""
    if _PAST_OPENING.match(opening):
        return True
    m = _FYP_OPENING.match(opening)
    if m and year is not None:
        end = five_year_plan_end(m.group(1))
        return end is not None and end < year
    return False


class _Pending:
    """What the walk found for each task, in task order: the arguments of its short title and
    unit ranking (the walk keeps the rest of each task as a row).

    The title, the ranking and the task's dict are pure functions of these, so when they are made
    changes nothing in the result; made in three tight loops after the walk, rather than between
    its bisects and regex scans, the same calls cost the seed ≈ 1 ms less (of ≈ 7: the same code
    and data stay hot in the caches)."""

    __slots__ = ("sentences", "themes", "words", "contexts")

    def __init__(self) -> None:
        self.sentences: list[str] = []
        self.themes: list[str] = []
        self.words: list[Any] = []
        # (theme words, part title words) of each task, or None for a heading.
        self.contexts: list[tuple[list[Any], list[Any]] | None] = []

    def _contexts(self) -> list[Context]:
        """Each task's ``Context``: the theme's and the part title's share of its suggestions,
        worked out once for the tasks of a paragraph that share them."""
        out: list[Context] = []
        last: tuple[list[Any] | None, list[Any] | None] = (None, None)
        ctx = NO_CONTEXT
        for words in self.contexts:
            if words is None:
                out.append(NO_CONTEXT)
                continue
            theme_words, part_words = words
            if last[0] is not theme_words or last[1] is not part_words:
                last = words
                # Neither a theme nor a title word: the empty context, not a new one equal to it.
                ctx = Context(theme_words, part_words) if theme_words or part_words else NO_CONTEXT
            out.append(ctx)
        return out

    def tasks(self, text: str, norm: str, rows: list[Any]) -> list[TaskInfo]:
        """The tasks of the walk's ``rows``, each built from its row, title and suggestions."""
        titles = short_titles(self.sentences, self.themes)
        units = list(map(suggest_in, self.words, self._contexts()))
        out: list[TaskInfo] = []
        for row, sentence, title, suggestions in zip(rows, self.sentences, titles, units, strict=True):
            id_prefix, section, part, ordinal, theme, s, e, plan_year, targets, deadlines, places = row
            # Most tasks have no target, deadline or place: their empty lists are built without
            # the comprehensions' cost.
            if deadlines:
                dl = _main_deadline(deadlines)
                deadline = None if dl is None else _deadline_info(text, dl)
                milestones: list[MilestoneInfo] = [
                    {**_deadline_info(text, d), "clause_start": cs, "clause_end": ce}
                    for d, (cs, ce) in zip(deadlines, _milestone_spans(norm, s, e, deadlines), strict=True)
                ]
            else:
                deadline, milestones = None, []
            out.append(
                {
                    "id": f"{id_prefix}{ordinal}",
                    "section": section,
                    "part": part,
                    "theme": theme,
                    "short_title": title,
                    "text": sentence,
                    "start": s,
                    "end": e,
                    "plan_year": plan_year,
                    "targets": [
                        {
                            "text": text[t.start : t.end],
                            "indicator": t.indicator,
                            "value": t.value,
                            "value_max": t.value_max,
                            "unit": t.unit,
                            "comparator": t.comparator,
                            "plan_year": plan_year,
                            "start": t.start,
                            "end": t.end,
                        }
                        for t in targets
                    ]
                    if targets
                    else [],
                    "deadline": deadline,
                    "deadlines": milestones,
                    "places": [
                        {"name": p.name, "code": p.code, "start": ps, "end": pe}
                        for ps, pe, p in places
                        if pe <= e
                    ]
                    if places
                    else [],
                    "suggested_units": suggestions,
                }
            )
        return out


_NONE: list[Any] = []  # read only


def _targets_by_start(norm: str, sec: Section, hints: list[int]) -> dict[int, list[Any]]:
    """``find_targets`` of each sentence of the section that holds a hint, by its start."""
    out: dict[int, list[Any]] = {}
    n = len(hints)
    if not n:
        return out
    ti = 0
    for _part, para in sec.paragraphs:
        for s, e in para.sentences:
            if hints[ti] < s:
                ti = bisect_left(hints, s, ti)
                if ti == n:
                    return out
            if hints[ti] < e:
                out[s] = find_targets(norm, s, e)
    return out


def _section_tasks(
    text: str,
    norm: str,
    sec: Section,
    is_last_section: bool,
    report_year: int | None,
    places: Any,
    vocab: Any,
    out: list[Any],
    max_tasks: int,
    pending: _Pending,
) -> None:
    plan_year = sec.plan_year or report_year
    previous: Deadline | None = None
    # One scan per index over the whole section; sentences take their share in order (each
    # sentence bisects from where the one before it stopped, so the walk is linear).
    vocab_starts, vocab_ends, vocab_words = vocab.index.scan(norm, sec.start, sec.end)
    place_hits = places.find(norm, sec.start, sec.end)
    place_starts = [h[0] for h in place_hits]
    vi = pi = di = fi = 0
    # Sentences without a candidate skip the target and deadline scans (no match can cross a
    # sentence end, so a sentence's own scan finds nothing the section's scan did not start).
    target_hints = [m.start() for m in _TARGET_HINT.finditer(norm, sec.start, sec.end)]
    deadline_hints = [m.start() for m in DEADLINE_HINT.finditer(norm, sec.start, sec.end)]
    filler_hints = [m.start() for m in _FILLER_INSIDE_HINT.finditer(norm, sec.start, sec.end)]
    n_vocab, n_place, n_deadline = len(vocab_starts), len(place_hits), len(deadline_hints)
    n_filler = len(filler_hints)
    # The targets of every sentence that holds a hint, read in one loop before the walk (they are
    # a pure function of the sentence; the same calls, made one after another, cost less).
    targets_at = _targets_by_start(norm, sec, target_hints)
    part_words: list[Any] = []
    current_part = None
    sub_theme: str = ""
    sub_words: list[Any] = []
    n_paras = len(sec.paragraphs)
    # A section that joins the five-year goals and this year's plan ("二、“十五五”时期目标任务和
    # 2026年工作安排") holds goals until the paragraph that opens on this year.
    goals_first = (
        sec.kind == "plan"
        and report_year is not None
        and bool(_FIVE_YEAR.search(norm[sec.title_start : sec.title_end]))
    )
    if goals_first:
        goals_year = _plan_period_end(norm[sec.title_start : sec.title_end])
        plan_year = goals_year or plan_year
    glossary = False
    add_sentence, add_theme = pending.sentences.append, pending.themes.append
    add_words, add_context = pending.words.append, pending.contexts.append
    for k, (part, para) in enumerate(sec.paragraphs):
        opening = norm[para.start : min(para.end, para.start + 40)].lstrip()
        if glossary or opening.startswith("名词解释"):
            glossary = True  # explanations of terms, after the closing: no commitments
            continue
        if goals_first and report_year is not None and _opens_on_year(opening, report_year):
            goals_first, plan_year = False, report_year
        if opening.startswith(_PAST_STARTS) and _opens_on_past(opening, report_year):
            continue  # a review paragraph inside a forward section ("“十四五”时期，…"): results
        # The closing address ("各位代表，新蓝图已经绘就…") ends the last section; only an
        # appendix (a table, a glossary) may follow it.
        closing = (
            is_last_section
            and k >= n_paras - 3
            and not any(p2.part_heading for _, p2 in sec.paragraphs[k + 1 :])
            and norm[para.start : para.end].lstrip().startswith("各位代表")
        )
        theme = para.theme
        theme_text = text[theme[0] : theme[1]].rstrip("。！ ") if theme is not None else ""
        if part is not current_part:
            current_part, part_words = part, _NONE
            sub_theme, sub_words = "", _NONE
        if para.part_heading:
            sub_theme, sub_words = "", _NONE
        # No words yet: the one read-only empty list, so the paragraphs of a part that have no
        # theme words of their own share one Context (see ``_Pending._contexts``).
        theme_words: list[Any] = _NONE
        sub_is_heading = True
        if para.subheading:
            # Only a heading if paragraphs follow it in the same part; a last short line is a
            # commitment whose full stop is missing.
            nxt = sec.paragraphs[k + 1] if k + 1 < n_paras else None
            sub_is_heading = nxt is not None and nxt[0] is part and not nxt[1].part_heading
            if not sub_is_heading:
                theme, theme_text = None, ""
        if theme is None and sub_theme:
            # Under a sub-heading line, paragraphs without a theme of their own take it.
            theme_text, theme_words = sub_theme, sub_words
        elif theme is None and para.part_heading and part is not None:
            # "1.加快构建现代化产业体系。打造…": the part's title is the theme of the rest of its line.
            theme_text = part.title
        ordinal = 0
        # What the paragraph's tasks share: the start of their ids, their part's number.
        id_prefix = f"{sec.ordinal}.{part.ordinal if part else 0}.{para.ordinal}."
        part_number = part.number if part else ""
        for idx, sent in enumerate(para.sentences):
            s, e = sent
            # The matches that start in the sentence; only the last can run past its end.
            i = bisect_left(vocab_starts, s, vi) if vi < n_vocab and vocab_starts[vi] < s else vi
            vi = bisect_left(vocab_starts, e, i) if i < n_vocab and vocab_starts[i] < e else i
            # Matches do not overlap: only the last one can run past the sentence's end.
            words = vocab_words[i : vi if i == vi or vocab_ends[vi - 1] <= e else vi - 1]
            i = bisect_left(place_starts, s, pi) if pi < n_place and place_starts[pi] < s else pi
            pi = bisect_left(place_starts, e, i) if i < n_place and place_starts[i] < e else i
            sentence_places = place_hits[i:pi] if i < pi else ()
            if di < n_deadline and deadline_hints[di] < s:
                di = bisect_left(deadline_hints, s, di)
            if para.part_heading and idx == 0:
                part_words = words
            if sent is theme:
                theme_words = words
                if para.subheading:
                    sub_theme, sub_words = theme_text, words
            targets = targets_at.get(s, _NONE)
            deadlines = (
                find_deadlines(norm, s, e, plan_year=plan_year, previous=previous)
                if plan_year is not None and di < n_deadline and deadline_hints[di] < e
                else _NONE
            )
            if deadlines:
                previous = deadlines[-1]
            heading = (para.part_heading and idx == 0) or (sent is theme and sub_is_heading)
            if heading:
                if not targets and not deadlines:
                    continue
                sent_ordinal = 0
            else:
                ordinal += 1
                sent_ordinal = ordinal
                if not targets and not deadlines:
                    if fi < n_filler and filler_hints[fi] < s:
                        fi = bisect_left(filler_hints, s, fi)
                    # Matched in place (the bounds act as the sentence's ends for ``$``), not on a copy.
                    if (
                        closing
                        or e - s < 6
                        or (norm.startswith(_FILLER_STARTS, s, e) and _FILLER_OPENING.match(norm, s, e))
                        or (fi < n_filler and filler_hints[fi] < e and _FILLER_INSIDE.search(norm, s, e))
                    ):
                        continue
            if len(out) >= max_tasks:
                # Stop at the cap rather than build (and later store and show) every task.
                raise too_large(f"超过 {max_tasks:,} 项任务")
            sentence = text[s:e]
            add_sentence(sentence)
            add_theme(theme_text)
            add_words(words)
            # A heading's own words are all it is suggested by.
            add_context(None if heading else (theme_words, part_words))
            out.append(
                (
                    id_prefix,
                    sec.number,
                    part_number,
                    sent_ordinal,
                    theme_text,
                    s,
                    e,
                    plan_year,
                    targets,
                    deadlines,
                    sentence_places,
                )
            )


def _deadline_info(text: str, d: Deadline) -> DeadlineInfo:
    return {
        "text": text[d.start : d.end],
        "date": d.date.isoformat(),
        "kind": d.kind,
        "start": d.start,
        "end": d.end,
    }


def _main_deadline(deadlines: list[Deadline]) -> Deadline | None:
    """The task's due date: the last "by" date ("上半年完成X，年底前完成Y" is done at the year's
    end); a task with only "from" dates (7月1日起施行) keeps its first."""
    for d in reversed(deadlines):
        if d.kind == "by":
            return d
    return deadlines[0] if deadlines else None


_CLAUSE_MARK = re.compile(r"[，；：。！？]")


def _milestone_spans(norm: str, start: int, end: int, deadlines: list[Deadline]) -> list[tuple[int, int]]:
    """The part of the sentence each deadline governs: one deadline, the whole sentence; several,
    from the clause each one opens on to the clause the next one opens on ("上半年完成X，" |
    "年底前完成Y。")."""
    if len(deadlines) < 2:
        return [(start, end)] * len(deadlines)
    cuts = [start]
    for d in deadlines[1:]:
        cut = d.start  # two deadlines in one clause: split at the second
        for m in _CLAUSE_MARK.finditer(norm, cuts[-1], d.start):
            cut = m.end()
        cuts.append(max(cut, cuts[-1]))
    cuts.append(end)
    spans = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        while a < b and norm[a] == " ":
            a += 1
        spans.append((a, b))
    return spans
