"""Every write to items and tracks: one transaction, permission-checked, journaled.

Each function takes the acting user first (keyword-only) and raises a ``DubanError`` —
which rolls the transaction back — when the action is not allowed or does not fit the state.
A track change is a conditional ``UPDATE … WHERE version = loaded`` so of two people acting on
the same track at once exactly one wins; the other gets ``StaleVersion``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from duban.core import classified
from duban.core.clock import SHANGHAI, end_of_day, local_today, now
from duban.core.errors import Forbidden, InvalidInput, InvalidState, NotFound, StaleVersion
from duban.journal.services import record
from duban.orgs.models import OrgUnit, UnitKind
from duban.workcal.calendar import add_working_days, known_between, schedule_known, standard_nodes

from . import blobs, rules, selectors, signals
from .models import (
    Attachment,
    Category,
    Decision,
    Extension,
    ExtensionState,
    Instruction,
    Item,
    Node,
    NodeKind,
    Rating,
    Report,
    ReportKind,
    Review,
    Source,
    Track,
    TrackRole,
    TrackState,
    Urge,
)
from .rules import REPORT_FLOW, can_register, item_actions, track_actions
from .status import next_open_node

# ---------------------------------------------------------------------------------------------
# Helpers


def _require(condition: bool, message: str, code: str = "forbidden") -> None:
    if not condition:
        raise Forbidden(message, code=code)


def _lock_track(user, track_id: int, expected_version: int | None) -> Track:
    """Load a visible track for an update; 404 if the user may not see it."""
    track = selectors.get_track(user, track_id)
    if expected_version is not None and track.version != expected_version:
        raise StaleVersion("该事项已被他人更新，请刷新页面后重试", code="stale_version")
    return track


def _commit_track(track: Track, **changes) -> None:
    """Apply ``changes`` only if nobody changed the track since we loaded it."""
    if "next_due_at" not in changes:
        changes["next_due_at"] = _next_due(track, changes.get("state", track.state))
    updated = Track.objects.filter(pk=track.pk, version=track.version).update(
        version=F("version") + 1, **changes
    )
    if updated != 1:
        raise StaleVersion("该事项已被他人更新，请刷新页面后重试", code="stale_version")
    for key, value in changes.items():
        setattr(track, key, value)
    track.version += 1
    # Any change may make a reminder true or false (duban.notify's sweep looks at it again).
    signals.track_changed.send(sender=Track, track=track)


def _next_due(track: Track, state: str) -> dt.datetime | None:
    # While the issuer reviews a closure request the clock is theirs, not the unit's.
    if state in (TrackState.CLOSED, TrackState.REQUESTED):
        return None
    node = next_open_node(list(track.nodes.all()))
    return node.due_at if node else None


def _emit(kind: str, *, actor, track: Track | None = None, item: Item | None = None, obj=None) -> None:
    # Sent inside the transaction: the receivers (duban.notify) write their inbox rows with the
    # change itself and hand outbound deliveries to the task queue only once it commits.
    signals.item_event.send(sender=kind, actor=actor, track=track, item=item, obj=obj)


def _clean(
    text: str | None, field: str, *, required: bool = True, max_len: int = 20000, single_line: bool = False
) -> str:
    value = (text or "").strip()
    if single_line:
        # A title pasted from a document (or sent by a script) may carry its line breaks: one
        # line, spaces collapsed, rather than a refusal over a layout accident.
        value = " ".join(value.split())
    if required and not value:
        raise InvalidInput(f"请填写{field}", code="required", field=field)
    if len(value) > max_len:
        raise InvalidInput(f"{field}过长（最多 {max_len} 字）", code="too_long", field=field)
    return value


def _refuse_classified(**fields: tuple[str, str]) -> dict:
    """Refuse text that carries a classification marking (涉密事项 may not enter the system);
    returns what was checked, for the journal row. ``fields``: name → (Chinese label, text)."""
    words = list(settings.DUBAN_CLASSIFIED_MARKINGS)
    for name, (label, text) in fields.items():
        found = classified.find_marking(text, words)
        if found is not None:
            raise InvalidInput(
                classified.refusal_message(found, label), code="classified", field=name, marking=found
            )
    return {"checked": list(fields), "markings": words, "found": None}


def _node_done(track: Track, kind: str, at: dt.datetime) -> Node | None:
    node = track.nodes.filter(kind=kind, done_at__isnull=True).order_by("due_at", "seq").first()
    if node is not None:
        node.done_at = at
        node.save(update_fields=["done_at"])
    return node


def _node_ref(node: Node) -> list:
    """A node as the journal keeps it: enough to rebuild a track's clock from the events."""
    return [node.pk, node.kind, node.seq, node.due_at.isoformat()]


def _create_nodes(track: Track, item: Item, at: dt.datetime) -> list[Node]:
    nodes = standard_nodes(at, item.category)
    rows = [
        Node(
            track=track,
            kind=n.node,
            seq=i,
            due_at=n.due,
            original_due_at=n.due,
            assumed_calendar=n.assumed_calendar,
        )
        for i, n in enumerate(nodes, start=1)
    ]
    if item.category == Category.CONTINUOUS:
        today = at.astimezone(SHANGHAI).date()
        seq = len(rows)
        for day in sorted(dt.date.fromisoformat(d) for d in item.progress_days):
            if today < day < item.final_due:
                seq += 1
                due = end_of_day(day)
                rows.append(
                    Node(
                        track=track,
                        kind=NodeKind.PROGRESS,
                        seq=seq,
                        due_at=due,
                        original_due_at=due,
                        assumed_calendar=not schedule_known(day.year),
                    )
                )
        due = end_of_day(item.final_due)
        rows.append(Node(track=track, kind=NodeKind.RESULT, seq=seq + 1, due_at=due, original_due_at=due))
    return Node.objects.bulk_create(rows)


def _snapshot_item(item: Item) -> dict:
    return {
        "title": item.title,
        "category": item.category,
        "source": item.source,
        "issuer": item.issuer_unit.code,
        "final_due": item.final_due.isoformat() if item.final_due else None,
        "progress_days": list(item.progress_days),
    }


# ---------------------------------------------------------------------------------------------
# Register and assign


def _validate_continuous(
    category: str, final_due: dt.date | None, progress_days: Sequence[dt.date]
) -> list[str]:
    if category not in Category.values:
        raise InvalidInput("事项类别无效", code="bad_category")
    if category != Category.CONTINUOUS:
        if final_due or progress_days:
            raise InvalidInput("只有持续推进事项设置最终时限和进度节点", code="bad_schedule")
        return []
    if final_due is None:
        raise InvalidInput("持续推进事项须设置最终完成时限", code="final_due_required")
    if final_due <= local_today():
        raise InvalidInput("最终完成时限不能早于明天", code="date_in_past")
    days = sorted(set(progress_days))
    if any(d <= local_today() or d >= final_due for d in days):
        raise InvalidInput("进度报送节点须在今天之后、最终时限之前", code="bad_progress_day")
    return [d.isoformat() for d in days]


def monthly_progress_days(*, start: dt.date, final_due: dt.date, day_of_month: int = 25) -> list[dt.date]:
    """ "Monthly by the 25th" as dates between ``start`` and ``final_due`` (exclusive)."""
    out, year, month = [], start.year, start.month
    while True:
        d = dt.date(
            year, month, min(day_of_month, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
        )
        if d >= final_due:
            return out
        if d > start:
            out.append(d)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


@blobs.discard_on_failure
@transaction.atomic
def register_item(
    *,
    actor,
    title: str,
    body: str = "",
    source: str = Source.MEETING,
    category: str = Category.GENERAL,
    final_due: dt.date | None = None,
    progress_days: Sequence[dt.date] = (),
    external_id: str | None = None,
    source_ref: dict | None = None,
    files: Iterable = (),
    not_classified: bool | None = None,
) -> Item:
    """立项: the actor's unit becomes the issuer. With an ``external_id`` the call is
    idempotent: registering the same id again returns the existing item unchanged.

    ``not_classified`` is the registrar's confirmation that the matter involves no state
    secret: the form and the API require it (False is refused); None means no person was asked
    (an item from an imported report, which was itself checked). Either way the title and body
    are checked for classification markings, and both facts go into the journal row."""
    _require(can_register(actor), "只有督查员可以立项")
    # A retried import must find its item even when the dates it carries have since passed.
    if external_id:
        existing = Item.objects.filter(issuer_unit_id=actor.unit_id, external_id=external_id).first()
        if existing is not None:
            return existing
    title = _clean(title, "标题", max_len=200, single_line=True)
    body = _clean(body, "内容", required=False, max_len=50000)
    if not_classified is False:
        raise InvalidInput("请确认本事项不涉及国家秘密", code="not_confirmed", field="not_classified")
    secrecy = _refuse_classified(title=("标题", title), body=("内容", body))
    secrecy["not_classified"] = not_classified
    if source not in Source.values:
        raise InvalidInput("事项来源无效", code="bad_source")
    days = _validate_continuous(category, final_due, progress_days)
    item = Item.objects.create(
        title=title,
        body=body,
        source=source,
        category=category,
        issuer_unit=actor.unit,
        issuer_path=actor.unit.path,
        created_by=actor,
        created_at=now(),
        final_due=final_due,
        progress_days=days,
        external_id=external_id or None,
        source_ref=source_ref or {},
    )
    names = [store_attachment(actor=actor, upload=f, item=item).name for f in files]
    record(
        actor=actor,
        action="item.register",
        item=item,
        obj=item,
        new=_snapshot_item(item),
        payload={"attachments": names, "secrecy": secrecy} if names else {"secrecy": secrecy},
    )
    return item


def _assignable(actor, unit: OrgUnit) -> bool:
    # An issuer assigns within its own government's subtree, never to itself.
    gov = actor.unit.government
    return unit.path.startswith(gov.path) and unit.pk != actor.unit_id


def open_track(
    *, actor, item: Item, unit: OrgUnit, role: str, parent: Track | None, at: dt.datetime
) -> Track:
    try:
        with transaction.atomic():
            track = Track.objects.create(
                item=item,
                unit=unit,
                unit_path=unit.path,
                role=role,
                parent=parent,
                assigned_at=at,
                assigned_by=actor,
            )
    except IntegrityError:
        raise InvalidState(f"{unit.name} 已承办该事项", code="already_assigned") from None
    nodes = _create_nodes(track, item, at)
    _commit_track(track)
    record(
        actor=actor,
        action="track.assign" if parent is None else "track.pass_down",
        item=item,
        track=track,
        obj=track,
        new={
            "unit": unit.code,
            "role": role,
            "state": track.state,
            "parent": parent.pk if parent else None,
            "nodes": [_node_ref(n) for n in nodes],
        },
        at=at,
    )
    _emit("assigned", actor=actor, track=track, item=item, obj=track)
    return track


@transaction.atomic
def assign_item(*, actor, item_id: int, lead: Sequence[OrgUnit], coop: Sequence[OrgUnit] = ()) -> list[Track]:
    """交办: one track per assigned unit, each with its own clock starting now."""
    item = selectors.get_item(actor, item_id)
    item_actions(actor, item).require("assign")
    if not lead:
        raise InvalidInput("请至少选择一个牵头单位", code="lead_required")
    units = [(u, TrackRole.LEAD) for u in lead] + [(u, TrackRole.COOP) for u in coop if u not in lead]
    codes = [u.code for u, _ in units]
    if len(set(codes)) != len(codes):
        raise InvalidInput("同一单位不能重复选择", code="duplicate_unit")
    for unit, _role in units:
        if not _assignable(actor, unit):
            raise InvalidInput(f"不能交办给 {unit.name}（须为本级政府辖区内的其他单位）", code="bad_unit")
    at = now()
    tracks = [open_track(actor=actor, item=item, unit=u, role=r, parent=None, at=at) for u, r in units]
    if item.assigned_at is None:
        Item.objects.filter(pk=item.pk).update(assigned_at=at, version=F("version") + 1)
        item.assigned_at = at
    return tracks


@blobs.discard_on_failure
@transaction.atomic
def register_and_assign(*, actor, lead: Sequence[OrgUnit], coop: Sequence[OrgUnit] = (), **fields) -> Item:
    item = register_item(actor=actor, **fields)
    if not item.tracks.exists():
        assign_item(actor=actor, item_id=item.pk, lead=lead, coop=coop)
    return item


def pass_down_refusal(gov: OrgUnit, unit: OrgUnit) -> str | None:
    """Why a unit of government ``gov`` may not pass work down to ``unit`` (None: it may).
    Lower governments and their departments only; the pickers offer what this accepts."""
    if not unit.path.startswith(gov.path) or unit.depth <= gov.depth or unit.parent_id == gov.parent_id:
        return f"不能下派给 {unit.name}（须为下级单位）"
    if unit.kind == UnitKind.DEPARTMENT and unit.parent_id == gov.pk:
        return f"不能下派给同级部门 {unit.name}"
    return None


@transaction.atomic
def pass_down(
    *, actor, track_id: int, units: Sequence[OrgUnit], expected_version: int | None = None
) -> list[Track]:
    """下派: the handling unit passes its work to lower units; their tracks hang off its own."""
    track = _lock_track(actor, track_id, expected_version)
    rules.require(actor, track, "pass_down")
    if not units:
        raise InvalidInput("请选择下派单位", code="unit_required")
    gov = track.unit.government
    for unit in units:
        refusal = pass_down_refusal(gov, unit)
        if refusal:
            raise InvalidInput(refusal, code="bad_unit")
    at = now()
    children = [
        open_track(actor=actor, item=track.item, unit=u, role=TrackRole.LEAD, parent=track, at=at)
        for u in units
    ]
    _commit_track(track)
    return children


@transaction.atomic
def route(*, actor, track_id: int, assignee_id: int, expected_version: int | None = None) -> Track:
    """批转: the unit head routes the track to a person in the unit."""
    track = _lock_track(actor, track_id, expected_version)
    rules.require(actor, track, "route")
    from duban.orgs.models import User

    assignee = User.objects.filter(pk=assignee_id, unit_id=track.unit_id, is_active=True).first()
    if assignee is None:
        raise InvalidInput("只能批转给本单位的在职人员", code="bad_assignee")
    old = track.assignee_id
    _commit_track(track, assignee=assignee)
    record(
        actor=actor,
        action="track.route",
        item=track.item,
        track=track,
        obj=track,
        old={"assignee": old},
        new={"assignee": assignee.pk, "assignee_name": str(assignee)},
    )
    _emit("routed", actor=actor, track=track, obj=track)
    return track


# ---------------------------------------------------------------------------------------------
# The handling unit's steps


@transaction.atomic
def sign(*, actor, track_id: int, expected_version: int | None = None) -> Track:
    """签收."""
    track = _lock_track(actor, track_id, expected_version)
    rules.require(actor, track, "sign")
    at = now()
    node = _node_done(track, NodeKind.SIGN, at)
    _commit_track(track, state=TrackState.SIGNED, signed_at=at, signed_by=actor)
    record(
        actor=actor,
        action="track.sign",
        item=track.item,
        track=track,
        obj=track,
        old={"state": TrackState.ASSIGNED},
        new={"state": TrackState.SIGNED},
        payload={"node": node.pk} if node else None,
        at=at,
    )
    _emit("signed", actor=actor, track=track, obj=track)
    return track


# The node each report kind fulfils; when it may be filed is ``rules.REPORT_FLOW``.
_REPORT_NODE = {
    ReportKind.DEPLOY: NodeKind.DEPLOY,
    ReportKind.FEEDBACK: NodeKind.FEEDBACK,
    ReportKind.PROGRESS: NodeKind.PROGRESS,
    ReportKind.RESULT: NodeKind.RESULT,
}


@blobs.discard_on_failure
@transaction.atomic
def file_report(
    *,
    actor,
    track_id: int,
    kind: str,
    done: str,
    next_steps: str = "",
    problems: str = "",
    support_needed: str = "",
    files: Iterable = (),
    expected_version: int | None = None,
) -> Report:
    """A structured report; a result report is the closure request (申请办结)."""
    track = _lock_track(actor, track_id, expected_version)
    actions = track_actions(actor, track, only=("report_deploy", f"report_{kind}"))
    if kind not in REPORT_FLOW:
        # Who may report is the same for every kind: a stranger still hears "not yours" first.
        refusal = actions["report_deploy"].refusal
        if isinstance(refusal, Forbidden):
            raise refusal
        raise InvalidInput("报告类型无效", code="bad_kind")
    actions.require(f"report_{kind}")
    node_kind, after = _REPORT_NODE[kind], REPORT_FLOW[kind][1]
    done = _clean(done, "工作开展情况")
    next_steps = _clean(next_steps, "下步打算", required=False)
    problems = _clean(problems, "存在问题", required=False)
    support_needed = _clean(support_needed, "需协调事项", required=False)
    secrecy = _refuse_classified(
        done=("工作开展情况", done),
        next_steps=("下步打算", next_steps),
        problems=("存在问题", problems),
        support_needed=("需协调事项", support_needed),
    )
    at = now()
    node = _node_done(track, node_kind, at)
    report = Report.objects.create(
        track=track,
        node=node,
        kind=kind,
        done=done,
        next_steps=next_steps,
        problems=problems,
        support_needed=support_needed,
        author=actor,
        created_at=at,
    )
    names = [store_attachment(actor=actor, upload=f, report=report).name for f in files]
    old_state = track.state
    changes: dict = {}
    if after is not None:
        changes["state"] = after
    if kind == ReportKind.RESULT:
        changes["requested_by"] = actor
    if kind in (ReportKind.RESULT,) and track.last_urged_at:
        changes["last_urged_at"] = None
    _commit_track(track, **changes)
    late = node is not None and node.done_at > node.due_at
    record(
        actor=actor,
        action=f"report.{kind}",
        item=track.item,
        track=track,
        obj=report,
        old={"state": old_state},
        new={"state": track.state},
        payload={
            "attachments": names,
            "late": late,
            "node": node.pk if node else None,
            "node_due": node.due_at.isoformat() if node else None,
            "secrecy": secrecy,
        },
        at=at,
    )
    _emit(f"report.{kind}", actor=actor, track=track, obj=report)
    return report


# ---------------------------------------------------------------------------------------------
# The issuer's review


@transaction.atomic
def return_track(
    *, actor, track_id: int, reason: str, working_days: int | None = None, expected_version: int | None = None
) -> Track:
    """退回: the track reopens with a new result node, due in N working days (3 by default)."""
    track = _lock_track(actor, track_id, expected_version)
    rules.require(actor, track, "return")
    reason = _clean(reason, "退回理由")
    days = working_days or settings.DUBAN_RETURN_WORKING_DAYS
    if not 1 <= days <= 60:
        raise InvalidInput("重新办理期限须为 1–60 个工作日", code="bad_days")
    at = now()
    today = local_today()
    due_day = add_working_days(today, days)
    due = end_of_day(due_day)
    last_seq = track.nodes.order_by("-seq").values_list("seq", flat=True).first() or 0
    node = Node.objects.create(
        track=track,
        kind=NodeKind.RESULT,
        seq=last_seq + 1,
        due_at=due,
        original_due_at=due,
        assumed_calendar=not known_between(today, due_day),
    )
    Review.objects.create(
        track=track, decision=Decision.RETURN, comment=reason, reviewer=actor, created_at=at
    )
    _commit_track(track, state=TrackState.RETURNED, requested_by=None)
    record(
        actor=actor,
        action="track.return",
        item=track.item,
        track=track,
        obj=track,
        old={"state": TrackState.REQUESTED},
        new={"state": TrackState.RETURNED, "result_due": due.isoformat(), "result_node": _node_ref(node)},
        payload={"reason": reason},
        at=at,
    )
    _emit("returned", actor=actor, track=track, obj=track)
    return track


@transaction.atomic
def close_track(
    *, actor, track_id: int, rating: str, comment: str = "", expected_version: int | None = None
) -> Track:
    """办结 with a rating (优秀 / 良好 / 合格 / 不合格)."""
    track = _lock_track(actor, track_id, expected_version)
    rules.require(actor, track, "close")
    if rating not in Rating.values:
        raise InvalidInput("请选择评价等级：优秀、良好、合格或不合格", code="bad_rating")
    at = now()
    Review.objects.create(
        track=track,
        decision=Decision.CLOSE,
        rating=rating,
        comment=_clean(comment, "意见", required=False),
        reviewer=actor,
        created_at=at,
    )
    track.extensions.filter(state=ExtensionState.PENDING).update(
        state=ExtensionState.REFUSED, decided_by=actor, decided_at=at, decision_note="事项已办结"
    )
    _commit_track(track, state=TrackState.CLOSED, closed_at=at, rating=rating, next_due_at=None)
    record(
        actor=actor,
        action="track.close",
        item=track.item,
        track=track,
        obj=track,
        old={"state": TrackState.REQUESTED},
        new={"state": TrackState.CLOSED, "rating": rating},
        at=at,
    )
    _emit("closed", actor=actor, track=track, obj=track)
    return track


# ---------------------------------------------------------------------------------------------
# Extensions, urging, instructions


@transaction.atomic
def request_extension(
    *, actor, track_id: int, reason: str, proposed_due: dt.date, expected_version: int | None = None
) -> Extension:
    """延期申请: before the current node's due time, with a reason and a later date."""
    track = _lock_track(actor, track_id, expected_version)
    at = now()
    rules.require(actor, track, "extend", at)
    node = next_open_node(list(track.nodes.all()))
    if proposed_due <= node.due_at.astimezone(SHANGHAI).date():
        raise InvalidInput("申请延至的日期须晚于当前期限", code="date_not_later")
    ext = Extension.objects.create(
        track=track,
        node=node,
        reason=_clean(reason, "延期理由"),
        proposed_due=proposed_due,
        requested_by=actor,
        requested_at=at,
    )
    _commit_track(track)
    record(
        actor=actor,
        action="extension.request",
        item=track.item,
        track=track,
        obj=ext,
        new={"node": node.kind, "due": node.due_at.isoformat(), "proposed": proposed_due.isoformat()},
        payload={"reason": ext.reason, "node_id": node.pk},
        at=at,
    )
    _emit("extension.requested", actor=actor, track=track, obj=ext)
    return ext


@transaction.atomic
def decide_extension(
    *,
    actor,
    extension_id: int,
    grant: bool,
    note: str = "",
    due: dt.date | None = None,
    expected_version: int | None = None,
) -> Extension:
    """The issuer grants (the node moves; the old due stays in the journal) or refuses."""
    ext = Extension.objects.select_related("track", "node").filter(pk=extension_id).first()
    if ext is None:
        raise NotFound("延期申请不存在或无权查看")
    track = _lock_track(actor, ext.track_id, expected_version)
    rules.require(actor, track, "decide_extension")
    if ext.state != ExtensionState.PENDING:
        raise InvalidState("该延期申请已处理", code="already_decided")
    at = now()
    node = ext.node
    old_due = node.due_at
    new_due = None
    if grant:
        target = due or ext.proposed_due
        if target <= local_today():
            raise InvalidInput("延期后的日期不能早于明天", code="date_in_past")
        new_due = end_of_day(target)
        node.due_at = new_due
        node.save(update_fields=["due_at"])
    ext.state = ExtensionState.GRANTED if grant else ExtensionState.REFUSED
    ext.decided_by, ext.decided_at, ext.decision_note = actor, at, note.strip()
    ext.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    _commit_track(track)
    record(
        actor=actor,
        action="extension.grant" if grant else "extension.refuse",
        item=track.item,
        track=track,
        obj=ext,
        old={"node": node.kind, "due": old_due.isoformat()},
        new={"node": node.kind, "due": (new_due or old_due).isoformat()},
        payload={"note": ext.decision_note, "node_id": node.pk},
        at=at,
    )
    _emit("extension.decided", actor=actor, track=track, obj=ext)
    return ext


@transaction.atomic
def urge(*, actor, track_id: int, message: str = "", expected_version: int | None = None) -> Urge:
    """催办: shows in the handling unit's queue until it files its next report."""
    track = _lock_track(actor, track_id, expected_version)
    rules.require(actor, track, "urge")
    at = now()
    u = Urge.objects.create(
        track=track,
        message=_clean(message, "催办内容", required=False) or "请抓紧办理",
        by=actor,
        created_at=at,
    )
    _commit_track(track, last_urged_at=at)
    record(
        actor=actor, action="track.urge", item=track.item, track=track, obj=u, payload={"message": u.message}
    )
    _emit("urged", actor=actor, track=track, obj=u)
    return u


@transaction.atomic
def add_instruction(*, actor, item_id: int, text: str) -> Instruction:
    """批示: a leader who can see the item adds a written instruction."""
    item = selectors.get_item(actor, item_id)
    item_actions(actor, item).require("instruct")
    ins = Instruction.objects.create(
        item=item, text=_clean(text, "批示内容", max_len=5000), by=actor, created_at=now()
    )
    record(actor=actor, action="item.instruct", item=item, obj=ins, payload={"text": ins.text})
    _emit("instructed", actor=actor, item=item, obj=ins)
    return ins


@transaction.atomic
def set_public(*, actor, item_id: int, public: bool) -> Item:
    """公开进展: show (or stop showing) a work-report item on the public progress page."""
    item = selectors.get_item(actor, item_id)
    item_actions(actor, item).require("publish")
    public = bool(public)
    if item.public != public:
        Item.objects.filter(pk=item.pk).update(public=public, version=F("version") + 1)
        record(
            actor=actor,
            action="item.publish" if public else "item.unpublish",
            item=item,
            obj=item,
            old={"public": item.public},
            new={"public": public},
        )
        item.public = public
    return item


# ---------------------------------------------------------------------------------------------
# Attachments

_ALLOWED_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/zip",
    "application/x-ole-storage",
}


def sniff_content_type(head: bytes) -> str | None:
    """Decide the type from the bytes; plain text is accepted when it decodes as UTF-8/GB18030."""
    import filetype

    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime if kind.mime in _ALLOWED_TYPES else None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "application/x-ole-storage"  # legacy .doc/.xls
    sample = head[:4096]
    if b"\x00" in sample:
        return None
    for enc in ("utf-8", "gb18030"):
        try:
            sample.decode(enc)
        except UnicodeDecodeError as exc:
            if exc.start >= len(sample) - 4:  # a multi-byte char cut by the sample boundary
                return "text/plain"
            continue
        return "text/plain"
    return None


def store_attachment(*, actor, upload, report: Report | None = None, item: Item | None = None) -> Attachment:
    """Check size and type by content, store the file outside the database."""
    name = (getattr(upload, "name", "") or "附件").rsplit("/", 1)[-1][:200]
    size = getattr(upload, "size", None)
    limit = settings.DUBAN_MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        raise InvalidInput(f"附件“{name}”超过大小限制（{limit // 1024 // 1024} MB）", code="file_too_large")
    data = upload.read()
    if len(data) > limit:
        raise InvalidInput(f"附件“{name}”超过大小限制（{limit // 1024 // 1024} MB）", code="file_too_large")
    if not data:
        raise InvalidInput(f"附件“{name}”是空文件", code="file_empty")
    mime = sniff_content_type(data[:8192])
    if mime is None:
        raise InvalidInput(
            f"附件“{name}”的类型不支持（可上传 PDF、图片、Office 文档、压缩包或文本）", code="file_type"
        )
    digest = hashlib.sha256(data).hexdigest()
    att = Attachment(
        report=report,
        item=item,
        name=name,
        size=len(data),
        content_type=mime,
        sha256=digest,
        uploaded_by=actor,
        uploaded_at=now(),
    )
    # Content-addressed: the same evidence uploaded twice is stored once. Written before the row
    # commits; the service's blobs.discard_on_failure removes it again if the write is refused.
    att.file.name = blobs.write(digest, data)
    att.save()
    return att
