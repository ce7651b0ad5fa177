"""Explicit deadlines in a plan sentence: 8月底前, 7月1日起, 年内, 上半年, 到“十四五”末, 到2030年, 届时.

Dates, by form (the year is ``plan_year`` unless the text names one, or says 明年):

* X月底前 / X月末 → the last day of month X; X月Y日前 → that day; X月上/中/下旬 → the 10th, 20th,
  last day; X月前 → the day before month X starts.
* X月Y日起 / X月起 / 2027年起 / 明年开始 → kind "from", that day (or the first of the month/year).
* 年内 / 年底前 / 今年底 → 12-31; 上半年 → 06-30, 下半年 → 12-31; 一季度(末) … 四季度 → quarter ends.
* 到“十四五”末 / “十五五”期末 → the plan's last year, 12-31; 到2030年 / 2030年底前 / 力争2030年建成
  → 2030-12-31.
* 届时 → the date of the deadline just before it (``previous``, then the ones found in the range).

Not deadlines: vague words (尽快, 早日, 适时, 按期, 今年, 全年), durations (五年内, 3年内),
baselines (比2025年底, 较上半年, 提高到2025年的…), approximate years (2028年前后).
One compiled alternation finds every candidate; each branch maps to a date by a small rule.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from duban.workplan.numbers import chinese_to_int, five_year_plan_end


@dataclass(frozen=True, slots=True)
class Deadline:
    text: str
    date: datetime.date
    kind: str  # "by" | "from"
    start: int
    end: int


_M = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_D = r"(?:3[01]|[12]\d|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_Q = r"[一二三四1-4]"

# Every form holds one of 月年季末届 at most this many characters after its start: the 末 of
# 到“十四五”时期末 is the ninth after 到, and the plan number may be one character longer.
_HINT_REACH = 9
_PATTERN = re.compile(
    # Every form starts with one of these characters; the lookahead lets the engine skip the
    # other positions without trying each branch.
    r"(?=[0-9一二三四五六七八九十明今年上下第到至“\"届自从])(?<!\d)"
    # Most such positions (一, 上, 到 …) have no 月年季末届 close enough after them to start a
    # deadline: one short scan rejects them before the twelve forms are tried in turn.
    rf"(?=[^\n]{{0,{_HINT_REACH}}}[月年季末届])(?:"
    + "|".join(
        [
            # 2021年7月底前 / 明年3月底前 / 8月底前 / 8月底 / 8月末
            rf"(?P<md>(?:(?P<md_y>(?:19|20)\d\d)年|(?P<md_next>明年))?(?P<md_m>{_M})月(?:底|末)(?:前|之前)?)",
            # 7月1日起 / 自7月1日起 / 7月1日前
            rf"(?P<day>(?:(?P<day_y>(?:19|20)\d\d)年|(?P<day_next>明年))?(?P<day_m>{_M})月(?P<day_d>{_D})[日号]"
            r"(?P<day_k>前|之前|起|开始|以前))",
            # 3月中旬前 / 5月下旬 (a third of a month: the 10th, the 20th, the month's end)
            rf"(?P<xun>(?:(?P<xun_y>(?:19|20)\d\d)年|(?P<xun_next>明年))?(?P<xun_m>{_M})月(?P<xun_w>上|中|下)旬(?:前|之前)?)",
            # 6月前 / 6月份前 (before the month starts)
            rf"(?P<mb>(?P<mb_m>{_M})月(?:份)?(?:前(?!后)|之前))",
            # 7月起 (from the first of the month)
            rf"(?P<mf>(?:自|从)?(?P<mf_m>{_M})月(?:份)?起)",
            # 年内 / 年底前 / 今年底 / 今年年底前 / 年末
            r"(?P<ye>(?:今年)?年(?:内|底前|底之前|末前|底|末)|今年底前?)",
            # 上半年 / 下半年
            r"(?P<half>(?:(?P<half_y>(?:19|20)\d\d)年|(?P<half_next>明年))?(?P<half_w>上|下)半年)",
            # 一季度末 / 第一季度 / 三季度末前
            rf"(?P<q>(?:(?P<q_y>(?:19|20)\d\d)年|(?P<q_next>明年))?第?(?P<q_n>{_Q})季度(?:末|底)?(?:前)?)",
            # 到“十四五”末 / “十四五”期末 / 十五五末
            r"(?P<fyp>(?:到|至)?[“\"]?(?P<fyp_n>[一二三四五六七八九十]{1,3}五)[”\"]?(?:时期|期)?末)",
            # 到2030年(底) / 2030年前 / 2025年底前
            r"(?P<yr>(?:(?:到|至)(?P<yr_y1>(?:19|20)\d\d)年(?:底|末)?(?:前)?(?!的))"
            r"|(?:(?P<yr_y2>(?:19|20)\d\d)年(?:底前|底|末|前(?!后)|以前))"
            # 力争2027年建成: a year right before a completion verb
            r"|(?:(?P<yr_y3>(?:19|20)\d\d)年(?=(?:基本|全面|率先|初步|如期|要)?"
            r"(?:建成|完成|实现|投运|投用|通车|竣工|达到|达标|消除|退出|取消|覆盖))))",
            # 2027年起 / 明年起: from the first day of that year
            r"(?P<yf>(?:自|从)?(?:(?P<yf_y>(?:19|20)\d\d)年|明年)(?:开始|起))",
            # 届时: the date set just before
            r"(?P<then>届时)",
        ]
    )
    + ")"
)
DEADLINE_PATTERN = _PATTERN
# Every form above holds one of these characters (月, 年, 季度, 末, 届时): a text without any has no
# deadline, and a single-class scan finds them twenty times faster than the pattern itself.
DEADLINE_HINT = re.compile(r"[月年季末届]")

_BASELINE_BEFORE = frozenset("比较从由与同")
# Not a deadline when these come right before: 五年内 / 3年内 (a duration), 近年内.
_DURATION_BEFORE = re.compile(r"[0-9〇零一二两三四五六七八九十百几多近]$")


def _month_num(s: str) -> int | None:
    if s.isdigit():
        n = int(s)
    else:
        v = chinese_to_int(s)
        if v is None:
            return None
        n = v
    return n if 1 <= n <= 12 else None


def _last_day(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def find_deadlines(
    norm: str, start: int, end: int, *, plan_year: int | None, previous: Deadline | None = None
) -> list[Deadline]:
    """Deadlines in ``norm[start:end]``; ``previous`` is the last deadline before this range
    (what 届时 refers to). Without a plan year (the text names none) nothing can be dated."""
    if plan_year is None:
        return []
    start = max(0, start)
    end = min(len(norm), end)
    out: list[Deadline] = []
    last = previous
    for m in _PATTERN.finditer(norm, start, end):
        d = _resolve(norm, m, start, plan_year, last)
        if d is None:
            continue
        out.append(d)
        last = d
    return out


def _resolve(
    norm: str, m: re.Match[str], lo: int, plan_year: int, previous: Deadline | None
) -> Deadline | None:
    s, e = m.start(), m.end()
    if s > lo and norm[s - 1] in _BASELINE_BEFORE:
        return None  # 比2025年底, 较上半年, 从2020年: a baseline, not a deadline
    text = norm[s:e]
    kind = "by"
    date: datetime.date | None = None
    try:
        if m.group("md"):
            month = _month_num(m.group("md_m"))
            if month is None:
                return None
            year = _year(m.group("md_y"), m.group("md_next"), plan_year)
            date = _last_day(year, month)
        elif m.group("day"):
            month = _month_num(m.group("day_m"))
            dd = m.group("day_d")
            day = int(dd) if dd.isdigit() else chinese_to_int(dd)
            if month is None or day is None:
                return None
            year = _year(m.group("day_y"), m.group("day_next"), plan_year)
            date = datetime.date(year, month, day)
            if m.group("day_k") in ("起", "开始"):
                kind = "from"
        elif m.group("xun"):
            month = _month_num(m.group("xun_m"))
            if month is None:
                return None
            year = _year(m.group("xun_y"), m.group("xun_next"), plan_year)
            w = m.group("xun_w")
            date = (
                _last_day(year, month) if w == "下" else datetime.date(year, month, 10 if w == "上" else 20)
            )
        elif m.group("mb"):
            month = _month_num(m.group("mb_m"))
            if month is None:
                return None
            # 6月前 = before June starts = end of May; 1月前 rolls back into the previous year.
            date = datetime.date(plan_year, month, 1) - datetime.timedelta(days=1)
        elif m.group("mf"):
            month = _month_num(m.group("mf_m"))
            if month is None:
                return None
            date = datetime.date(plan_year, month, 1)
            kind = "from"
        elif m.group("ye"):
            if s > lo and _DURATION_BEFORE.search(norm, max(lo, s - 1), s):
                return None
            date = datetime.date(plan_year, 12, 31)
        elif m.group("half"):
            if s > lo and _DURATION_BEFORE.search(norm, max(lo, s - 1), s):
                return None
            year = _year(m.group("half_y"), m.group("half_next"), plan_year)
            date = datetime.date(year, 6, 30) if m.group("half_w") == "上" else datetime.date(year, 12, 31)
        elif m.group("q"):
            qs = m.group("q_n")
            q = int(qs) if qs.isdigit() else chinese_to_int(qs)
            if q is None or not 1 <= q <= 4:
                return None
            date = _last_day(_year(m.group("q_y"), m.group("q_next"), plan_year), 3 * q)
        elif m.group("fyp"):
            y = five_year_plan_end(m.group("fyp_n"))
            if y is None:
                return None
            date = datetime.date(y, 12, 31)
        elif m.group("yr"):
            y = int(m.group("yr_y1") or m.group("yr_y2") or m.group("yr_y3"))
            if m.group("yr_y3") and y < plan_year:
                return None  # 2020年实现…: a past fact, not a deadline
            date = datetime.date(y, 12, 31)
        elif m.group("yf"):
            y = int(m.group("yf_y")) if m.group("yf_y") else plan_year + 1
            date = datetime.date(y, 1, 1)
            kind = "from"
        elif m.group("then"):
            if previous is None:
                return None
            date = previous.date
            kind = previous.kind
    except ValueError:
        # 2月30日 and the like: not a date.
        return None
    if date is None:
        return None
    return Deadline(text=text, date=date, kind=kind, start=s, end=e)


def _year(explicit: str | None, next_year: str | None, plan_year: int) -> int:
    if explicit:
        return int(explicit)
    if next_year:
        return plan_year + 1
    return plan_year
