"""上年目标完成情况: last year's targets beside this year's report, read for a viewer.

When a government imports this year's report and its previous plan (plan_year − 1, same issuing
unit) is on file, every quantitative target of that plan is matched to the figure this year's
review states (the pure ``duban.workplan.fulfilment``, the same rules as ``duban fulfilment``),
and, where last year's plan was assigned and its targets tracked, to the year-end figures the
units (报送数) and the statistics side (统计数) filed.

Computed when read, not stored on the plan: a stored copy would go stale whenever either plan is
re-decomposed as another year (or last year's plan is imported after this year's), and the
year-end figures change until they are final. Both plans keep the parser's output
(``Plan.parsed``) and the decoded text, so nothing is parsed again; what costs is reading and
decoding those two JSON documents (≈ 300 KB each for the State Council's reports) and the
matching, ≈ 60 ms together on SQLite. That part depends on the two decompositions only, so it is
cached under what identifies them (``_matched``); the figures are read fresh on every view.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.cache import cache

from duban.core.errors import NotFound
from duban.targets.models import Target
from duban.targets.selectors import current_figures, stats_tolerance, targets_visible_to
from duban.workplan.fulfilment import RATE_TOLERANCE, amount
from duban.workplan.fulfilment import SCHEMA as FULFILMENT_SCHEMA
from duban.workplan.fulfilment import fulfilment as match_targets

from .models import Plan
from .selectors import plans_visible_to

VERDICTS = {"met": "已完成", "not_met": "未完成", "no_result": "未找到"}
RATE_UNITS = ("%", "个百分点", "‰")
COMPARATOR_WORDS = {">=": "以上", "<=": "以内", "~": "左右"}
SOURCES = (("unit", "报送数"), ("stats", "统计数"))
_EDGE = re.compile(r"[。；！？!?\n]")
MAX_CONTEXT = 80  # characters of the sentence shown on either side of a span
CACHE_SECONDS = 24 * 3600


@dataclass
class Evidence:
    """A span in its sentence: the words before, the span itself, the words after."""

    before: str
    span: str
    after: str


@dataclass
class FiledCheck:
    source: str  # "unit" | "stats"
    label: str  # 报送数 | 统计数
    value: float
    shown: str
    differs: bool
    note: str


@dataclass
class Row:
    number: int
    text: str
    indicator: str
    goal: str
    verdict: str
    label: str
    why: str
    target_evidence: Evidence
    result_evidence: Evidence | None
    result_shown: str
    target: Target | None = None
    filed: list[FiledCheck] = field(default_factory=list)


@dataclass
class PlanFulfilment:
    plan: Plan
    previous: Plan | None
    rows: list[Row] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    tracked: bool = False  # any of last year's targets was tracked (the figures column shows)
    differing: int = 0


def previous_plan(viewer, plan: Plan) -> Plan | None:
    """The issuer's plan for the year before ``plan``'s (the latest import), if the viewer sees it."""
    if plan.plan_year is None:
        return None
    return (
        plans_visible_to(viewer)
        .filter(issuer_unit_id=plan.issuer_unit_id, plan_year=plan.plan_year - 1)
        .exclude(pk=plan.pk)
        .order_by("-created_at", "-id")
        .defer("text", "parsed")
        .first()
    )


def _decomposition(plan: Plan) -> dict:
    """The parser's stored output with the text its offsets point into; decomposed again only
    when the stored output lacks what the matching reads (a plan imported before it was kept)."""
    parsed = plan.parsed if isinstance(plan.parsed, dict) else {}
    if (
        all(k in parsed for k in ("tasks", "sections", "source"))
        and parsed.get("plan_year") == plan.plan_year
    ):
        return {**parsed, "text": plan.text, "title": parsed.get("title") or plan.title}
    from duban.workplan import decompose

    name = plan.name if plan.name.lower().endswith(".md") else "report.txt"
    return decompose(plan.text.encode("utf-8"), name=name, year=plan.plan_year)


def _evidence(text: str, start: int, end: int) -> Evidence:
    lo = max(0, start - MAX_CONTEXT)
    head = text[lo:start]
    cut = [m.end() for m in _EDGE.finditer(head)]
    before = head[cut[-1] :] if cut else head
    tail = text[end : end + MAX_CONTEXT]
    m = _EDGE.search(tail)
    after = tail[: m.end()] if m else tail
    return Evidence(before.lstrip("\u3000 "), text[start:end], after.rstrip("\n"))


def _goal(v) -> str:
    """The target as the reports write it: 1100万人以上, 5.5%左右, 5%—5.5%."""
    unit = v["unit"] or ""
    low = amount(v["value"], unit)
    if v["value_max"] is not None and v["comparator"] == "range":
        return f"{low}—{amount(v['value_max'], unit)}"
    return low + COMPARATOR_WORDS.get(v["comparator"], "")


def _differs(review: float, filed: float, unit: str) -> bool:
    """Rates may differ by the fulfilment rule's ±0.2 points; levels by the share of the value
    the targets app already allows between a unit's figure and the statistics (2%)."""
    if unit in RATE_UNITS:
        return abs(review - filed) > RATE_TOLERANCE + 1e-9
    base = max(abs(review), abs(filed))
    return base > 0 and abs(review - filed) / base > stats_tolerance() + 1e-9


def _tracked_targets(viewer, previous: Plan) -> tuple[dict[tuple[int, int], Target], dict[str, Target]]:
    qs = targets_visible_to(viewer).filter(
        source_ref__plan=previous.pk, parent__isnull=True, plan_year=previous.plan_year
    )
    by_span: dict[tuple[int, int], Target] = {}
    by_text: dict[str, Target] = {}
    for t in qs.select_related("unit").order_by("id"):
        ref = t.source_ref or {}
        if isinstance(ref.get("start"), int) and isinstance(ref.get("end"), int):
            by_span.setdefault((ref["start"], ref["end"]), t)
        if t.source_text:
            by_text.setdefault(t.source_text, t)
    return by_span, by_text


def _matched(plan: Plan, previous: Plan) -> list[dict]:
    """Last year's targets matched to this year's review, with their evidence: a function of the
    two stored decompositions only, so cached under what identifies them (a plan re-decomposed as
    another year gets another key; the year-end figures, which change, are read fresh)."""
    key = ":".join(
        str(x)
        for x in (
            "plans.fulfilment",
            FULFILMENT_SCHEMA,
            previous.pk,
            previous.sha256,
            previous.plan_year,
            plan.pk,
            plan.sha256,
            plan.plan_year,
        )
    )
    rows = cache.get(key)
    if rows is not None:
        return rows
    stored = {
        pk: (text, parsed)
        for pk, text, parsed in Plan.objects.filter(pk__in=[plan.pk, previous.pk]).values_list(
            "pk", "text", "parsed"
        )
    }
    for p in (plan, previous):
        p.text, p.parsed = stored[p.pk]
    last, this = _decomposition(previous), _decomposition(plan)
    rows = []
    for v in match_targets(last, this)["targets"]:
        result = v["result"]
        rows.append(
            {
                **v,
                "goal": _goal(v),
                "target_evidence": _evidence(last["text"], v["start"], v["end"]),
                "result_evidence": None
                if result is None
                else _evidence(this["text"], result["start"], result["end"]),
                "result_shown": "" if result is None else amount(result["value"], v["unit"]),
            }
        )
    cache.set(key, rows, CACHE_SECONDS)
    return rows


def plan_fulfilment(viewer, plan_id) -> PlanFulfilment:
    """The 上年目标完成情况 of a plan the viewer may see (NotFound otherwise). ``previous`` is
    None when the issuer has no plan for the year before on file."""
    try:
        plan = plans_visible_to(viewer).select_related("issuer_unit").defer("text", "parsed").get(pk=plan_id)
    except (Plan.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("报告分解不存在或无权查看") from None
    previous = previous_plan(viewer, plan)
    out = PlanFulfilment(plan=plan, previous=previous, counts={k: 0 for k in VERDICTS})
    if previous is None:
        return out
    matched = _matched(plan, previous)
    by_span, by_text = _tracked_targets(viewer, previous)
    year_end = dt.date(previous.plan_year, 12, 31)
    rows: list[Row] = []
    for n, v in enumerate(matched, start=1):
        row = Row(
            number=n,
            text=v["text"],
            indicator=v["indicator"],
            goal=v["goal"],
            verdict=v["verdict"],
            label=VERDICTS[v["verdict"]],
            why=v["why"],
            target_evidence=v["target_evidence"],
            result_evidence=v["result_evidence"],
            result_shown=v["result_shown"],
            target=by_span.get((v["start"], v["end"])) or by_text.get(v["text"]),
        )
        out.counts[v["verdict"]] += 1
        rows.append(row)
    figures = current_figures([r.target.pk for r in rows if r.target is not None])
    for row, v in zip(rows, matched, strict=True):
        if row.target is None:
            continue
        out.tracked = True
        filed = figures.get(row.target.pk, {})
        for source, label in SOURCES:
            f = filed.get(source, {}).get(year_end)
            if f is None:
                continue
            check = FiledCheck(
                source=source,
                label=label,
                value=f.value,
                shown=amount(f.value, v["unit"]),
                differs=False,
                note="",
            )
            if v["result"] is not None:
                review = float(v["result"]["value"])
                check.differs = _differs(review, f.value, v["unit"])
                check.note = (
                    f"与报告所述{amount(review, v['unit'])}不一致" if check.differs else "与报告所述一致"
                )
            out.differing += check.differs
            row.filed.append(check)
    out.rows = rows
    return out
