"""What a user may do, decided once.

``track_actions(user, track)`` and ``item_actions(user, item)`` return every action with
whether the user may take it *now* and, when not, the refusal the service raises. The services
call them to refuse (``require``), the web templates show a form only for an allowed action and
the API lists them in an ``actions`` field — so the screens and the services cannot disagree.

Input checks (a reason left empty, a date not later than the deadline, a unit outside the
subtree) are not here: they depend on what the user types, and the services make them.
"""

from __future__ import annotations

import datetime as dt

from duban.core.actions import Action
from duban.core.actions import Actions as CoreActions
from duban.core.clock import now
from duban.core.errors import DubanError, Forbidden, InvalidState
from duban.orgs.models import Role, UnitKind

from .models import ExtensionState, Item, ReportKind, Source, Track, TrackState
from .status import next_open_node

# report kind → (states it may be filed in, state after filing)
REPORT_FLOW: dict[str, tuple[tuple[str, ...], str | None]] = {
    ReportKind.DEPLOY: ((TrackState.SIGNED,), TrackState.DEPLOYED),
    ReportKind.FEEDBACK: ((TrackState.DEPLOYED,), TrackState.IN_PROGRESS),
    ReportKind.PROGRESS: ((TrackState.IN_PROGRESS, TrackState.RETURNED), None),
    ReportKind.RESULT: ((TrackState.IN_PROGRESS, TrackState.RETURNED), TrackState.REQUESTED),
}
_FLOW_HINT = {
    ReportKind.DEPLOY: "请先签收，再报送部署情况",
    ReportKind.FEEDBACK: "请先报送部署情况，再报送反馈",
    ReportKind.PROGRESS: "反馈报告报送后才能报送进度",
    ReportKind.RESULT: "反馈报告报送后才能申请办结",
}

TRACK_ACTIONS = (
    "sign",
    *(f"report_{k}" for k in REPORT_FLOW),
    "extend",
    "route",
    "pass_down",
    "close",
    "return",
    "urge",
    "decide_extension",
)
ITEM_ACTIONS = ("assign", "instruct", "publish")


class Actions(CoreActions):
    """Action name → Action for a track or an item, with the report kinds it offers."""

    def report_kinds(self) -> list[str]:
        return [k for k in REPORT_FLOW if self[f"report_{k}"].allowed]


# ---------------------------------------------------------------------------------------------
# Who: permission predicates on the stored role and unit (never on Django's is_staff flags,
# so an admin cannot grant themself a supervisor's rights).


def is_issuer_of(user, track: Track) -> bool:
    """The unit that assigned this track: the item's issuer, or the parent track's unit (下派)."""
    issuing_unit_id = track.parent.unit_id if track.parent_id else track.item.issuer_unit_id
    return user.unit_id == issuing_unit_id


def can_review(user, track: Track) -> bool:
    """Return/close: a supervisor (or, for passed-down tracks, the head) of the issuing unit.

    Separation of duties: nobody in the handling unit, and never the person who asked to close.
    """
    if not is_issuer_of(user, track) or user.unit_id == track.unit_id:
        return False
    roles = (Role.SUPERVISOR,) if not track.parent_id else (Role.SUPERVISOR, Role.HEAD)
    return user.role in roles and track.requested_by_id != user.pk


def can_decide_extension(user, track: Track) -> bool:
    return (
        is_issuer_of(user, track)
        and user.role in (Role.SUPERVISOR, Role.HEAD)
        and user.unit_id != track.unit_id
    )


def can_urge(user, track: Track) -> bool:
    if user.unit_id == track.unit_id:
        return False
    if is_issuer_of(user, track) and user.role in (Role.SUPERVISOR, Role.HEAD, Role.LEADER):
        return True
    return user.oversees_subtree and track.unit_path.startswith(user.unit.path)


def can_handle(user, track: Track) -> bool:
    """Sign, report, ask to close or for more time: the handling unit's clerk or head."""
    if user.unit_id != track.unit_id or user.role not in (Role.CLERK, Role.HEAD):
        return False
    return user.role == Role.HEAD or track.assignee_id in (None, user.pk)


def can_route(user, track: Track) -> bool:
    return user.unit_id == track.unit_id and user.role == Role.HEAD


def can_pass_down(user, track: Track) -> bool:
    return user.unit_id == track.unit_id and user.role in (Role.HEAD, Role.CLERK)


def can_register(user) -> bool:
    return (
        getattr(user, "is_authenticated", False) and user.role == Role.SUPERVISOR and user.unit_id is not None
    )


# ---------------------------------------------------------------------------------------------
# What: the actions on a track and an item


def _open_children(track: Track) -> int:
    # The item page knows every track of the item (``child_tracks``); elsewhere ask the database.
    kids = getattr(track, "child_tracks", None)
    if kids is not None:
        return sum(1 for c in kids if c.state != TrackState.CLOSED)
    return track.children.exclude(state=TrackState.CLOSED).count()


def _pending_extension(track: Track):
    return next((e for e in track.extensions.all() if e.state == ExtensionState.PENDING), None)


def _report_refusal(track: Track, kind: str) -> DubanError | None:
    if track.is_closed:
        return InvalidState("事项已办结，不能再报送", code="closed")
    if track.state == TrackState.REQUESTED:
        return InvalidState("已申请办结，请等待审核", code="awaiting_review")
    states, _after = REPORT_FLOW[kind]
    if track.state not in states:
        return InvalidState(_FLOW_HINT[kind], code="out_of_order")
    if kind == ReportKind.RESULT:
        pending = _open_children(track)
        if pending:
            return InvalidState(f"还有 {pending} 个下派单位未办结，不能申请办结", code="children_open")
    return None


def _extend_refusal(track: Track, at: dt.datetime) -> DubanError | None:
    if track.is_closed:
        return InvalidState("事项已办结", code="closed")
    if track.state == TrackState.REQUESTED:
        return InvalidState("已申请办结，请等待审核", code="awaiting_review")
    node = next_open_node(list(track.nodes.all()))
    if node is None:
        return InvalidState("当前没有待完成的节点", code="no_open_node")
    if at > node.due_at:
        return InvalidState("已超过期限，不能再申请延期，请尽快办理", code="already_overdue")
    if _pending_extension(track) is not None:
        return InvalidState("已有待审批的延期申请", code="extension_pending")
    return None


def _pass_down_refusal(track: Track) -> DubanError | None:
    if track.state in (TrackState.ASSIGNED, TrackState.CLOSED, TrackState.REQUESTED):
        return InvalidState("签收后、申请办结前才能下派", code="bad_state")
    if track.unit.government.kind == UnitKind.TOWNSHIP:
        return InvalidState("乡镇（街道）没有下级单位，不能下派", code="no_lower_units")
    return None


def track_actions(
    user, track: Track, at: dt.datetime | None = None, *, only: tuple[str, ...] = ()
) -> Actions:
    """Every track action (or ``only`` those named: a service asks for its one, and pays no
    query for the others) with whether ``user`` may take it at ``at`` (default: now).

    Reads ``track.nodes`` and ``track.extensions`` through ``.all()``, so a page that prefetched
    them pays no query here. Permission is checked before state, as the services always did:
    a stranger learns "not yours" (403), not where the track stands.
    """
    at = at or now()
    out = Actions()

    def put(name: str, permitted: bool, no: str, state=None) -> None:
        # ``state`` may be a function: refusals that need a query are worked out only when asked.
        if only and name not in only:
            return
        if not permitted:
            out[name] = Action(name, Forbidden(no))
        else:
            out[name] = Action(name, state() if callable(state) else state)

    handle = can_handle(user, track)
    put(
        "sign",
        handle,
        "只有承办单位的承办人或第一责任人可以签收",
        InvalidState("该事项已签收，不能重复签收", code="already_signed")
        if track.state != TrackState.ASSIGNED
        else None,
    )
    for kind in REPORT_FLOW:
        put(
            f"report_{kind}",
            handle,
            "只有承办单位的承办人或第一责任人可以报送",
            lambda kind=kind: _report_refusal(track, kind),
        )
    put(
        "extend",
        handle,
        "只有承办单位的承办人或第一责任人可以申请延期",
        lambda: _extend_refusal(track, at),
    )
    closed = InvalidState("事项已办结", code="closed") if track.is_closed else None
    put("route", can_route(user, track), "只有承办单位的第一责任人可以批转", closed)
    pass_down = can_pass_down(user, track)
    put(
        "pass_down",
        pass_down,
        "只有承办单位的第一责任人或承办人可以下派",
        lambda: _pass_down_refusal(track),
    )
    review = can_review(user, track)
    not_requested = (
        InvalidState("该事项当前不在待审核状态", code="not_requested")
        if track.state != TrackState.REQUESTED
        else None
    )
    for name in ("close", "return"):
        put(name, review, "只有交办单位的督查员可以审核，且不能审核本单位或本人申请的事项", not_requested)
    put(
        "urge",
        can_urge(user, track),
        "只有交办单位或上级的督查员、领导可以催办",
        InvalidState("事项已办结，无需催办", code="closed") if track.is_closed else None,
    )
    decide = can_decide_extension(user, track)
    put(
        "decide_extension",
        decide,
        "只有交办单位的督查员可以审批延期",
        lambda: (
            InvalidState("该延期申请已处理", code="already_decided")
            if _pending_extension(track) is None
            else None
        ),
    )
    return out


def require(user, track: Track, name: str, at: dt.datetime | None = None) -> None:
    """Raise the refusal if ``user`` may not take action ``name`` on ``track`` now."""
    track_actions(user, track, at, only=(name,)).require(name)


def item_actions(user, item: Item) -> Actions:
    out = Actions()
    assign_ok = item.issuer_unit_id == user.unit_id and user.role == Role.SUPERVISOR
    out["assign"] = Action("assign", None if assign_ok else Forbidden("只有立项单位的督查员可以交办"))
    out["instruct"] = Action("instruct", None if user.role == Role.LEADER else Forbidden("只有领导可以批示"))
    # 公开进展: the issuing unit's supervisors put a work-report item on the public page.
    if not assign_ok:
        publish: DubanError | None = Forbidden("只有立项单位的督查员可以公开事项进展")
    elif item.source != Source.WORK_REPORT:
        publish = InvalidState("只有政府工作报告任务可以公开", code="not_work_report")
    else:
        publish = None
    out["publish"] = Action("publish", publish)
    return out


def user_actions(user) -> set[str]:
    """What a user may do outside any one item: the menu and the pages' entry buttons."""
    if not getattr(user, "is_authenticated", False):
        return set()
    allowed = set()
    if can_register(user):
        allowed |= {"register", "import_report"}
    if user.role in (Role.SUPERVISOR, Role.LEADER) and user.unit_id is not None:
        allowed.add("view_plans")
    if user.role == Role.SUPERVISOR and user.unit_id is not None:
        # 督办工作台: what the items their unit (or its subtree) issued need from them.
        allowed.add("workbench")
    if user.unit_id is not None and (user.oversees_subtree or user.role == Role.ADMIN):
        # 领导驾驶舱: those who see their whole subtree (items.selectors.sees_whole_subtree).
        allowed.add("dashboard")
    if user.unit_id is not None:
        # 指标: every unit may own a target or a share of one; the list shows what it may see.
        allowed.add("view_targets")
        # 五账: every unit's ledgers of what it may see.
        allowed.add("ledgers")
    from duban.orgs.services import can_manage_unit
    from duban.workcal.services import can_manage as can_manage_calendar

    if user.unit_id is not None and can_manage_unit(user, user.unit):
        allowed |= {"manage", "manage_users", "manage_units", "manage_vocabulary"}
    if can_manage_calendar(user):
        allowed.add("manage_calendar")
    from duban.notify import rules as notify_rules

    if user.unit_id is not None and notify_rules.can_configure(user, user.unit):
        allowed.add("notify_settings")
    if notify_rules.can_view_deliveries(user):
        allowed.add("deliveries")
    from duban.bulletins import rules as bulletin_rules

    allowed |= bulletin_rules.menu_actions(user)
    return allowed


def may_handle_tracks(user) -> bool:
    """Whether ``user``'s role can ever sign or report (``can_handle``): the queue's handling
    tabs mean nothing to anyone else unless their unit's tracks happen to be there."""
    return getattr(user, "role", None) in (Role.CLERK, Role.HEAD)


def landing(user) -> str:
    """The URL name of the page where ``user``'s work is, which ``/`` shows: supervisors the
    督办工作台, leaders the 领导驾驶舱, everyone else 我的待办."""
    if "workbench" in user_actions(user):
        return "workbench:home"
    if getattr(user, "role", None) == Role.LEADER and user.unit_id is not None:
        return "dashboard:home"
    return "web:queue"
