"""Every write to draft plans: one transaction, permission-checked, journaled.

Import parses first and writes only once the whole report is understood, so a bad upload
leaves nothing behind. Batch assignment registers and assigns every chosen task inside one
transaction: the first task that cannot be assigned aborts them all, and the error names it —
except past due dates, which are checked first and reported all together (``past_due_tasks``)
so one new date can be set for them at once (``set_due``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from duban.core import classified
from duban.core.clock import local_today, now
from duban.core.errors import DubanError, Forbidden, InvalidInput, InvalidState, NotFound
from duban.items import services as item_services
from duban.items.models import Category, Item, Source
from duban.items.rules import user_actions
from duban.journal.services import record
from duban.orgs.models import OrgUnit, UnitKind
from duban.targets import services as target_services
from duban.workplan.units import split_keywords

from . import selectors
from .display import reference
from .models import Plan, PlanTask, UnitVocabulary

MAX_TEXT = 5000
SPLIT_MARKS = "；;"


class ReportRejected(InvalidInput):
    """The upload is not a report we can decompose; ``message`` is the parser's advice."""

    code = "bad_report"


# ---------------------------------------------------------------------------------------------
# Parsing (the pure parser lives in duban.workplan)


def vocabulary_for(issuer: OrgUnit) -> list[tuple[str, list[str]]] | None:
    """The admin-edited department vocabulary of the issuer's government, or None (the
    parser then uses the vocabulary it ships) when that government has none yet."""
    gov = issuer.government
    # Only the government's own departments: a province is not advised to hand its tasks to a
    # county bureau because that bureau's words matched.
    rows = UnitVocabulary.objects.filter(Q(unit=gov) | Q(unit__parent=gov)).select_related("unit")
    vocab = [(v.unit.name, v.keyword_list()) for v in rows]
    return vocab or None


def gazetteer() -> list[tuple[str, str, str]]:
    """Every division in the org registry, so places are the product's own units."""
    rows = OrgUnit.objects.exclude(kind=UnitKind.DEPARTMENT).values_list("code", "name", "short_name")
    return [(code, name, short or "") for code, name, short in rows]


MAX_KEYWORDS = 200


def _keywords(words) -> str:
    keywords = split_keywords(words)
    if len(keywords) > MAX_KEYWORDS:
        raise InvalidInput(f"关键词过多（每个单位最多 {MAX_KEYWORDS} 个）", code="too_many", field="keywords")
    if any(len(w) > 40 for w in keywords):
        raise InvalidInput("单个关键词最多 40 字", code="too_long", field="keywords")
    return "\n".join(keywords)  # one per line, as the edit form shows


def load_vocabulary(*, rows: Iterable[tuple[str, str]], actor=None) -> tuple[int, list[str]]:
    """Create or replace vocabulary rows from (unit name, keywords) pairs; returns the number
    written and the names that match no unit (reported, not guessed). One journal row."""
    rows = [(name.strip(), words) for name, words in rows if name and name.strip()]
    units = {u.name: u for u in OrgUnit.objects.filter(name__in=[n for n, _ in rows])}
    units.update({u.short_name: u for u in OrgUnit.objects.filter(short_name__in=[n for n, _ in rows])})
    written, unknown = 0, []
    changed: dict[str, dict] = {}
    with transaction.atomic():
        current = dict(
            UnitVocabulary.objects.filter(unit__in=units.values()).values_list("unit_id", "keywords")
        )
        for name, words in rows:
            unit = units.get(name)
            if unit is None:
                unknown.append(name)
                continue
            if actor is not None:
                _require_vocabulary_admin(actor, unit)
            keywords = _keywords(words)
            written += 1
            if current.get(unit.pk) == keywords:
                continue
            UnitVocabulary.objects.update_or_create(unit=unit, defaults={"keywords": keywords})
            changed[unit.code] = {"unit": unit.name, "old": current.get(unit.pk), "new": keywords}
            current[unit.pk] = keywords
        if changed:
            record(actor=actor, action="vocabulary.load", new={"units": changed})
    return written, unknown


def _require_vocabulary_admin(actor, unit: OrgUnit) -> None:
    from duban.orgs.services import can_manage_unit

    if not can_manage_unit(actor, unit):
        raise Forbidden("只有本级或上级的管理员可以维护牵头单位词表")


@transaction.atomic
def set_vocabulary(*, actor, unit: OrgUnit, keywords: str) -> UnitVocabulary | None:
    """Replace one unit's words (journaled old → new); empty words remove the unit's row, and
    its government falls back to the shipped vocabulary when no row is left."""
    _require_vocabulary_admin(actor, unit)
    row = UnitVocabulary.objects.select_for_update().filter(unit=unit).first()
    old = row.keywords if row else None
    new = _keywords(keywords) or None
    if old == new:
        return row
    if new is None:
        row.delete()
        row = None
    else:
        row, _ = UnitVocabulary.objects.update_or_create(unit=unit, defaults={"keywords": new})
    record(actor=actor, action="vocabulary.set", obj=unit, old={"keywords": old}, new={"keywords": new})
    return row


def limits():
    """The caps on one report, from settings (see duban.workplan.decode.Limits)."""
    from duban.workplan.decode import Limits

    return Limits(
        max_chars=settings.DUBAN_REPORT_MAX_CHARS,
        max_lines=settings.DUBAN_REPORT_MAX_LINES,
        max_tasks=settings.DUBAN_REPORT_MAX_TASKS,
        max_unzipped=settings.DUBAN_REPORT_MAX_UNZIPPED_BYTES,
    )


def _parse(data: bytes, *, name: str | None, year: int | None, issuer: OrgUnit) -> dict:
    """Decode, check for classification markings, decompose: all before any write, and all
    bounded by ``limits()`` so a report built to expand is refused in well under a second."""
    from duban.workplan import ParseError
    from duban.workplan.decode import decode
    from duban.workplan.pipeline import decompose_text

    caps = limits()
    try:
        decoded = decode(data, name=name, max_bytes=settings.DUBAN_MAX_REPORT_BYTES, limits=caps)
        found = classified.find_marking(decoded.text, settings.DUBAN_CLASSIFIED_MARKINGS)
        if found is not None:
            raise ReportRejected(classified.refusal_message(found, "报告"), code="classified", marking=found)
        return decompose_text(
            decoded, year=year, limits=caps, gazetteer=gazetteer(), vocabulary=vocabulary_for(issuer)
        )
    except ParseError as exc:
        raise ReportRejected(exc.message, code=f"bad_report.{exc.code}") from None


def _decoded_text(data: bytes, parsed: dict, name: str | None) -> str:
    """The text the parser's offsets point into."""
    text = parsed.get("text")
    if isinstance(text, str):
        return text
    import duban.workplan as workplan

    for helper in ("read_text", "load_text", "extract_text"):
        fn = getattr(workplan, helper, None)
        if fn is not None:
            got = fn(data, name=name)
            return got if isinstance(got, str) else got[0]
    encoding = (parsed.get("source") or {}).get("encoding") or "utf-8"
    return data.decode(encoding)


def _check_spans(text: str, parsed: dict) -> None:
    # Spans that do not fit the text would highlight the wrong words; refuse rather than mislead.
    chars = (parsed.get("source") or {}).get("chars")
    bad = chars is not None and chars != len(text)
    for t in parsed.get("tasks") or []:
        if not (isinstance(t.get("start"), int) and isinstance(t.get("end"), int)):
            bad = True
        elif not 0 <= t["start"] < t["end"] <= len(text):
            bad = True
    if bad:
        raise ReportRejected(
            "报告解析结果与原文位置不一致，请将文件另存为 UTF-8 文本后重试", code="bad_spans"
        )


def external_id(sha256: str, start: int, end: int) -> str:
    """Stable across re-imports and edits: the report's hash and the task's place in it."""
    return f"wr:{sha256[:32]}:{start}-{end}"


def _deadline_text(task: dict) -> str:
    """Every deadline's words ("上半年；年底前"); the due date is the main one's."""
    words = [d.get("text") or "" for d in task.get("deadlines") or []]
    return "；".join(dict.fromkeys(w for w in words if w)) or (task.get("deadline") or {}).get("text") or ""


def _due(deadline: dict | None) -> dt.date | None:
    if not deadline or not deadline.get("date"):
        return None
    try:
        return dt.date.fromisoformat(deadline["date"])
    except (TypeError, ValueError):
        return None


def _year_end(year) -> dt.date | None:
    return dt.date(year, 12, 31) if isinstance(year, int) and 1900 < year < 2200 else None


def match_units(issuer: OrgUnit, names: Iterable[str]) -> list[OrgUnit]:
    """Suggested unit names → org units the issuer may assign to (full or short name)."""
    names = [n for n in names if n]
    if not names:
        return []
    gov = issuer.government
    candidates = OrgUnit.objects.filter(path__startswith=gov.path).exclude(pk=issuer.pk)
    found = {
        **{u.short_name: u for u in candidates.filter(short_name__in=names)},
        **{u.name: u for u in candidates.filter(name__in=names)},
    }
    out: list[OrgUnit] = []
    for n in names:
        u = found.get(n)
        if u is not None and u not in out:
            out.append(u)
    return out


def _task_rows(plan: Plan, parsed: dict) -> list[PlanTask]:
    tasks = parsed.get("tasks") or []
    names: list[str] = []
    for t in tasks:
        names += [s.get("name", "") for s in t.get("suggested_units") or []]
    matched = {u.name: u for u in match_units(plan.issuer_unit, set(names))}
    short = {u.short_name: u for u in matched.values() if u.short_name}
    rows = []
    for pos, t in enumerate(tasks, start=1):
        units = []
        for s in t.get("suggested_units") or []:
            u = matched.get(s.get("name")) or short.get(s.get("name"))
            if u is not None and u.code not in units:
                units.append(u.code)
        start, end = int(t["start"]), int(t["end"])
        text = (t.get("text") or plan.text[start:end]).strip()
        rows.append(
            PlanTask(
                plan=plan,
                position=pos,
                task_id=str(t.get("id") or pos)[:40],
                section=(t.get("section") or "")[:20],
                part=(t.get("part") or "")[:20],
                theme=(t.get("theme") or "")[:300],
                text=text,
                original_text=text,
                start=start,
                end=end,
                targets=[with_terms(x) for x in t.get("targets") or []],
                deadline_text=_deadline_text(t)[:100],
                # No deadline in the text: the end of the task's own plan year (a 十四五 goal
                # is due at the end of 2025, not of the report's year).
                due=_due(t.get("deadline")) or _year_end(t.get("plan_year")),
                category=Category.CONTINUOUS,
                lead_codes=units[:1],
                coop_codes=units[1:4],
                suggested_units=list(t.get("suggested_units") or []),
                places=list(t.get("places") or []),
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Import


def _read(data) -> tuple[bytes, str | None]:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data), None
    if isinstance(data, str | os.PathLike):
        path = Path(data)
        return path.read_bytes(), path.name
    # An uploaded file: read one byte past the limit so "too large" is still detected.
    raw = data.read(settings.DUBAN_MAX_REPORT_BYTES + 1)
    return raw, getattr(data, "name", None)


def import_report(
    *, actor, data, name: str | None = None, issuer: OrgUnit | None = None, year: int | None = None
) -> tuple[Plan, bool]:
    """Parse a report and create its draft plan; returns ``(plan, created)``.

    ``actor`` None means the command line (an operator with shell access), which must name
    the ``issuer``. The same report imported again by the same issuer returns the existing
    plan untouched, so a supervisor's edits survive a re-upload.
    """
    if actor is not None:
        if "import_report" not in user_actions(actor):
            raise Forbidden("只有督查员可以导入工作报告", code="forbidden")
        if issuer is not None and issuer.pk != actor.unit_id:
            raise Forbidden("只能为本单位导入工作报告", code="forbidden")
        issuer = actor.unit
    if issuer is None:
        raise InvalidInput("请指定交办单位", code="issuer_required")
    raw, guessed = _read(data)
    name = (name or guessed or "report.txt").replace("\\", "/").rsplit("/", 1)[-1][:255]
    parsed = _parse(raw, name=name, year=year, issuer=issuer)  # raises before anything is written
    text = _decoded_text(raw, parsed, name)
    _check_spans(text, parsed)
    digest = (parsed.get("source") or {}).get("sha256") or hashlib.sha256(raw).hexdigest()
    existing = Plan.objects.filter(issuer_unit=issuer, sha256=digest).first()
    if existing is not None:
        return existing, False
    plan, rows = _new_plan(actor, issuer, name, digest, text, parsed)
    try:
        # The write is short: everything was parsed and built above, so the transaction (and on
        # SQLite the database's one write lock) lasts only for the inserts themselves.
        with transaction.atomic():
            _save_plan(actor, plan, rows)
    except IntegrityError:
        # Someone imported the same report a moment ago: theirs is the plan.
        existing = Plan.objects.filter(issuer_unit=issuer, sha256=digest).first()
        if existing is None:
            raise
        return existing, False
    return plan, True


def _new_plan(
    actor, issuer: OrgUnit, name: str, digest: str, text: str, parsed: dict
) -> tuple[Plan, list[PlanTask]]:
    """The plan and its task rows, built in memory (only reads: units, vocabulary)."""
    source = parsed.get("source") or {}
    plan = Plan(
        issuer_unit=issuer,
        issuer_path=issuer.path,
        name=name,
        sha256=digest,
        encoding=(source.get("encoding") or "")[:40],
        text=text,
        title=(parsed.get("title") or "")[:300],
        plan_year=parsed.get("plan_year"),
        parsed=parsed,
        created_by=actor,
        created_at=now(),
    )
    rows = _task_rows(plan, parsed)
    if not rows:
        raise ReportRejected("未能从报告中识别出工作任务，请确认上传的是政府工作报告全文", code="no_tasks")
    return plan, rows


def _save_plan(actor, plan: Plan, rows: list[PlanTask]) -> None:
    plan.save()
    for row in rows:
        row.plan = plan
    PlanTask.objects.bulk_create(rows)
    record(
        actor=actor,
        action="plan.import",
        obj=plan,
        new={
            "issuer": plan.issuer_unit.code,
            "name": plan.name,
            "sha256": plan.sha256,
            "tasks": len(rows),
            "plan_year": plan.plan_year,
        },
        # The text was checked for classification markings before anything was written.
        payload={
            "secrecy": {
                "checked": ["text"],
                "markings": list(settings.DUBAN_CLASSIFIED_MARKINGS),
                "found": None,
            }
        },
    )


MIN_YEAR, MAX_YEAR = 2000, 2100


def _year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InvalidInput("请填写督办的年度，例如 2026", code="bad_year", field="year") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"督办年度须在 {MIN_YEAR} 至 {MAX_YEAR} 年之间", code="bad_year", field="year")
    return year


@transaction.atomic
def reparse_plan(*, actor, plan_id: int, year) -> Plan:
    """Decompose the plan's report again as the plan of ``year`` (the year to supervise), so
    deadlines such as 年底前 and the targets' year are that year's. Refused once a task is
    assigned, edited or dropped: the new tasks would silently replace that work."""
    plan = _editable_plan(actor, plan_id)
    year = _year(year)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.plan_year == year:
        return plan
    tasks = plan.tasks.all()
    if tasks.filter(item__isnull=False).exists():
        raise InvalidState("已有任务立项交办，不能再更改计划年度", code="already_assigned")
    if tasks.filter(Q(edited=True) | Q(dropped=True)).exists():
        raise InvalidState(
            "已有任务被修改或标为非任务，更改计划年度会重新分解并丢失这些修改；如确需更改，请重新导入报告",
            code="plan_edited",
        )
    name = plan.name if plan.name.lower().endswith(".md") else Path(plan.name).stem[:200] + ".txt"
    parsed = _parse(plan.text.encode("utf-8"), name=name, year=year, issuer=plan.issuer_unit)
    if _decoded_text(plan.text.encode("utf-8"), parsed, name) != plan.text:
        raise ReportRejected("报告原文无法按新的年度重新分解，请重新导入报告", code="bad_spans")
    _check_spans(plan.text, parsed)
    old = {"plan_year": plan.plan_year, "tasks": tasks.count()}
    tasks.delete()
    plan.plan_year, plan.parsed = parsed.get("plan_year"), parsed
    plan.save(update_fields=["plan_year", "parsed"])
    rows = _task_rows(plan, parsed)
    if not rows:
        raise ReportRejected("按该年度未能识别出工作任务", code="no_tasks")
    PlanTask.objects.bulk_create(rows)
    record(
        actor=actor,
        action="plan.reparse",
        obj=plan,
        old=old,
        new={"plan_year": plan.plan_year, "tasks": len(rows)},
    )
    return plan


# ---------------------------------------------------------------------------------------------
# Editing


def _editable_plan(actor, plan_id) -> Plan:
    plan = selectors.get_plan(actor, plan_id)
    if not selectors.can_edit(actor, plan):
        raise Forbidden("只有交办单位的督查员可以修改报告分解", code="forbidden")
    return plan


def _locked_tasks(plan: Plan, task_ids: Sequence) -> list[PlanTask]:
    try:
        ids = [int(t) for t in task_ids]
    except (TypeError, ValueError):
        raise NotFound("任务不存在") from None
    tasks = {t.pk: t for t in PlanTask.objects.select_for_update().filter(plan=plan, pk__in=ids)}
    if len(tasks) != len(set(ids)):
        raise NotFound("任务不存在")
    return [tasks[i] for i in ids]


def _unassigned(task: PlanTask) -> None:
    if task.item_id is not None:
        raise InvalidState(f"任务 {reference(task)} 已交办，不能再修改", code="already_assigned")


def snapshot(task: PlanTask) -> dict:
    return {
        "task": task.task_id,
        "text": task.text,
        "start": task.start,
        "end": task.end,
        "targets": [t.get("text") for t in task.targets],
        "due": task.due.isoformat() if task.due else None,
        "category": task.category,
        "lead": list(task.lead_codes),
        "coop": list(task.coop_codes),
        "selected": task.selected,
        "dropped": task.dropped,
    }


_NUMBER = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:[-—~～至到]\s*(\d+(?:\.\d+)?))?\s*(万|亿)?\s*([^\d\s，。；、]{0,4})"
)


def with_terms(target: dict) -> dict:
    """A parsed target with the kind its wording suggests and the default reporting period;
    the supervisor can correct both on the draft plan before assigning."""
    from duban.targets.progress import guess_kind

    out = dict(target)
    if not out.get("kind"):
        kind, up = guess_kind(
            out.get("text") or "",
            out.get("indicator") or "",
            out.get("unit") or "",
            out.get("comparator") or "=",
        )
        out["kind"], out["higher_is_better"] = kind.value, up
    out.setdefault("period", "monthly")
    return out


def parse_target_line(line: str) -> dict:
    """A supervisor-typed target ("新建5G基站1.5万座") → the contract's target shape, best effort."""
    line = line.strip()
    # The last number is the quantity; earlier ones are usually part of the name ("5G基站").
    matches = list(_NUMBER.finditer(line))
    m = matches[-1] if matches else None
    target: dict = {
        "text": line,
        "indicator": line,
        "value": None,
        "value_max": None,
        "unit": "",
        "comparator": "=",
    }
    if m is not None:
        scale = {"万": 10_000, "亿": 100_000_000}.get(m.group(3) or "", 1)
        target["value"] = _num(m.group(1)) * scale
        target["value_max"] = _num(m.group(2)) * scale if m.group(2) else None
        target["unit"] = m.group(4) or ""
        target["indicator"] = (line[: m.start()] + line[m.end() :]).strip() or line
    return with_terms(target)


def _num(s: str) -> int | float:
    f = float(s)
    return int(f) if f.is_integer() else f


def _check_units(plan: Plan, codes: Sequence[str], label: str) -> list[str]:
    codes = [c for c in dict.fromkeys(str(c).strip() for c in codes) if c]
    units = selectors.units_by_code(codes)
    gov = plan.issuer_unit.government
    for c in codes:
        u = units.get(c)
        if u is None:
            raise InvalidInput(f"{label}编码 {c} 不存在", code="bad_unit")
        if not u.path.startswith(gov.path) or u.pk == plan.issuer_unit_id:
            raise InvalidInput(f"不能交办给 {u.name}（须为本级政府辖区内的其他单位）", code="bad_unit")
    return codes


@transaction.atomic
def edit_task(
    *,
    actor,
    task_id: int,
    text: str | None = None,
    targets: Sequence[str] | None = None,
    category: str | None = None,
    due: dt.date | None | bool = False,
    lead: Sequence[str] | None = None,
    coop: Sequence[str] | None = None,
    selected: bool | None = None,
    target_terms: Sequence[dict] | None = None,
) -> PlanTask:
    """Change what a task says and how it will be assigned; ``None`` leaves a field alone
    (``due=None`` clears the date, the default ``False`` leaves it). ``target_terms`` sets
    each target's kind and reporting period, in the order of the task's targets."""
    task = _task_for_update(actor, task_id)
    _unassigned(task)
    old = snapshot(task)
    if text is not None:
        text = text.strip()
        if not text:
            raise InvalidInput("任务内容不能为空", code="required", field="text")
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"任务内容过长（最多 {MAX_TEXT} 字）", code="too_long", field="text")
        task.text = text
    if targets is not None:
        by_text = {t.get("text"): t for t in task.targets}
        lines = [line.strip() for line in targets if line and line.strip()]
        task.targets = [by_text.get(line) or parse_target_line(line) for line in lines]
    if target_terms is not None:
        from duban.targets.models import Kind as TargetKind
        from duban.targets.models import Period as TargetPeriod

        if len(target_terms) > len(task.targets):
            raise InvalidInput("指标类型的个数多于指标", code="bad_terms", field="targets")
        updated = []
        for target, terms in zip(task.targets, list(target_terms) + [{}] * len(task.targets), strict=False):
            target = dict(target)
            kind, period = terms.get("kind"), terms.get("period")
            if kind:
                if kind not in TargetKind.values:
                    raise InvalidInput("指标类型无效", code="bad_kind", field="targets")
                target["kind"] = kind
            if period:
                if period not in TargetPeriod.values:
                    raise InvalidInput("报送周期无效", code="bad_period", field="targets")
                target["period"] = period
            updated.append(target)
        task.targets = updated
    if category is not None:
        if category not in Category.values:
            raise InvalidInput("事项类别无效", code="bad_category")
        task.category = category
    if due is not False:
        task.due = due or None
    plan = task.plan
    if lead is not None:
        task.lead_codes = _check_units(plan, lead, "牵头单位")
    if coop is not None:
        task.coop_codes = _check_units(plan, coop, "配合单位")
    task.coop_codes = [c for c in task.coop_codes if c not in task.lead_codes]
    if selected is not None:
        task.selected = bool(selected)
    new = snapshot(task)
    if new == old:
        return task
    task.edited = True
    task.save()
    record(actor=actor, action="plan.edit_task", obj=task, old=old, new=new, payload={"plan": plan.pk})
    return task


def _task_for_update(actor, task_id) -> PlanTask:
    try:
        plan_id = PlanTask.objects.filter(pk=int(task_id)).values_list("plan_id", flat=True).first()
    except (TypeError, ValueError):
        plan_id = None
    if plan_id is None:
        raise NotFound("任务不存在或无权查看")
    plan = _editable_plan(actor, plan_id)
    task = _locked_tasks(plan, [task_id])[0]
    task.plan = plan
    return task


def _renumber(plan: Plan) -> None:
    for pos, task in enumerate(plan.tasks.order_by("start", "end", "id"), start=1):
        if task.position != pos:
            PlanTask.objects.filter(pk=task.pk).update(position=pos)


@transaction.atomic
def merge_tasks(*, actor, plan_id: int, task_ids: Sequence[int]) -> PlanTask:
    """Merge adjacent tasks (in report order; dropped lines between them don't count) into
    the first; its span grows to cover them all."""
    plan = _editable_plan(actor, plan_id)
    if len(set(task_ids)) < 2:
        raise InvalidInput("请勾选至少两个相邻的任务进行合并", code="merge_needs_two")
    tasks = sorted(_locked_tasks(plan, list(dict.fromkeys(task_ids))), key=lambda t: (t.position, t.pk))
    for t in tasks:
        _unassigned(t)
        if t.dropped:
            raise InvalidState(f"任务 {reference(t)} 已标记为非任务，请先恢复再合并", code="dropped")
    live = list(plan.tasks.filter(dropped=False).order_by("position", "id").values_list("pk", flat=True))
    idx = [live.index(t.pk) for t in tasks]
    if idx != list(range(idx[0], idx[0] + len(idx))):
        raise InvalidInput("只能合并相邻的任务", code="not_adjacent")
    first, rest = tasks[0], tasks[1:]
    old = [snapshot(t) for t in tasks]
    first.text = "".join(_joinable(t.text) for t in tasks[:-1]) + tasks[-1].text
    if len(first.text) > MAX_TEXT:
        raise InvalidInput(f"合并后的任务内容过长（最多 {MAX_TEXT} 字）", code="too_long")
    first.original_text = plan.text[min(t.start for t in tasks) : max(t.end for t in tasks)]
    first.start, first.end = min(t.start for t in tasks), max(t.end for t in tasks)
    first.targets = [tg for t in tasks for tg in t.targets]
    first.due = max((t.due for t in tasks if t.due), default=None)
    first.deadline_text = "；".join(dict.fromkeys(t.deadline_text for t in tasks if t.deadline_text))[:100]
    first.lead_codes = list(dict.fromkeys(c for t in tasks for c in t.lead_codes))
    first.coop_codes = [
        c for c in dict.fromkeys(c for t in tasks for c in t.coop_codes) if c not in first.lead_codes
    ]
    suggested: dict[str, dict] = {}
    for s in (s for t in tasks for s in t.suggested_units):
        prev = suggested.get(s.get("name"))
        if prev is None or (s.get("score") or 0) > (prev.get("score") or 0):
            suggested[s.get("name")] = s
    first.suggested_units = list(suggested.values())
    first.places = list({p.get("name"): p for t in tasks for p in t.places}.values())
    first.selected = any(t.selected for t in tasks)
    if any(t.category == Category.MAJOR for t in tasks) and first.category == Category.GENERAL:
        first.category = Category.MAJOR
    first.edited = True
    first.save()
    PlanTask.objects.filter(pk__in=[t.pk for t in rest]).delete()
    _renumber(plan)
    record(
        actor=actor,
        action="plan.merge",
        obj=first,
        old=old,
        new=snapshot(first),
        payload={"plan": plan.pk, "merged": [t.task_id for t in tasks]},
    )
    return first


def _joinable(text: str) -> str:
    return text if text.endswith(("。", "；", "！", "？", ";", "，")) else text + "；"


def split_points(text: str) -> list[int]:
    """Offsets just after each "；" (where a split can go), excluding the very end."""
    return [i + 1 for i, ch in enumerate(text) if ch in SPLIT_MARKS and 0 < i + 1 < len(text.rstrip())]


@transaction.atomic
def split_task(*, actor, task_id: int, at: int | None = None) -> tuple[PlanTask, PlanTask]:
    """Split a task in two at a character offset of its current wording (default: after the
    first "；"). Targets go with the half their span falls in."""
    task = _task_for_update(actor, task_id)
    _unassigned(task)
    plan = task.plan
    text = task.text
    if at is None:
        points = split_points(text)
        if not points:
            raise InvalidInput("该任务中没有“；”，请指定拆分位置", code="no_split_point")
        at = points[0]
    if not 0 < at < len(text) or not text[:at].strip() or not text[at:].strip():
        raise InvalidInput(
            f"拆分位置须在第 1 到第 {len(text) - 1} 个字之间，且两段都不能为空", code="bad_split"
        )
    old = snapshot(task)
    # Map the split onto the report text: exact when the wording is the original, else find
    # the second half in the span, else proportional — the span only has to stay close.
    span = plan.text[task.start : task.end]
    head, tail = text[:at].strip(), text[at:].strip()
    offset = span.find(tail) if tail in span else -1
    if span.strip() == text.strip() and span.find(text.strip()) >= 0:
        cut = task.start + span.find(text.strip()) + at
    elif offset > 0:
        cut = task.start + offset
    else:
        cut = task.start + round(at * (task.end - task.start) / max(len(text), 1))
    cut = min(max(cut, task.start + 1), task.end - 1)
    second = PlanTask(
        plan=plan,
        position=task.position + 1,
        task_id=_split_id(plan, task.task_id),
        section=task.section,
        part=task.part,
        theme=task.theme,
        text=tail,
        original_text=plan.text[cut : task.end],
        start=cut,
        end=task.end,
        targets=[tg for tg in task.targets if isinstance(tg.get("start"), int) and tg["start"] >= cut],
        deadline_text=task.deadline_text,
        due=task.due,
        category=task.category,
        lead_codes=list(task.lead_codes),
        coop_codes=list(task.coop_codes),
        suggested_units=list(task.suggested_units),
        places=[p for p in task.places if not isinstance(p.get("start"), int) or p["start"] >= cut],
        selected=task.selected,
        edited=True,
    )
    task.text, task.end = head, cut
    task.original_text = plan.text[task.start : cut]
    task.targets = [tg for tg in task.targets if tg not in second.targets]
    task.places = [p for p in task.places if p not in second.places] or task.places
    task.edited = True
    task.save()
    second.save()
    _renumber(plan)
    record(
        actor=actor,
        action="plan.split",
        obj=task,
        old=old,
        new=[snapshot(task), snapshot(second)],
        payload={"plan": plan.pk, "at": at, "new_task": second.pk},
    )
    return task, second


def _split_id(plan: Plan, base: str) -> str:
    taken = set(plan.tasks.values_list("task_id", flat=True))
    n = 2
    while f"{base}-{n}"[:40] in taken:
        n += 1
    return f"{base}-{n}"[:40]


@transaction.atomic
def drop_task(*, actor, task_id: int, dropped: bool = True) -> PlanTask:
    """Mark a line as not a commitment (or restore it). Dropped tasks are never assigned."""
    task = _task_for_update(actor, task_id)
    _unassigned(task)
    if task.dropped == dropped:
        return task
    old = snapshot(task)
    task.dropped = dropped
    if dropped:
        task.selected = False
    task.save(update_fields=["dropped", "selected"])
    record(
        actor=actor,
        action="plan.drop" if dropped else "plan.restore",
        obj=task,
        old=old,
        new=snapshot(task),
        payload={"plan": task.plan_id},
    )
    return task


@transaction.atomic
def select_tasks(
    *, actor, plan_id: int, task_ids: Iterable[int] | None = None, all: bool | None = None
) -> int:
    """Set which tasks are selected for assignment: exactly ``task_ids``, or all/none of the
    live unassigned ones. Returns how many are selected now."""
    plan = _editable_plan(actor, plan_id)
    live = plan.tasks.filter(dropped=False, item__isnull=True)
    if all is not None:
        wanted = set(live.values_list("pk", flat=True)) if all else set()
    else:
        try:
            wanted = {int(t) for t in task_ids or ()}
        except (TypeError, ValueError):
            raise InvalidInput("任务编号无效", code="bad_task") from None
        wanted &= set(live.values_list("pk", flat=True))
    before = set(plan.tasks.filter(selected=True).values_list("pk", flat=True))
    if before == wanted:
        return len(wanted)
    plan.tasks.exclude(pk__in=wanted).filter(selected=True).update(selected=False)
    plan.tasks.filter(pk__in=wanted, selected=False).update(selected=True)
    record(
        actor=actor,
        action="plan.select",
        obj=plan,
        old={"selected": sorted(before)},
        new={"selected": sorted(wanted)},
    )
    return len(wanted)


# ---------------------------------------------------------------------------------------------
# Batch assignment


def final_due_for(task: PlanTask, plan: Plan) -> dt.date | None:
    if task.category != Category.CONTINUOUS:
        return None
    if task.due:
        return task.due
    year = plan.plan_year or local_today().year
    return dt.date(year, 12, 31)


def past_due_tasks(plan: Plan, tasks: Iterable[PlanTask]) -> list[PlanTask]:
    """The tasks whose final due date (their own, or their plan year's end) is today or
    earlier: an item cannot be registered with it."""
    today = local_today()
    return [t for t in tasks if (d := final_due_for(t, plan)) is not None and d <= today]


MAX_DUE_TASKS = 1000


@transaction.atomic
def set_due(*, actor, plan_id: int, task_ids: Sequence[int], due) -> list[PlanTask]:
    """One new due date for several unassigned tasks at once (those whose dates have passed,
    typically); one journal row listing each task's old date."""
    plan = _editable_plan(actor, plan_id)
    ids = list(dict.fromkeys(task_ids or ()))
    if not ids:
        raise InvalidInput("请选择要设定完成时限的任务", code="no_tasks", field="tasks")
    if len(ids) > MAX_DUE_TASKS:
        raise InvalidInput(f"一次最多设定 {MAX_DUE_TASKS} 项任务", code="too_many", field="tasks")
    if isinstance(due, str):
        try:
            due = dt.date.fromisoformat(due.strip()[:10])
        except ValueError:
            due = None
    if not isinstance(due, dt.date):
        raise InvalidInput("请填写新的完成时限", code="due_required", field="due")
    if due <= local_today():
        raise InvalidInput("新的完成时限不能早于明天", code="date_in_past", field="due")
    if due.year > local_today().year + 10:
        raise InvalidInput("新的完成时限过远（最多十年内）", code="date_too_far", field="due")
    tasks = sorted(_locked_tasks(plan, ids), key=lambda t: (t.position, t.pk))
    for t in tasks:
        _unassigned(t)
    old = {t.task_id: t.due.isoformat() if t.due else None for t in tasks}
    changed = [t for t in tasks if t.due != due]
    for t in changed:
        t.due = due
        t.edited = True
    PlanTask.objects.bulk_update(changed, ["due", "edited"])
    if changed:
        record(
            actor=actor,
            action="plan.set_due",
            obj=plan,
            old={"due": old},
            new={"due": due.isoformat(), "tasks": [t.task_id for t in changed]},
        )
    return tasks


def title_for(task: PlanTask) -> str:
    """The item's title: the commitment's action and object (the full text is the body)."""
    from duban.workplan.titles import short_title

    return short_title(task.text, task.theme) or " ".join(task.text.split())[:200]


def body_for(task: PlanTask, plan: Plan) -> str:
    lines = [task.text]
    if task.targets:
        lines.append("量化指标：" + "；".join(t.get("text", "") for t in task.targets))
    if task.deadline_text:
        lines.append(f"原文时限：{task.deadline_text}")
    where = reference(task) + (f" {task.theme}" if task.theme else "")
    lines.append(f"出处：《{plan.title or plan.name}》{where}")
    return "\n".join(lines)


def _task_label(task: PlanTask) -> str:
    text = " ".join(task.text.split())
    return f"任务 {reference(task)}「{text[:20]}{'…' if len(text) > 20 else ''}」"


def pending_tasks(plan: Plan) -> list[PlanTask]:
    """What a batch assignment would create: selected, not dropped, not yet assigned."""
    return list(plan.tasks.filter(selected=True, dropped=False, item__isnull=True).order_by("position", "id"))


@transaction.atomic
def assign_batch(
    *, actor, plan_id: int, task_ids: Sequence[int] | None = None, not_classified: bool | None = None
) -> list[Item]:
    """批量立项交办: one item with tracks per task, all in one transaction.

    ``task_ids`` None means the selected tasks. Tasks already assigned are skipped, so running
    it again creates nothing twice; any task that cannot be assigned aborts the whole batch.
    """
    plan = _editable_plan(actor, plan_id)
    if "register" not in user_actions(actor):
        raise Forbidden("只有督查员可以立项", code="forbidden")
    if not_classified is False:
        # Batch 立项 registers items like the new-item form: the supervisor confirms once for
        # the batch (None: no person was asked, e.g. a script; the report was checked on import).
        raise InvalidInput("请确认这些事项不涉及国家秘密", code="not_confirmed", field="not_classified")
    if task_ids is None:
        tasks = pending_tasks(plan)
    else:
        tasks = sorted(_locked_tasks(plan, list(dict.fromkeys(task_ids))), key=lambda t: (t.position, t.pk))
        for t in tasks:
            if t.dropped:
                raise InvalidState(
                    f"{_task_label(t)}已标记为非任务，不能交办", code="dropped", task=t.task_id
                )
        tasks = [t for t in tasks if t.item_id is None]
    past = past_due_tasks(plan, tasks)
    if past:
        # All of them at once, so one new date can be set for them before assigning.
        raise InvalidInput(
            f"{len(past)} 项任务的完成时限已过（不能早于明天）：{'；'.join(_task_label(t) for t in past[:5])}"
            + ("等" if len(past) > 5 else "")
            + "。请为它们统一设定新的完成时限后再交办",
            code="date_in_past",
            tasks=[t.pk for t in past],
        )
    units = selectors.units_by_code({c for t in tasks for c in t.lead_codes + t.coop_codes})
    created: list[Item] = []
    for task in tasks:
        if not task.lead_codes:
            raise InvalidInput(
                f"{_task_label(task)}：请选择牵头单位", code="lead_required", task=task.task_id
            )
        missing = [c for c in task.lead_codes + task.coop_codes if c not in units]
        if missing:
            raise InvalidInput(
                f"{_task_label(task)}：单位编码 {'、'.join(missing)} 不存在",
                code="bad_unit",
                task=task.task_id,
            )
        final_due = final_due_for(task, plan)
        progress = (
            item_services.monthly_progress_days(start=local_today(), final_due=final_due) if final_due else []
        )
        try:
            item = item_services.register_and_assign(
                actor=actor,
                lead=[units[c] for c in task.lead_codes],
                coop=[units[c] for c in task.coop_codes],
                title=title_for(task),
                body=body_for(task, plan),
                source=Source.WORK_REPORT,
                category=task.category,
                final_due=final_due,
                progress_days=progress,
                external_id=external_id(plan.sha256, task.start, task.end),
                not_classified=not_classified,
                source_ref={
                    "plan": plan.pk,
                    "task": task.task_id,
                    "section": task.section,
                    "start": task.start,
                    "end": task.end,
                },
            )
            if not item.targets.exists():
                target_services.targets_from_task(
                    actor=actor,
                    item=item,
                    task_targets=[with_terms(t) for t in task.targets],
                    plan_year=plan.plan_year,
                )
        except DubanError as exc:
            raise type(exc)(f"{_task_label(task)}：{exc.message}", code=exc.code, task=task.task_id) from None
        if PlanTask.objects.filter(item=item).exclude(pk=task.pk).exists():
            raise InvalidState(f"{_task_label(task)}：对应事项已由其他任务交办", code="duplicate_item")
        task.item = item
        task.selected = False
        task.save(update_fields=["item", "selected"])
        created.append(item)
    if created:
        record(
            actor=actor,
            action="plan.assign",
            obj=plan,
            new={"items": [i.pk for i in created], "tasks": [t.task_id for t in tasks]},
            payload={"count": len(created)},
        )
    return created
