"""Quantitative targets in a plan sentence: "新认定高新技术企业1000家", "增长5%以上".

A target is a committed number with a unit.  The scan finds numeral anchors with one compiled
regex, reads what follows (multiplier, 余/多, unit, 以上/以内/左右) with a second regex anchored
at the anchor, then judges the anchor by its neighbours: years, dates, ages, numbering, digits
inside names (5G, “1331”, 4+1, G60, PM2.5), anniversaries, policy counts (“30条”) and Chinese-numeral
set labels (十大…, 三大板块, 千亿级) are not targets.  Every offset is absolute into the text passed in.

The scanner never loops over characters in Python: the cost is one regex pass over the range
plus constant work per numeral anchor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from duban.workplan.numbers import (
    MAX_CHINESE_NUMERAL,
    MAX_DIGITS,
    apply_multiplier,
    chinese_to_int,
    parse_arabic,
)


@dataclass(frozen=True, slots=True)
class Target:
    text: str
    indicator: str
    value: int | float
    value_max: int | float | None
    unit: str
    comparator: str  # "=", ">=", "<=", "~", "range"
    start: int
    end: int


# Units as reports write them.  Longest first so 个百分点 wins over 个, 千瓦时 over 千瓦.
_COUNT_UNITS = [
    "个百分点",
    "百分点",
    "%",
    "‰",
    "家",
    "人次",
    "万人次",
    "人",
    "名",
    "台",
    "座",
    "个",
    "户",
    "平方公里",
    "平方米",
    "立方米",
    "公里",
    "千米",
    "米",
    "公顷",
    "亩",
    "所",
    "套",
    "美元",
    "元",
    "件",
    "项",
    "条",
    "辆",
    "张",
    "处",
    "间",
    "头",
    "只",
    "艘",
    "架",
    "标准箱",
    "标箱",
    "吨",
    "千瓦时",
    "千瓦",
    "兆瓦",
    "吉瓦",
    "度",
    "公斤",
    "千克",
    "斤",
    "栋",
    "幢",
    "床",
    "人次",
    "次",
    "场",
    "倍",
    "部",
    "块",
    "株",
    "棵",
    "口",
    "眼",
    "宗",
    "笔",
    "份",
    "种",
    "支",
    "批",
    "市",
    "县",
    "镇",
    "乡",
    "村",
]
_TIME_UNITS = ["个工作日", "工作日", "个月", "小时", "分钟", "年", "天", "日"]
_ALL_UNITS = sorted(set(_COUNT_UNITS + _TIME_UNITS), key=len, reverse=True)
_TIME_UNIT_SET = frozenset(_TIME_UNITS)
# A rate written after the unit: 立方米/日, 元/吨.
_PER = r"(?:/(?:日|天|年|月|小时|人|亩|吨|千瓦时|平方米|立方米|秒))?"

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CHINESE = r"[〇零一二两三四五六七八九十百千]+"

# Numeral anchors.  Arabic digit runs are matched whole (so a long run is one anchor, not many).
_ANCHOR = re.compile(rf"(?P<ar>{_ARABIC})|(?P<cn>{_CHINESE})")

# What follows a number: 余/多, multiplier, 余/多, unit (+ rate), then a bound word.
_TAIL = re.compile(
    r"(?P<yu1>余|多)?(?P<mult>万亿|亿|万)?(?P<yu2>余|多)?"
    rf"(?P<unit>{'|'.join(re.escape(u) for u in _ALL_UNITS)}){_PER}"
    r"(?P<post>以上|以下|以内|之内|左右|上下|内)?"
)
# The second half of a range right after the first number (and its optional unit): -70%, 至5.5%.
_RANGE2 = re.compile(rf"\s*(?:-|~|至|到)\s*(?P<num>{_ARABIC})")

# Words before a number that set the comparator.  Checked in the short window before the anchor.
_PRE_GE = re.compile(r"(?:超过|突破|至少|不低于|不少于|不小于|高于|多于|大于|超|逾)$")
_PRE_LE = re.compile(r"(?:不超过|不高于|不多于|不大于|低于|少于|小于|控制在|压减至|压缩至|降至|降到)$")
_PRE_APPROX = re.compile(r"(?:约|大约|近|接近|将近)$")
# Shared-verb chains: "分别增长8%和8%以上" — allow a few words between the marker and the number.
_PRE_WINDOW = 4

# Chinese numerals count only with these measure words, and only after a commitment verb.
_CN_COUNT_UNITS = frozenset("个家所座项件户名条处台套")
_CN_VERB = re.compile(
    r"(?:新建|建设|建成|培育|打造|新增|完成|实施|创建|认定|新认定|布局|设立|新设|开工|改造|提升|引进|招引|举办|办好)$"
)
# After the unit: things that make the number a label rather than a count.
_CN_LABEL_NEXT = re.compile(r"[〇零一二两三四五六七八九十百千万亿大级类化型方]")
_AFTER_COUNT_POLICY = re.compile(r"(?:政策|措施|举措|意见|规定|条例|”|\")")

_NAME_CHARS = re.compile(r"[A-Za-z+＋]")
_CLAUSE_BOUNDARY = re.compile(r"[，。；：、！？（）“”\n]")
_LEAD_NOISE = re.compile(
    r"^(?:全年|今年|全省|全市|全区|全县|全国|力争|确保|努力|争取|再|新|累计|共|分别|进一步|继续|持续|加快|推动|"
    r"实现|完成|新增|新建|建设|建成|培育|开工|推进|认定|新认定|筹集|开展|打造|启动|实施|支持|引导|带动|"
    r"整村分类推进|其中)+"
)
_TRAIL_VERB = re.compile(
    r"(?:分别)?(?:增长|增加|提高|提升|下降|降低|减少|达到|达|突破|超过|控制在|保持在|稳定在|"
    r"不低于|不少于|不超过|至少|约|为|在|新增|新建|净增|再|累计|比上年)+$"
)
_GROWTH_VERB = re.compile(r"(?:增长|增加|提高|下降|降低)$")


def _comparator(norm: str, lo: int, anchor: int, post: str | None, yu: bool, rng: bool) -> str:
    if rng:
        return "range"
    if post in ("左右", "上下"):
        return "~"
    if post == "以上":
        return ">="
    if post in ("以下", "以内", "之内", "内"):
        return "<="
    if yu:
        return ">="
    window_start = max(lo, anchor - 6)
    before = norm[window_start:anchor]
    # Stop at the nearest clause boundary: markers never reach across a comma.
    cut = max(before.rfind("，"), before.rfind("、"), before.rfind("；"))
    if cut >= 0:
        before = before[cut + 1 :]
    if _PRE_APPROX.search(before):
        return "~"
    if _PRE_LE.search(before):
        return "<="
    if _PRE_GE.search(before):
        return ">="
    return "="


def _indicator(norm: str, lo: int, anchor: int, tail_end: int, hi: int) -> str:
    """A short name for what is counted: the noun phrase before the number, or the one after."""
    # Back to the clause start.
    seg_start = anchor
    floor = max(lo, anchor - 40)
    while seg_start > floor and not _CLAUSE_BOUNDARY.match(norm, seg_start - 1):
        seg_start -= 1
    before = norm[seg_start:anchor]
    growth = bool(_GROWTH_VERB.search(before))
    before = _TRAIL_VERB.sub("", before)
    before = _LEAD_NOISE.sub("", before)
    if len(before) >= 2:
        return before + ("增速" if growth and not before.endswith(("率", "幅")) else "")
    # Count-before-noun ("建设10座智能化示范煤矿"): the noun runs to the next boundary.
    m = _CLAUSE_BOUNDARY.search(norm, tail_end, min(hi, tail_end + 40))
    after = norm[tail_end : m.start() if m else min(hi, tail_end + 40)]
    return after or before


def find_targets(norm: str, start: int, end: int) -> list[Target]:
    """Quantitative targets in ``norm[start:end]`` (``norm`` is the normalised full text)."""
    start = max(0, start)
    end = min(len(norm), end)
    out: list[Target] = []
    pos = start
    while True:
        m = _ANCHOR.search(norm, pos, end)
        if m is None:
            break
        pos = m.end()
        a0 = m.start()
        chinese = m.group("cn") is not None
        tok = m.group(0)
        if chinese:
            if len(tok) > MAX_CHINESE_NUMERAL:
                continue
            value: int | float | None = chinese_to_int(tok)
        else:
            if len(tok.replace(",", "").replace(".", "")) > MAX_DIGITS:
                continue
            value = parse_arabic(tok)
        if value is None:
            continue
        prev = norm[a0 - 1] if a0 > start else ""
        # Digits inside names: 5G, P3, G60, PM2.5, “4+1”, “1331”, 第N.
        if prev and (_NAME_CHARS.match(prev) or prev in '第“"-.~'):
            continue
        t = _TAIL.match(norm, m.end(), end)
        value_max: int | float | None = None
        rng = False
        if t is None:
            # A range may carry its unit only once: 60-70%, 3至5个.
            r = _RANGE2.match(norm, m.end(), end)
            if r is None or chinese:
                continue
            t = _TAIL.match(norm, r.end(), end)
            if t is None or t.group("mult") or t.group("yu1") or t.group("yu2"):
                continue
            value_max = parse_arabic(r.group("num"))
            if value_max is None:
                continue
            rng = True
        unit = t.group("unit")
        unit_end = t.end("unit")
        nxt = norm[t.end()] if t.end() < end else ""
        if _NAME_CHARS.match(nxt) if nxt else False:
            continue
        mult = t.group("mult") or ""
        tail_end = t.end()
        if not rng and not chinese:
            r = _RANGE2.match(norm, t.end(), end)
            if r is not None and t.group("post") is None:
                t2 = _TAIL.match(norm, r.end(), end)
                if t2 is not None and t2.group("unit") == unit and (t2.group("mult") or "") == mult:
                    vm = parse_arabic(r.group("num"))
                    if vm is not None:
                        value_max = apply_multiplier(vm, mult)
                        rng = True
                        t = t2
                        tail_end = t2.end()
                        nxt = norm[tail_end] if tail_end < end else ""
            elif rng is False:
                pass
        elif rng and value_max is not None:
            value_max = apply_multiplier(value_max, mult)
        post = t.group("post")
        unit_text = norm[t.start("unit") : t.end() - (len(post) if post else 0)]
        if not _accept(
            norm, start, end, a0, m.end(), value, unit, unit_text, mult, post, nxt, chinese, tail_end
        ):
            continue
        # Years written as 2021年 and anniversaries (100周年) were refused above; dates never reach
        # here because 月 is not a unit.
        yu = bool(t.group("yu1") or t.group("yu2") or post is None and nxt in ("余", "多"))
        comparator = _comparator(norm, start, a0, post, yu, rng)
        folded = apply_multiplier(value, mult)
        span_end = tail_end
        span_start = _span_start(norm, start, a0)
        out.append(
            Target(
                text=norm[span_start:span_end],
                indicator=_indicator(norm, start, a0, tail_end, end),
                value=folded,
                value_max=value_max,
                unit=unit_text,
                comparator=comparator,
                start=span_start,
                end=span_end,
            )
        )
        pos = max(pos, tail_end)
        del unit_end
    return out


def _span_start(norm: str, lo: int, anchor: int) -> int:
    s = anchor
    floor = max(lo, anchor - 30)
    while s > floor and not _CLAUSE_BOUNDARY.match(norm, s - 1):
        s -= 1
    return s


def _accept(
    norm: str,
    lo: int,
    hi: int,
    a0: int,
    a1: int,
    value: int | float,
    unit: str,
    unit_text: str,
    mult: str,
    post: str | None,
    nxt: str,
    chinese: bool,
    tail_end: int,
) -> bool:
    after = norm[tail_end : min(hi, tail_end + 4)]
    if unit in _TIME_UNIT_SET:
        # 2021年 is a year, 100周年 an anniversary (周 is not a unit, so it is refused by _TAIL
        # not matching only when written 周年; check here).
        if unit == "年" and not mult and isinstance(value, int) and 1900 <= value <= 2100:
            return False
        # Durations count only as a stated limit or extension, not as part of a name
        # (“15分钟生活圈”, 三年行动, 3年内).
        if nxt and not _is_clause_end(nxt) and post is None:
            return False
        if unit in ("日", "天") and a0 > lo and norm[a0 - 1] == "月":
            return False
    if chinese:
        if unit not in _CN_COUNT_UNITS or value < 2 or mult:
            return False
        if nxt and _CN_LABEL_NEXT.match(nxt):
            return False
        window = norm[max(lo, a0 - 4) : a0]
        if not _CN_VERB.search(window):
            return False
    if unit == "条" and (_AFTER_COUNT_POLICY.match(after) or (nxt == "" or _is_clause_end(nxt)) and not post):
        # “30条”, 民营经济32条: a policy document's article count, not a target — unless a
        # verb states it (达到15条).
        window = norm[max(lo, a0 - 3) : a0]
        if not re.search(r"(?:达到|达|新增|新建|建成|开通|新开|增加)$", window):
            return False
    if post == "以上" and nxt and not _is_clause_end(nxt) and nxt not in "和或及、":
        # "10亿元以上项目": a size class that qualifies the noun after it.
        return False
    return True


def _is_clause_end(ch: str) -> bool:
    return ch in "，。；：、！？）”\n "
