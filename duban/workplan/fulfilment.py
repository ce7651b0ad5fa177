"""Year-over-year fulfilment: last year's quantitative targets against this year's review.

Every report opens by reviewing the year before, and the year before's report set targets for
it. ``fulfilment(plan, results)`` takes the two decompositions (contract ``duban.workplan/1``)
and matches each target of last year's plan to the figure this year's review states for the same
indicator, with a verdict — ``met``, ``not_met`` or ``no_result`` — and a reason. Pure: no
Django, no clock; offsets point into each decoded text.

The rules, in the order they decide:
- a result is a number the review states in a sentence about the year itself (a five-year
  total or average is not the year's figure), with a unit of the same kind as the target's;
- its indicator must be the same: the words that tell indicators apart (调查 / 登记, 城镇 / 农村,
  实际 / 名义 …) must agree, and the rest must overlap enough (character bigrams);
- a growth target (增长X%) is matched only by a growth figure, a level only by a level;
- the comparator decides: ``>=`` met when at least the target, ``<=`` when at most, ``~`` within
  ±0.2 percentage points for rates or 2% relative for levels — or better than the target where
  the direction is clear (unemployment and prices: lower is better; output: higher).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from .normalize import normalize
from .structure import parse_structure, sentences
from .targets import Target, find_targets
from .types import Decomposition, TargetInfo

SCHEMA = "duban.fulfilment/1"

RATE_TOLERANCE = 0.2  # percentage points, for "~" on rates
LEVEL_TOLERANCE = 0.02  # relative, for "~" on levels


class ResultInfo(TypedDict):
    text: str
    start: int
    end: int
    value: int | float


class Verdict(TypedDict):
    text: str
    start: int
    end: int
    indicator: str
    value: int | float
    value_max: int | float | None
    unit: str
    comparator: str
    result: ResultInfo | None
    verdict: str  # "met", "not_met", "no_result"
    why: str


class Fulfilment(TypedDict):
    schema: str
    plan: dict
    results: dict
    targets: list[Verdict]


# ---------------------------------------------------------------------------------------------
# Indicators

# Words that make two indicators different things even when the rest is shared.
_DISTINCT = (
    ("调查", "登记"),
    ("城镇", "农村"),
    ("城镇", "乡村"),
    ("实际", "名义"),
    ("中央", "地方"),
    ("一般", "专项"),
    ("出口", "进口"),
    ("新增", "累计"),
)
_GROWTH = re.compile(r"增长|增速|增幅|提高|上涨|涨幅|下降|降低|降幅|减少|回升|提升")
_DOWN = re.compile(r"下降|降低|降幅|减少|压减|下调")
_FILLER = re.compile(r"^(?:将|今年|全年|拟|安排|新开工|新建|完成|实现|力争|确保|保持在|达到|超过|突破)+")
# Sentences about a period longer than the year: not the year's figure.
_SPAN = re.compile(r"五年|年均|累计|十年|这些年|“十三五”|“十四五”|十三五|十四五|以来")
_LOWER_BETTER = ("失业率", "价格", "物价", "涨幅")


def _core(indicator: str) -> str:
    core = _FILLER.sub("", indicator)
    return re.sub(r"(?:增速|增幅|降幅|涨幅|平均|均)$", "", core) or indicator


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


def similarity(a: str, b: str) -> float:
    """How alike two indicator phrases are (Dice over character bigrams; 0 when a word that
    tells indicators apart is on one side only)."""
    for x, y in _DISTINCT:
        if (x in a and y in b) or (y in a and x in b):
            return 0.0
    ba, bb = _bigrams(_core(a)), _bigrams(_core(b))
    if not ba or not bb:
        return 0.0
    return 2 * len(ba & bb) / (len(ba) + len(bb))


def _coverage(target: str, context: str) -> float:
    """The share of the target indicator's bigrams found in the result's context."""
    bt = _bigrams(_core(target))
    return len(bt & _bigrams(context)) / len(bt) if bt else 0.0


def _unit_kind(unit: str) -> str:
    if unit in ("%", "个百分点", "‰"):
        return "rate"
    return unit


def lower_is_better(indicator: str, text: str) -> bool:
    return any(w in indicator or w in text for w in _LOWER_BETTER) and not _DOWN.search(text)


# ---------------------------------------------------------------------------------------------
# Results stated in the review


@dataclass(frozen=True)
class Stated:
    target: Target
    context: str  # the clause before the number, within its sentence (what it is a figure of)
    growth: bool


def _review_results(norm: str, sections: Sequence[tuple[int, int]]) -> list[Stated]:
    out: list[Stated] = []
    for start, end in sections:
        skipping = False
        for s in sentences(norm, start, end):
            text = norm[s.start : s.end]
            # A paragraph that opens on the five years reviews them; one on 过去一年 returns.
            if re.match(r"\s*(?:过去五年|五年来|这五年)", text):
                skipping = True
            elif re.match(r"\s*(?:过去一年|去年|\d{4}年)", text):
                skipping = False
            if skipping or _SPAN.search(text):
                continue
            found = find_targets(norm, s.start, s.end)
            for i, t in enumerate(found):
                lead = norm[s.start : t.start]
                # "国内生产总值达到114万亿元，增长8.1%": the growth is of the figure named before it.
                context = lead[-40:] + t.indicator
                growth = (
                    bool(_GROWTH.search(norm[max(s.start, t.start - 4) : t.end]))
                    and _unit_kind(t.unit) == "rate"
                )
                if not t.indicator and i > 0:
                    context = found[i - 1].indicator + context
                out.append(Stated(t, context, growth))
    return out


# ---------------------------------------------------------------------------------------------
# Matching and verdicts


def _is_growth(t: TargetInfo) -> bool:
    return _unit_kind(t["unit"]) == "rate" and bool(
        _GROWTH.search(t["text"]) or re.search(r"增速|增幅|降幅|涨幅$", t["indicator"])
    )


def _match(t: TargetInfo, stated: Sequence[Stated]) -> Stated | None:
    kind = _unit_kind(t["unit"])
    growth = _is_growth(t)
    best, best_score = None, 0.0
    for r in stated:
        if _unit_kind(r.target.unit) != kind or r.growth != growth:
            continue
        score = max(
            similarity(t["indicator"], r.target.indicator or r.context), _coverage(t["indicator"], r.context)
        )
        if similarity(t["indicator"], r.context) == 0.0 and any(
            (x in t["indicator"]) != (x in r.context)
            for pair in _DISTINCT
            for x in pair
            if x in t["indicator"]
        ):
            continue
        if score > best_score:
            best, best_score = r, score
    return best if best_score >= 0.6 else None


def amount(value: float, unit: str = "") -> str:
    """A number as the reports write it: 1269万人, 1.37万亿斤, 8.1%."""
    v = float(value)
    for scale, word in ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")):
        if abs(v) >= scale and unit not in ("%", "个百分点", "‰"):
            return f"{round(v / scale, 4):g}{word}{unit}"
    return f"{round(v, 4):g}{unit}"


def verdict(t: TargetInfo, value: float) -> tuple[str, str]:
    """``met`` / ``not_met`` with the reason, for a target and the result stated for it."""
    target, comp, unit = t["value"], t["comparator"], t["unit"]
    rate = _unit_kind(unit) == "rate"
    down = lower_is_better(t["indicator"], t["text"])
    shown = amount(value, unit)
    goal = amount(target, unit)
    if comp == "range" and t["value_max"] is not None:
        ok = target <= value <= t["value_max"]
        return (
            "met" if ok else "not_met"
        ), f"结果{shown}{'在' if ok else '不在'}目标区间{goal}—{amount(t['value_max'], unit)}内"
    if comp == ">=":
        ok = value >= target
        return ("met" if ok else "not_met"), f"结果{shown}{'不低于' if ok else '低于'}目标{goal}"
    if comp == "<=":
        ok = value <= target
        return ("met" if ok else "not_met"), f"结果{shown}{'不高于' if ok else '高于'}目标{goal}"
    band = RATE_TOLERANCE if rate else abs(target) * LEVEL_TOLERANCE
    if abs(value - target) <= band + 1e-9:
        return "met", f"结果{shown}在目标{goal}{'左右' if comp == '~' else ''}的容差内"
    better = value < target if down else value > target
    if better:
        return "met", f"结果{shown}{'低于' if down else '高于'}目标{goal}，好于目标"
    return "not_met", f"结果{shown}{'高于' if down else '低于'}目标{goal}"


def _source(d: Decomposition) -> dict:
    return {**d["source"], "title": d["title"], "plan_year": d["plan_year"]}


def fulfilment(plan: Decomposition, results: Decomposition) -> Fulfilment:
    """Match the plan year's targets of ``plan`` to what ``results``' review states."""
    year = plan["plan_year"]
    targets = [
        g
        for task in plan["tasks"]
        if year is None or task["plan_year"] == year
        for g in task["targets"]
        if g["value"] is not None
    ]
    norm = normalize(results["text"])
    reviews = [(s["start"], s["end"]) for s in results["sections"] if s["kind"] == "review"]
    if not reviews:  # a report that reviews without a heading of its own: its opening part
        struct = parse_structure(norm)
        reviews = [(0, struct.sections[0].start)] if struct.sections else []
    stated = _review_results(norm, reviews)
    out: list[Verdict] = []
    for t in targets:
        r = _match(t, stated)
        result: ResultInfo | None
        if r is None:
            result, v, why = None, "no_result", "今年的报告回顾部分没有说明该指标的结果"
        else:
            value = r.target.value
            result = {
                "text": results["text"][r.target.start : r.target.end],
                "start": r.target.start,
                "end": r.target.end,
                "value": value,
            }
            v, why = verdict(t, float(value))
        out.append(
            {
                "text": t["text"],
                "start": t["start"],
                "end": t["end"],
                "indicator": t["indicator"],
                "value": t["value"],
                "value_max": t["value_max"],
                "unit": t["unit"],
                "comparator": t["comparator"],
                "result": result,
                "verdict": v,
                "why": why,
            }
        )
    return {"schema": SCHEMA, "plan": _source(plan), "results": _source(results), "targets": out}
