"""Quantitative targets in a plan sentence: "新认定高新技术企业1000家", "增长5%以上".

A target is a committed number with a unit.  One compiled regex finds the numeral anchors; a
second one, anchored right after the numeral, reads the multiplier (万/亿), 余/多, the unit and a
bound word (以上/以内/左右).  The anchor is then judged by its neighbours, with rules for the
genre rather than for one report: years, dates, ages, numbering, digits inside names (5G,
“1331”, 4+1, G60, PM2.5), anniversaries, policy article counts (“30条”, 13条政策), size classes
(10亿元以上项目), counts of the plan's own parts (10个方面, 23个主要指标) and Chinese-numeral set
labels (十大…, 三大板块, 千亿级) are not targets.

Offsets are absolute into the text passed in.  The cost is one regex pass over the range plus
constant work per anchor; Chinese numerals are anchors only when a measure word follows, so the
common 一 of 一批/一体化 is never looked at twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from operator import attrgetter
from typing import NamedTuple

from duban.workplan.numbers import (
    MAX_CHINESE_NUMERAL,
    MAX_DIGITS,
    apply_multiplier,
    chinese_to_int,
    parse_arabic,
)


class Target(NamedTuple):
    # Immutable, as a frozen dataclass would be, and cheaper to make: a frozen dataclass sets
    # each of its eight fields through ``object.__setattr__`` (≈ 0.86 µs a target against ≈ 0.5).
    text: str
    indicator: str
    value: int | float
    value_max: int | float | None
    unit: str
    comparator: str  # "=", ">=", "<=", "~", "range"
    start: int
    end: int


def _alt(words: Iterable[str]) -> str:
    """A regex alternation, longest first (so 个百分点 wins over 个, 不低于 over 低于)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


# Measure words that count things.  A count before its noun (建设10座煤矿) is read the same way
# as after it (新认定企业1000家).
_CLASSIFIERS = frozenset(
    "个 家 所 座 项 件 户 名 位 条 处 台 套 辆 艘 架 批 种 类 支 部 门 列 例 期 场 间 张 头 只 栋 幢 床 块 株 棵 口 眼 宗 "
    "笔 份 对 起".split()
)
# Magnitudes: their 以上 before a noun is a size class (10亿元以上项目), not a target.
_MAGNITUDES = frozenset(
    "个百分点 百分点 % ‰ 人 人次 平方公里 平方米 立方米 公里 千米 米 公顷 亩 美元 元 吨 千瓦时 千瓦 兆瓦 吉瓦 "
    "度 公斤 千克 斤 标准箱 标箱 次 倍 微克 毫克 分/千瓦时 吨标准煤 吨标煤 兆瓦时 吉瓦时 海里 分贝 羽 "
    # Counts of trips and services: 每周300班次, 起降20万架次, 接待1.2亿人次.
    "班次 架次 航次 车次 户次 台次 辆次 件次 例次 吨公里 人公里 "
    # Units written in Latin letters (a following letter still marks a name: 5G, 3A级).
    "TEU GW MW kW KW kWh GWh km EFLOPS PFLOPS Gbps Mbps".split()
)
# Places counted as units of a pilot (开展1市、10县试点).
_PLACES = frozenset("市 县 镇 乡 村".split())
_TIME_UNITS = frozenset("个工作日 工作日 个月 小时 分钟 年 天 日".split())
# 岁 is a target only as a stated level (人均预期寿命达到79岁, 提高1岁); elsewhere an age bracket.
_AGE = frozenset(["岁"])
_UNITS = _CLASSIFIERS | _MAGNITUDES | _PLACES | _TIME_UNITS | _AGE
# People nouns that let a bare 万 count stand for 人 (为80万重点群体提供…, 30万以上参保孕产妇).
_PEOPLE = (
    "群众 群体 人员 人口 人才 学生 农民 工人 职工 居民 青年 老人 儿童 孕产妇 毕业生 劳动力 患者 残疾人 "
    "游客 旅客 妇女 劳动者 农民工 退役军人"
).split()

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN_NUMERAL = "〇零一二两三四五六七八九十百千"
_CN_COUNT_UNITS = "个家所座项件户名条处台套"
# Arabic runs are matched whole (a long run is one anchor).  Chinese numerals are anchors only
# when a count measure word follows (两个, 十所) — the only form the genre commits with.
# The lookbehind makes only the first character of a Chinese run a candidate start, and the
# possessive run never backtracks, so a long run of numerals costs one pass, not a quadratic one.
_ANCHOR = re.compile(
    # The first character is taken by a class (the engine skips to the next candidate in its own
    # loop), then the forms are told apart by it: the groups hold the rest of the numeral, and
    # only whether "cn" took part is read.
    rf"[\d{_CN_NUMERAL}]"
    rf"(?:(?<=\d)(?P<ar>\d*(?:,\d{{3}})*(?:\.\d+)?)"
    rf"|(?<![{_CN_NUMERAL}].)(?P<cn>[{_CN_NUMERAL}]*+)(?=[{_CN_COUNT_UNITS}]))"
)

# A rate written after the unit: 立方米/日, 元/吨.
_PER = r"(?:/(?:日|天|年|月|小时|人|亩|吨|千瓦时|平方米|立方米|秒|升))?"
_BOUND = r"(?P<post>以上|以下|以内|之内|左右|上下|内|[多余](?=[，。；、）\n]|$))?"
_UNIT_GROUP = (
    rf"(?:(?P<unit>{_alt(_UNITS)})"
    # 户次/场次 (a count of times), 套（间） (an alternative measure), a rate.
    rf"(?P<unit_x>次(?![数序])|（(?:{_alt(_UNITS)})）)?{_PER})?"
)
# Always matches (possibly empty) right after a numeral.
_TAIL = re.compile(rf"(?P<yu1>余|多)?(?P<mult>万亿|亿|万)?(?P<yu2>余|多)?{_UNIT_GROUP}{_BOUND}")
# The second half of a range: -70%, —5.5%, 至5个, ~8.
_RANGE2 = re.compile(rf"(?:-|~|至|到)(?P<num>{_ARABIC})")
# A bare 万 count of people: 30万以上参保孕产妇, 80万重点群体.
_PEOPLE_AFTER = re.compile(rf"(?P<post>以上|左右)?[\u4e00-\u9fff]{{0,4}}?(?:{_alt(_PEOPLE)})")

# Words right before a number that set the comparator; longest first, so 不低于 is ">=" and never
# its tail 低于.  A filler (达到/到/在/为) may stand between the word and the number.
_PRE_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ["超过", "突破", "至少", "不低于", "不少于", "不小于", "高于", "多于", "大于", "超", "逾"], ">="
    ),
    **dict.fromkeys(
        [
            "不超过",
            "不高于",
            "不多于",
            "不大于",
            "低于",
            "少于",
            "小于",
            "控制在",
            "压减至",
            "压缩至",
            "降至",
            "降到",
        ],
        "<=",
    ),
    **dict.fromkeys(["约", "大约", "近", "接近", "将近"], "~"),
}
# 预约/节约/制约/合约/约束 are not "about".
# Each word opens on its own first character and only then looks behind it, so the pattern opens
# on literals (the engine skips to their positions) rather than on the lookbehind.
_PRE = re.compile(
    "(?P<w>"
    + "|".join(
        re.escape(w[0]) + f"(?<![预节制合]{re.escape(w[0])})" + re.escape(w[1:])
        for w in sorted(_PRE_WORDS, key=lambda w: (-len(w), w))  # as ``_alt`` orders them
    )
    + ")(?:达到|达|到|在|为)?$"
)
_POST_CMP = {
    "多": ">=",
    "余": ">=",
    "以上": ">=",
    "以下": "<=",
    "以内": "<=",
    "之内": "<=",
    "内": "<=",
    "左右": "~",
    "上下": "~",
}

# Chinese numerals count only after a commitment verb (打造两个…, 新建十所…).
_CN_VERB = re.compile(
    "(?:"
    + _alt(
        "新建 建设 建成 培育 打造 新增 完成 创建 认定 新认定 布局 设立 新设 开工 改造 引进 招引 举办 办好 "
        "建立 组建 开通 新开".split()
    )
    + ")$"
)
# After a Chinese count: another numeral, 大/级/类/方面 make it a label (三个一号, 两个维护).
_CN_LABEL_NEXT = re.compile(rf"[{_CN_NUMERAL}万亿大级类化型]|方面|一")

# Characters around a numeral that make it part of a name.
_NAME_BEFORE = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+“"第-~./·•')
_NAME_AFTER = re.compile(r"[A-Za-z+]")
# Before a numeral: "the following N" (以下10个方面), or the start of a "from X to Y" pair whose X is
# a baseline (从2.77%提高到3.3%, 由2020年的10.5万元提高到…).
# Every form opens on a literal (从 and 由 each look behind themselves for 自), so the engine skips
# to their positions.
_LISTING_BEFORE = re.compile(
    r"(?:以下|如下|下列|下述|从(?<!自从)(?:\d{4}年(?:底|末)?的?)?|由(?<!自由)(?:\d{4}年(?:底|末)?的?)?)$"
)
# After a count: the plan's own parts, or a policy document's articles.
_PARTS_AFTER = re.compile(
    r"(?:方面|(?:主要|重点|约束性|预期性|核心)?指标|政策|措施|举措|意见|规定|条例|条款"
    # 连续12个季度: a streak, not a count.
    r"|季度|年度|星期|周)"
)
_AGE_VERB_BEFORE = re.compile(r"(?:达到|提高|提升|增加|延长|增长|到|至)(?:约)?$")
# A bare 万 count after a people noun: 城镇新增就业120万.
_PEOPLE_BEFORE = re.compile(
    r"(?:人口|人数|就业|人员|劳动力|人才|群众|职工|学生|游客)(?:达到|达|为|超过|突破|约|新增|增加)?$"
)
# A capacity or investment stated as an attribute of the noun after it: 年产30万吨乙烯项目,
# 总投资超50亿元项目.
_ATTR_BEFORE = re.compile(r"(?:年产|年处理|日处理|年吞吐|总投资|单体投资)(?:超|约|近)?$")
# …and, before 的, any measure of the noun (完成3000亿元的投资任务 stays a target).
_ATTR_DE_BEFORE = re.compile(
    r"(?:年产|年处理|日处理|年吞吐|投资|规模|面积|全长|总长|容量|产能|装机|营收|产值|总额)(?:超|约|近|达|为)?$"
)
_PERIOD_BEFORE = re.compile(r"(?:今后|未来|近|连续|过去|最近|前|后|这|每|满|第)$")
# 条 at the end of a clause is a count of articles (人才新政12条) unless a verb states it.
_POLICY_BEFORE = re.compile(r"(?:新政|政策|措施|举措|意见|办法|规定|条例|细则|经济|若干|稳增长|促消费)$")
_CLAUSE_BOUNDARY = re.compile(r"[，。；：、！？（）“”\n]")
# The noun after a count stops at a boundary or at the next number (10个强县和100个强镇).
# It also stops before the verb of the clause (11个市将全部实现…, 10件民生实事的基础上).
_NOUN_STOP = re.compile(
    r"(?=[，。；：、！？（）“”\n和及与或\d将要全实纳入达的等])"
    r"(?:[，。；：、！？（）“”\n]|[和及与或]?\d|将|要|全部|全面|实现|纳入|入选|达到|的|等(?=[，。；]))"
)
# Two values joined into one list: 1万家和2万家, 8%、9%.
_JOINED = re.compile(r"[和及与、]")
_CLAUSE_END_CHARS = frozenset("，。；：、！？）”\n ")
_AND_CHARS = frozenset("和或及、，。；！？）\n ")

_LEAD_NOISE = re.compile(
    "^(?:"
    + _alt(
        "全年 今年 全省 全市 全区 全县 全国 力争 确保 努力 争取 再 新培育 新引进 累计 共 分别 进一步 继续 持续 加快 推动 "
        "扎实 大力 积极 全面 稳步 有序 深入 着力 重点 即 "
        "实现 完成 新增 新建 建设 建成 培育 开工 推进 认定 新认定 筹集 开展 打造 启动 实施 支持 引导 带动 其中 "
        "整村分类推进 为 改建 扩建 改扩建 新改扩建 投用 建成投用 招引 发放 引进 组织 举办 拟 拟安排 安排 先 "
        "投入 争取 下达 改造 提升 培训 接待 开通 新开 新开工 创建".split()
    )
    + ")+"
)
_TRAIL_VERB_WORDS = (
    "分别 增长 增加 提高 提升 下降 降低 减少 达到 达 突破 超过 控制在 保持在 稳定在 不低于 不少于 不超过 "
    "至少 约 为 在 新增 新建 净增 再 累计 比上年 年均 共 拟 按 拟按 安排 拟安排 提高到 提升到 提升至 "
    "增至 增加到 达到 压减 压减至 压缩 压缩至 降至 降到 发行 完成 实现"
).split()
# Searched at every position of the words before a number: one verb, then any more, written so
# that the pattern opens on the verbs' literals, which the engine skips to (a leading repeat or
# lookahead would be tried at every position).
_TRAIL_VERB = re.compile("(?:" + _alt(_TRAIL_VERB_WORDS) + ")(?:" + _alt(_TRAIL_VERB_WORDS) + ")*$")
_GROWTH_VERB = re.compile(r"(?:增长|增加|提高|下降|降低)$")


def find_targets(norm: str, start: int, end: int) -> list[Target]:
    """Quantitative targets in ``norm[start:end]`` (``norm`` is the normalised full text)."""
    start = max(0, start)
    end = min(len(norm), end)
    out: list[Target] = []
    pos = start
    prev_clause_anchor = -1  # numeral start of the previous target (for shared indicators)
    prev_end = -1  # where the previous target's number ended
    prev_word_cmp = ""  # its comparator when a word before the number set it (超过, 不低于)
    while pos < end:
        m = _ANCHOR.search(norm, pos, end)
        if m is None:
            break
        pos = m.end()
        read = _read(norm, start, end, m, prev_clause_anchor)
        if read is None:
            continue
        found, consumed, word_cmp = read
        if (
            found.comparator == "="
            and not word_cmp
            and prev_word_cmp
            and _JOINED.fullmatch(norm, prev_end, m.start())
        ):
            # 分别超过1万家和2万家: the word before the first number bounds the second as well.
            found = found._replace(comparator=prev_word_cmp)
            word_cmp = prev_word_cmp
        out.append(found)
        prev_clause_anchor = m.start()
        prev_end = consumed
        prev_word_cmp = word_cmp
        pos = max(pos, consumed)
    # Most sentences with a hint hold one target or none (the seed: 55 in 58): 分别 needs two,
    # the special forms a hint of their own, and one target needs no sorting.
    if len(out) > 1:
        out = _respectively(norm, start, out)
    specials = _special_targets(norm, start, end)
    if specials:
        taken = [(t.start, t.end) for t in out]
        for special in specials:
            if not any(a < special.end and special.start < b for a, b in taken):
                out.append(special)
    if len(out) > 1:
        out.sort(key=_START_OF)
    return out


_START_OF = attrgetter("start")


_JOINER = re.compile(r"[和及与、]")
_GROWTH_SUFFIX = "增速"
# 城乡居民收入 is the statistics' two indicators, by their names.
_URBAN_RURAL_INCOME = frozenset(["居民收入", "居民人均收入", "居民人均可支配收入"])


def _respectively(norm: str, lo: int, found: list[Target]) -> list[Target]:
    """ "城乡居民收入分别增长8%和8%以上", "城镇调查失业率和登记失业率分别控制在5.5%和4.5%以内":
    the values of one clause joined by 分别 label one indicator each, in order."""
    out: list[Target] = []
    i = 0
    while i < len(found):
        j = i + 1
        while j < len(found) and found[j].start == found[i].start:
            j += 1
        group = found[i:j]
        labels = None
        s0 = group[0].start
        # A clause cut at 、 holds only the last names of a longer list (粮食、棉花和油料…).
        listed_before = s0 > lo and norm[s0 - 1] == "、"
        if len(group) >= 2 and "分别" in group[0].text and not listed_before:
            labels = _split_indicator(group[0].indicator, len(group))
        if labels is None:
            out.extend(group)
        else:
            out.extend(t._replace(indicator=label) for t, label in zip(group, labels, strict=True))
        i = j
    return out


def _split_indicator(name: str, n: int) -> list[str] | None:
    suffix = _GROWTH_SUFFIX if name.endswith(_GROWTH_SUFFIX) else ""
    base = name[: len(name) - len(suffix)]
    if n == 2 and base.startswith("城乡") and len(base) > 2:
        rest = base[2:]
        if rest in _URBAN_RURAL_INCOME:
            return ["城镇居民人均可支配收入" + suffix, "农村居民人均可支配收入" + suffix]
        return ["城镇" + rest + suffix, "农村" + rest + suffix]
    parts = _JOINER.split(base)
    if len(parts) != n or not all(parts):
        return None
    first, last = parts[0], parts[-1]
    heads = parts[:-1]
    if all(len(h) <= 2 for h in heads) and len(last) > len(first) + 2:
        # 城镇和农村居民人均可支配收入: the short heads share the last item's tail.
        tail = last[len(first) :]
        parts = [h + tail for h in heads] + [last]
    elif "人均" in last and not any("人均" in h for h in heads):
        # 居民医保和基本公共卫生服务经费人均财政补助标准: a per-head standard of each.
        tail = last[last.index("人均") :]
        parts = [h + tail for h in heads] + [last]
    return [p + suffix for p in parts]


# Targets written without digits: 百分之五, 三分之一, 翻一番 / 倍增, 进入全国前十.
_CN = "零〇一二两三四五六七八九十百"
_SPECIAL = re.compile(
    rf"百分之(?P<pct>[{_CN}]+(?:点[{_CN}]+)?)"
    rf"|(?P<den>[{_CN}]+)分之(?P<num>[{_CN}]+)"
    # A doubling is a target where the clause ends on it (收入倍增。), not in a name (倍增计划).
    r"|翻(?P<fan>一|两|三)番(?![\u4e00-\u9fff])|(?P<double>倍增)(?![\u4e00-\u9fff])"
    rf"|(?:进入|保持|位居|稳居|跻身|迈入)(?:全国|全球|世界|全省|全市|中西部|西部)?前(?P<rank>\d+|[{_CN}]+)(?:位|名|强)?"
)
_SPECIAL_POST = re.compile(r"以上|以下|以内|左右")


def _cn_decimal(text: str) -> float | None:
    whole, _, frac = text.partition("点")
    w = chinese_to_int(whole)
    if w is None:
        return None
    if not frac:
        return float(w)
    digits = [chinese_to_int(ch) for ch in frac]
    if any(d is None or d > 9 for d in digits):
        return None
    return float(f"{w}." + "".join(str(d) for d in digits))


# Every form of ``_SPECIAL`` holds one of these (百分之/分之, 翻, 倍增, 前): most sentences have none.
_SPECIAL_HINT = re.compile(r"[分翻倍前]")


def _special_targets(norm: str, lo: int, hi: int) -> list[Target]:
    out: list[Target] = []
    if _SPECIAL_HINT.search(norm, lo, hi) is None:
        return out
    for m in _SPECIAL.finditer(norm, lo, hi):
        value: int | float | None
        unit, comparator = "%", "="
        if m.group("pct"):
            value = _cn_decimal(m.group("pct"))
        elif m.group("den"):
            den, num = chinese_to_int(m.group("den")), chinese_to_int(m.group("num"))
            value = round(100 * num / den, 2) if den and num and num <= den else None
        elif m.group("fan") or m.group("double"):
            times = {"一": 1, "两": 2, "三": 3}.get(m.group("fan") or "一", 1)
            value, unit = 2**times, "倍"
        else:
            rank = m.group("rank")
            value = int(rank) if rank.isdigit() else chinese_to_int(rank)
            unit, comparator = "位", "<="
        if value is None or value <= 0:
            continue
        end = m.end()
        post = _SPECIAL_POST.match(norm, end, hi)
        if post is not None and unit != "位":
            comparator = _POST_CMP[post.group(0)]
            end = post.end()
        elif comparator == "=":
            comparator = _pre_comparator(norm, lo, m.start())
        seg_start = _clause_start(norm, lo, m.start())
        nxt = norm[end] if end < hi else ""
        indicator, span_end = _indicator(norm, hi, norm[seg_start : m.start()], end, nxt, unit)
        if unit in ("倍", "位"):
            span_end = end
        out.append(
            Target(
                text=norm[seg_start:span_end],
                indicator=indicator,
                value=value,
                value_max=None,
                unit=unit,
                comparator=comparator,
                start=seg_start,
                end=span_end,
            )
        )
    return out


def _read(norm: str, lo: int, hi: int, m: re.Match[str], prev_anchor: int) -> tuple[Target, int, str] | None:
    """The target at numeral anchor ``m``, where its number's tail ends, and the comparator a word
    before the number set ("" when none did), or None."""
    a0, a1 = m.start(), m.end()
    tok = m.group(0)
    chinese = m.group(2) is not None  # the group "cn" (groups by number: no name lookups)
    value: int | float | None
    if chinese:
        if len(tok) > MAX_CHINESE_NUMERAL:
            return None
        value = chinese_to_int(tok)
    else:
        if len(tok) > MAX_DIGITS + 6:
            return None
        value = parse_arabic(tok)
    if value is None:
        return None
    prev = norm[a0 - 1] if a0 > lo else ""
    if prev in _NAME_BEFORE:
        return None
    if _LISTING_BEFORE.search(norm, max(lo, a0 - 9), a0):
        return None

    t = _TAIL.match(norm, a1, hi)
    assert t is not None  # every group is optional
    yu1, mult, yu2, unit, unit_x, post = t.groups()
    mult = mult or ""
    tail_end = t.end()
    value_max: int | float | None = None
    implied_unit = ""

    if not chinese and post is None and not yu1 and not yu2:
        r = _RANGE2.match(norm, tail_end, hi)
        if r is not None:
            t2 = _TAIL.match(norm, r.end(), hi)
            assert t2 is not None
            yu1_2, mult2, yu2_2, unit2, unit_x2, post2 = t2.groups()
            mult2 = mult2 or ""
            vm = parse_arabic(r.group(1))
            # 60%-70%, 5%-5.5%, 60-70%, 3至5万人: the unit may be written once, at the end.
            if (
                vm is not None
                and unit2 is not None
                and (unit is None or (unit == unit2 and unit_x == unit_x2))
                and (mult == mult2 or (not mult and unit is None))
                and not yu1_2
                and not yu2_2
            ):
                mult = mult2
                value_max = apply_multiplier(vm, mult)
                t = t2
                yu1, yu2, unit, unit_x, post = yu1_2, yu2_2, unit2, unit_x2, post2
                tail_end = t2.end()

    if unit is None:
        if not mult:
            return None
        p = _PEOPLE_AFTER.match(norm, tail_end, hi)
        if p is not None:
            if post is None and p.group("post"):
                post = p.group("post")
                tail_end = p.end("post")
        elif not _PEOPLE_BEFORE.search(norm, max(lo, a0 - 8), a0):
            return None
        implied_unit = "人"
    nxt = norm[tail_end] if tail_end < hi else ""
    if nxt and _NAME_AFTER.match(nxt):
        return None  # 5G, 3A级
    if nxt and nxt in '”"':
        return None  # the end of a quoted name: “民营经济32条”, “1521工程”
    if unit is not None and not _accept(norm, lo, hi, a0, value, unit, mult, post, nxt, chinese, tail_end):
        return None

    if value_max is not None:
        comparator = "range"
    elif post is not None:
        comparator = _POST_CMP[post]
    elif yu1 or yu2:
        comparator = ">="
    else:
        comparator = _pre_comparator(norm, lo, a0)
    word_cmp = comparator if comparator != "=" and value_max is None and post is None else ""
    if yu1 or yu2:
        word_cmp = ""

    if implied_unit:
        unit_text = implied_unit
    else:
        unit_end = t.end(5) if unit_x else t.end(4)  # after "unit_x", else after "unit"
        unit_text = norm[t.start(4) : unit_end]
        per = norm[unit_end : t.end() - (len(post) if post else 0)]
        unit_text += per
    seg_start = _clause_start(norm, lo, a0)
    if prev_anchor >= seg_start:
        # A second value of a shared indicator (分别增长8%和8%以上): name it by the shared words.
        before = norm[seg_start:prev_anchor]
    else:
        before = norm[seg_start:a0]
    indicator, span_end = _indicator(norm, hi, before, tail_end, nxt, unit or implied_unit)
    target = Target(
        text=norm[seg_start:span_end],
        indicator=indicator,
        value=apply_multiplier(value, mult),
        value_max=value_max,
        unit=unit_text,
        comparator=comparator,
        start=seg_start,
        end=span_end,
    )
    return target, tail_end, word_cmp


def _accept(
    norm: str,
    lo: int,
    hi: int,
    a0: int,
    value: int | float,
    unit: str,
    mult: str,
    post: str | None,
    nxt: str,
    chinese: bool,
    tail_end: int,
) -> bool:
    if unit in _AGE:
        if (nxt and nxt not in _CLAUSE_END_CHARS) or not _AGE_VERB_BEFORE.search(norm, max(lo, a0 - 3), a0):
            return False
    if unit in _TIME_UNITS:
        if unit == "年" and not mult and isinstance(value, int) and 1900 <= value <= 2100:
            return False  # a year
        if unit in ("日", "天") and a0 > lo and norm[a0 - 1] == "月":
            return False  # a date
        # A duration counts only as a stated limit or extension at the end of its clause
        # (再延长30年, 压缩至3个工作日), not inside a name (“15分钟生活圈”, 用3年时间) and not as a
        # period (今后5年, 连续3年, 3年内).
        if nxt and nxt not in _CLAUSE_END_CHARS:
            return False
        if post == "内" and unit == "年":
            return False
        if _PERIOD_BEFORE.search(norm, max(lo, a0 - 2), a0):
            return False
    after = norm[tail_end : min(hi, tail_end + 5)]
    if after.startswith(("及以下", "及以上")):
        return False  # 关停10万千瓦及以下燃煤机组: the scope of a measure, not a target
    if post in ("内", "以内") and "\u4e00" <= nxt <= "\u9fff" and nxt not in _AND_CHARS:
        return False  # 轨道50米内换乘比例: a distance that scopes the indicator, not a limit
    if nxt == "的" and _ATTR_DE_BEFORE.search(norm, max(lo, a0 - 6), a0):
        return False  # 总投资100亿元的项目, 规模50亿元的基金: an attribute of the noun
    if (
        unit in _MAGNITUDES
        and post is None
        and "\u4e00" <= nxt <= "\u9fff"
        and _ATTR_BEFORE.search(norm, max(lo, a0 - 5), a0)
    ):
        return False
    if unit == "位" and (nxt == "数" or (a0 > lo and norm[a0 - 1] in "前后")):
        return False  # 全国前10位: a rank; 3位数增长: digits
    if nxt.isdigit():
        return False  # 1对1, 3比1: a ratio, not a count
    if nxt == "级":
        return False  # 30万吨级航道, 100亿级产业: a size class in a name
    if unit in _CLASSIFIERS and _PARTS_AFTER.match(after):
        return False  # 10个方面, 23个主要指标, 13条政策
    if unit == "条" and post is None and (not nxt or nxt in _CLAUSE_END_CHARS):
        if _POLICY_BEFORE.search(norm, max(lo, a0 - 3), a0):
            return False  # 人才新政12条, 民营经济32条: the articles of a policy, not routes or lines
    if chinese:
        if value < 2 or mult:
            return False
        if _CN_LABEL_NEXT.match(after):
            return False
        if not _CN_VERB.search(norm, max(lo, a0 - 4), a0):
            return False
    if post in ("以上", "以下") and nxt and nxt not in _AND_CHARS:
        # A count with 以上 before its noun is still a count (争取100个以上项目纳入…), and so is a
        # share (90%以上政务服务事项网上可办, 5%以上的增长); a magnitude before its noun is a size
        # class (10亿元以上项目, 300人以上企业, 100人以下企业).
        if unit in ("%", "个百分点", "百分点", "‰"):
            return True
        if unit not in _CLASSIFIERS or unit == "名":
            return False
    return True


def _pre_comparator(norm: str, lo: int, a0: int) -> str:
    before = norm[max(lo, a0 - 6) : a0]
    # Markers never reach across a clause boundary.
    cut = max(before.rfind("，"), before.rfind("、"), before.rfind("；"))
    if cut >= 0:
        before = before[cut + 1 :]
    m = _PRE.search(before)
    return _PRE_WORDS[m.group("w")] if m else "="


# Greedy, so it ends right after the last mark before the number.
_UP_TO_LAST_MARK = re.compile(r".*[，。；：、！？（）“”\n]", re.DOTALL)


def _clause_start(norm: str, lo: int, a0: int) -> int:
    floor = max(lo, a0 - 40)
    m = _UP_TO_LAST_MARK.match(norm, floor, a0)
    return m.end() if m else floor


def _indicator(norm: str, hi: int, before: str, tail_end: int, nxt: str, unit: str) -> tuple[str, int]:
    """A short name for what is counted, and where the target's span ends.

    The noun after the unit when the count stands before its noun (建设10座智能化示范煤矿), else
    the noun phrase before the number without its verbs (新认定高新技术企业1000家)."""
    growth = bool(_GROWTH_VERB.search(before))
    name = _LEAD_NOISE.sub("", _TRAIL_VERB.sub("", before))
    noun_follows = bool(nxt) and nxt not in _CLAUSE_END_CHARS and "\u4e00" <= nxt <= "\u9fff"
    if noun_follows and (unit in _CLASSIFIERS or unit in _PLACES or not name):
        b = _NOUN_STOP.search(norm, tail_end, min(hi, tail_end + 30))
        stop = b.start() if b else min(hi, tail_end + 30)
        after = norm[tail_end:stop]
        if after:
            return after, stop
    if name and growth and unit == "%" and not name.endswith(("率", "幅", "速")):
        name += "增速"
    return name, tail_end
