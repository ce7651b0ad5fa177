"""A short title for a task: its action and object, drawn from the commitment's own words.

"推进“证照分离”改革全覆盖，新设企业“一天办结”。" → "推进“证照分离”改革全覆盖".  The title is the
first clause that commits to something (a framing clause such as "到“十四五”末，" or "同时，"
is passed over), without a pronoun subject (我省将…), shortened at a boundary the text itself
marks — a clause end, an enumeration comma, a conjunction, a quotation — so no word is cut in
half; a long list keeps its first item and its noun ("建设杂粮、…、淡水鱼等特优种养基地" →
"建设杂粮等特优种养基地").  No trailing punctuation, quotes balanced, at most ``MAX_TITLE``
characters.  The full sentence stays the item's body.
"""

from __future__ import annotations

import re

MAX_TITLE = 30  # a hard limit
GOOD_TITLE = 24  # what a shortened title aims for
MIN_TITLE = 6  # a shorter cut says too little; a longer boundary is looked for

# A first clause of at most GOOD_TITLE characters, no quotation, then a clause mark (or the end).
_PLAIN_FIRST = re.compile(r"([^，；：。！？,;:!?“”「」『』 ]{2,24})(?:[，；：。！？,;:!?]|$)")
_MARKS = re.compile(r"[，；：。！？,;:!?“”「」『』]")
_LEADING_MARK = re.compile(
    r"^\s*(?:（[一二三四五六七八九十\d]{1,3}）|[一二三四五六七八九十]{1,3}[、.]|\d{1,2}[.、](?!\d)|[一二三四五六七八九十]是)\s*"
)
# A clause that frames the commitment rather than states it.
_FRAME = re.compile(
    r"^(?:到|至|在|经过|按照|围绕|通过|对照|对于|为此|为了|同时|此外|其中|另外|今年|明年|全年|当前|目前|下一步"
    r"|届时|(?:19|20)\d\d年|“?十[一二三四五六七八九]?五”?"
    r"|以\S{1,20}为(?:导向|重点|牵引|抓手|主线|核心|目标|引领|支撑|载体|突破口))"
)
# A pronoun subject and a modal before the action (我省将加快…, 我们要…).
_SUBJECT = re.compile(
    r"^(?:我们|我省|我市|我区|我县|全省|全市|全区|全县|各级政府|政府)?(?:要|将|须|必须|需要|还要|将要)(?=\S{4})"
)
# Either, in one test: the common case is a sentence that opens on neither.
_FRAME_OR_SUBJECT = re.compile(f"(?:{_FRAME.pattern})|(?:{_SUBJECT.pattern})")
# The common case in one match on the sentence as written: no blank before its first clause
# mark (so collapsing blanks could not change it), no leading number, no frame or subject, a
# short first clause without quotes.  Anything else takes the long way below, which gives the
# same title here whenever this matches.
_FAST = re.compile(
    r"(?![一二三四五六七八九十\d（])(?!" + _FRAME_OR_SUBJECT.pattern + r")"
    r"([^\s，；：。！？,;:!?“”「」『』]{2,24})(?:[，；：。！？,;:!?]|\Z)"
)
_TRAILING = "，。；：！？、,.;:!? 　"
# Characters that begin a word where the text marks a boundary: a cut goes right before them.
_CONNECTIVES = "和与及并"
_CUT_MARKS = re.compile(f"[“”、{_CONNECTIVES}]")
# Two-character words that end in a connective: cutting before their second character would
# split them (参与, 涉及, 共和).
_NOT_CUT = frozenset(
    "参与 给与 涉及 普及 以及 危及 顾及 波及 共和 温和 总和 缓和 饱和 调和 并非 合并 兼并 吞并".split()
)


def short_title(text: str, theme: str = "") -> str:
    """The task's title, at most ``MAX_TITLE`` characters; ``theme`` (the paragraph's heading
    sentence) is the fallback when the commitment itself offers no boundary."""
    fast = _FAST.match(text)
    if fast is not None:
        return fast.group(1)
    return _long_title(text, theme)


def short_titles(texts: list[str], themes: list[str]) -> list[str]:
    """``short_title`` of each text with its theme, in one loop (a report's few hundred tasks
    spare a call each)."""
    fast = _FAST.match
    out: list[str] = []
    add = out.append
    for text, theme in zip(texts, themes, strict=True):
        m = fast(text)
        add(m.group(1) if m is not None else _long_title(text, theme))
    return out


def _long_title(text: str, theme: str) -> str:
    """``short_title`` without the one-match shortcut (which must agree with it)."""
    body = _LEADING_MARK.sub("", " ".join(text.split()))
    first = _PLAIN_FIRST.match(body)
    if first is not None and not _FRAME_OR_SUBJECT.match(body):
        return first.group(1)  # the common case: a short first clause without quotes
    first_clause = _commitment_clause(body)
    if first_clause is None:
        return _tidy(body[:MAX_TITLE])
    clause = _SUBJECT.sub("", first_clause)
    if len(clause) > GOOD_TITLE:
        clause = _elide_list(clause)
    if len(clause) <= GOOD_TITLE:
        return _tidy(clause)
    cuts = _cuts(clause)
    if len(clause) <= MAX_TITLE and not any(MIN_TITLE <= c <= GOOD_TITLE for c in cuts):
        return _tidy(clause)  # no inner boundary: the whole clause fits
    cut = _boundary(cuts)
    if cut is not None:
        return _tidy(clause[:cut])
    t = _tidy(theme)
    if t and len(t) <= MAX_TITLE:
        return t
    # Last resort: before a 的 (a word of its own), else the limit.
    de = clause.rfind("的", MIN_TITLE, MAX_TITLE + 1)
    while de > 0 and clause[de - 1 : de + 1] == "目的":
        de = clause.rfind("的", MIN_TITLE, de)
    return _tidy(_balanced(clause[: de if de > 0 else MAX_TITLE]))


def _commitment_clause(body: str, limit: int = 8) -> str | None:
    """Of the first ``limit`` clauses (the title never looks further), the first that commits to
    something — a framing clause of at most 16 characters is passed over — or else the last;
    None when they are all blank.  Quotation marks do not split (“坚持‘三对’，…”); only the
    marks are visited, not every character, and no clause after the chosen one is looked at
    (whether a clause frames depends on it alone, so the first that does not is the answer as
    soon as it is cut out)."""
    found: str | None = None
    depth = 0
    start = 0
    seen = 0
    for m in _MARKS.finditer(body):
        ch = m.group()
        if ch in "“「『":
            depth += 1
        elif ch in "”」』":
            depth = max(0, depth - 1)
        elif depth == 0:
            clause = body[start : m.start()].strip()
            start = m.end()
            seen += 1
            if clause:
                found = clause
                if not (len(clause) <= 16 and _FRAME.match(clause)):
                    return clause
            if seen >= limit:
                return found
    clause = body[start:].strip()
    return clause or found


def _elide_list(clause: str) -> str:
    """ "建设杂粮、中药材、…、淡水鱼等特优种养基地" → "建设杂粮等特优种养基地"."""
    first = _outside_quotes_index(clause, "、")
    if first < 0:
        return clause
    etc = clause.find("等", first)
    if etc < 0 or "、" in clause[etc:]:
        return clause
    short = clause[:first] + clause[etc:]
    return short if len(short) >= MIN_TITLE else clause


_QUOTES_AND: dict[str, re.Pattern[str]] = {}


def _outside_quotes_index(s: str, ch: str) -> int:
    """The first ``ch`` outside quotation marks, or -1; only the marks and ``ch`` are visited."""
    depth = 0
    marks = _QUOTES_AND.get(ch)
    if marks is None:
        marks = _QUOTES_AND[ch] = re.compile(f"[“”{re.escape(ch)}]")
    for m in marks.finditer(s):
        c = m.group()
        if c == "“":
            depth += 1
        elif c == "”" and depth:
            depth -= 1
        elif c == ch and depth == 0:
            return m.start()
    return -1


def _cuts(clause: str) -> list[int]:
    """Positions where the clause may be cut without splitting a word or a quotation."""
    out: list[int] = []
    depth = 0
    for m in _CUT_MARKS.finditer(clause):
        i = m.start()
        ch = m.group()
        if ch == "“":
            if depth == 0 and i:
                out.append(i)
            depth += 1
        elif ch == "”":
            if depth:
                depth -= 1
                if depth == 0:
                    out.append(i + 1)
        elif depth:
            continue
        elif ch == "、":
            out.append(i)
        elif i and clause[i - 1 : i + 1] not in _NOT_CUT and clause[i : i + 2] not in _NOT_CUT:
            out.append(i)  # a connective that begins a word (和, 与, 及, 并)
    return out


def _boundary(cuts: list[int]) -> int | None:
    fits = [c for c in cuts if MIN_TITLE <= c <= GOOD_TITLE]
    if fits:
        return max(fits)
    longer = [c for c in cuts if GOOD_TITLE < c <= MAX_TITLE]
    return min(longer) if longer else None


def _balanced(s: str) -> str:
    """Drop an opened quotation that the cut left unclosed."""
    depth = 0
    last_open = -1
    for i, ch in enumerate(s):
        if ch == "“":
            if depth == 0:
                last_open = i
            depth += 1
        elif ch == "”" and depth:
            depth -= 1
    return s[:last_open] if depth and last_open >= MIN_TITLE else s


def _tidy(s: str) -> str:
    s = s.strip().rstrip(_TRAILING).strip()
    while s and s[-1] in _TRAILING:
        s = s[:-1]
    return s
