"""Reads for draft plans. Plan visibility lives here: the issuer's unit, plus supervisors,
leaders and admins of units above it."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from duban.core.errors import NotFound
from duban.items.selectors import sees_whole_subtree
from duban.orgs.models import OrgUnit, Role, UnitKind, subtree_filter

from .models import Plan, PlanTask


def plans_visible_to(user) -> QuerySet[Plan]:
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return Plan.objects.none()
    q = Q(issuer_unit_id=user.unit_id)
    if sees_whole_subtree(user):
        q |= subtree_filter("issuer_path", user.unit.path)
    return Plan.objects.filter(q)


def get_plan(user, pk) -> Plan:
    """The plan if ``user`` may see it, else NotFound — never a hint that it exists."""
    try:
        return plans_visible_to(user).select_related("issuer_unit", "created_by").get(pk=pk)
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise NotFound("报告分解不存在或无权查看") from None


def plan_list(user) -> list[Plan]:
    return list(
        plans_visible_to(user)
        .select_related("issuer_unit", "created_by")
        .annotate(
            task_count=Count("tasks", filter=Q(tasks__dropped=False)),
            assigned_count=Count("tasks", filter=Q(tasks__item__isnull=False)),
        )
        .defer("text", "parsed")
    )


def plan_tasks(plan: Plan) -> list[PlanTask]:
    return list(plan.tasks.select_related("item").order_by("position", "id"))


def can_edit(user, plan: Plan) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.role == Role.SUPERVISOR
        and user.unit_id == plan.issuer_unit_id
    )


def unit_choices(plan: Plan, extra_codes=()) -> list[OrgUnit]:
    """Units a supervisor usually assigns to: the issuing government's departments and the
    governments directly below it, plus any unit a task already names."""
    gov = plan.issuer_unit.government
    units = OrgUnit.objects.filter(parent=gov).exclude(pk=plan.issuer_unit_id)
    chosen = OrgUnit.objects.filter(code__in=list(extra_codes))
    merged = {u.code: u for u in list(units) + list(chosen)}
    kinds = {UnitKind.DEPARTMENT: 0}
    return sorted(merged.values(), key=lambda u: (kinds.get(u.kind, 1), u.code))


def units_by_code(codes) -> dict[str, OrgUnit]:
    return {u.code: u for u in OrgUnit.objects.filter(code__in=list(codes))}


def source_segments(plan: Plan, tasks: list[PlanTask]) -> list[dict]:
    """The report text cut into plain runs and task spans (with target sub-spans), in order,
    for the highlighted source pane. Overlapping spans (never produced by the services) are
    clipped so the text is shown exactly once."""
    text = plan.text
    out: list[dict] = []
    pos = 0
    for task in sorted(tasks, key=lambda t: (t.start, t.end, t.pk)):
        start, end = max(task.start, pos), min(task.end, len(text))
        if end <= start:
            continue
        if start > pos:
            out.append({"task": None, "parts": [{"text": text[pos:start], "target": False}]})
        parts: list[dict] = []
        cursor = start
        for tg in sorted(task.targets, key=lambda t: t.get("start") or 0):
            ts, te = tg.get("start"), tg.get("end")
            if not isinstance(ts, int) or not isinstance(te, int):
                continue
            ts, te = max(ts, cursor), min(te, end)
            if te <= ts:
                continue
            if ts > cursor:
                parts.append({"text": text[cursor:ts], "target": False})
            parts.append({"text": text[ts:te], "target": True})
            cursor = te
        if cursor < end:
            parts.append({"text": text[cursor:end], "target": False})
        out.append({"task": task, "parts": parts})
        pos = end
    if pos < len(text):
        out.append({"task": None, "parts": [{"text": text[pos:], "target": False}]})
    return out


def vocabulary_of(units) -> dict[int, str]:
    """Each unit's keywords as stored (one per line), by unit id."""
    from .models import UnitVocabulary

    return dict(UnitVocabulary.objects.filter(unit__in=units).values_list("unit_id", "keywords"))


# ---------------------------------------------------------------------------------------------
# Filters on the draft plan page

MAX_FILTER_VALUE = 40

# name → (label, test); a flag filter is on when its query parameter is "1".
TASK_FLAGS: dict[str, tuple[str, object]] = {
    "target": ("有量化指标", lambda t: bool(t.targets)),
    "nolead": ("未选牵头单位", lambda t: not t.dropped and not t.assigned and not t.lead_codes),
    "dropped": ("非任务", lambda t: t.dropped),
    "edited": ("已修改", lambda t: t.edited),
}


def _part_key(task: PlanTask) -> str:
    return f"{task.section}{task.part}" if task.part else ""


def task_filters(tasks: list[PlanTask], params) -> dict:
    """The filters of the task pane, read from bounded query parameters, with the count of each
    over the whole plan. Values that are not one of the plan's sections or parts are ignored."""
    sections: dict[str, int] = {}
    parts: dict[str, int] = {}
    part_section: dict[str, str] = {}
    for t in tasks:
        if t.section:
            sections[t.section] = sections.get(t.section, 0) + 1
        key = _part_key(t)
        if key:
            parts[key] = parts.get(key, 0) + 1
            part_section[key] = t.section
    section = str(params.get("section") or "")[:MAX_FILTER_VALUE]
    part = str(params.get("part") or "")[:MAX_FILTER_VALUE]
    active = {
        "section": section if section in sections else "",
        "part": part if part in parts else "",
        "flags": [name for name in TASK_FLAGS if str(params.get(name) or "")[:1] == "1"],
    }

    def href(**change) -> str:
        return "?" + filter_query(active, **change)

    flags = [
        {
            "name": name,
            "label": label,
            "count": sum(1 for t in tasks if test(t)),
            "on": name in active["flags"],
            "href": href(**{name: None if name in active["flags"] else "1"}),
        }
        for name, (label, test) in TASK_FLAGS.items()
    ]
    return {
        "active": active,
        "any": bool(active["section"] or active["part"] or active["flags"]),
        "query": filter_query(active),
        "sections": [
            {
                "value": k,
                "count": n,
                "on": k == active["section"],
                "href": href(section=None if k == active["section"] else k, part=None),
            }
            for k, n in sections.items()
        ],
        "parts": [
            {
                "value": k,
                "count": n,
                "on": k == active["part"],
                "href": href(part=None if k == active["part"] else k, section=part_section[k] or None),
            }
            # While a section is chosen, only its parts are offered.
            for k, n in parts.items()
            if not active["section"] or part_section[k] == active["section"]
        ],
        "flags": flags,
    }


def filter_tasks(tasks: list[PlanTask], active: dict) -> list[PlanTask]:
    out = tasks
    if active.get("section"):
        out = [t for t in out if t.section == active["section"]]
    if active.get("part"):
        out = [t for t in out if _part_key(t) == active["part"]]
    for name in active.get("flags") or ():
        test = TASK_FLAGS[name][1]
        out = [t for t in out if test(t)]
    return out


def filter_query(active: dict, **change) -> str:
    """The query string of the filters ``active`` with ``change`` applied (None removes one)."""
    from urllib.parse import urlencode

    params: dict[str, str] = {}
    if active.get("section"):
        params["section"] = active["section"]
    if active.get("part"):
        params["part"] = active["part"]
    for name in active.get("flags") or ():
        params[name] = "1"
    for key, value in change.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return urlencode(params)
