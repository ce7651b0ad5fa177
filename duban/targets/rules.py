"""What a user may do with a target, decided once (the services refuse with it, the pages and
the API render from it) — the same ``Actions`` shape as ``duban.items.rules``."""

from __future__ import annotations

from duban.core.errors import Forbidden, InvalidState
from duban.items.models import Item, TrackState
from duban.items.rules import Action, Actions, can_handle
from duban.orgs.models import Role, UnitKind

from .models import Target

TARGET_ACTIONS = ("file", "file_stats", "edit", "allocate")


def sets_targets_for(user, item: Item) -> bool:
    """The item's issuing office's supervisors set and correct its targets."""
    return (
        getattr(user, "is_authenticated", False)
        and user.role == Role.SUPERVISOR
        and user.unit_id == item.issuer_unit_id
    )


def _allocator_of(user, target: Target) -> bool:
    """Who split the parent among units: for a share, the parent's owning unit (its supervisor
    or head) decides the share's terms, as the issuer does for a top-level target."""
    if sets_targets_for(user, target.item):
        return True
    parent = target.parent
    return parent is not None and user.unit_id == parent.unit_id and user.role in (Role.SUPERVISOR, Role.HEAD)


def can_file_stats(user, target: Target) -> bool:
    """统计数: entered by a supervisor of the issuing office, or of a government above the unit
    (the office that receives the statistics bureau's data) — never by the unit it judges."""
    if user.role != Role.SUPERVISOR or user.unit_id is None or user.unit_id == target.unit_id:
        return False
    return user.unit_id == target.item.issuer_unit_id or target.unit_path.startswith(user.unit.path)


def can_allocate(user, target: Target) -> bool:
    if sets_targets_for(user, target.item):
        return True
    # The unit holding a share may split it further: a city's supervisor or head among counties.
    return user.unit_id == target.unit_id and user.role in (Role.SUPERVISOR, Role.HEAD)


def target_actions(user, target: Target, *, only: tuple[str, ...] = ()) -> Actions:
    """Every target action with whether ``user`` may take it now. Reads ``target.track``,
    ``target.item``, ``target.parent`` and ``target.unit``: select them with the target."""
    out = Actions()

    def put(name: str, permitted: bool, no: str, state=None) -> None:
        if only and name not in only:
            return
        out[name] = Action(name, Forbidden(no) if not permitted else (state() if callable(state) else state))

    track = target.track
    put("file", can_handle(user, track), "只有责任单位的承办人或第一责任人可以报送指标数据")
    put("file_stats", can_file_stats(user, target), "只有交办单位或上级的督查员可以录入统计数")
    put("edit", _allocator_of(user, target), "只有下达该指标的单位可以修改指标")

    def allocate_state():
        if track.state == TrackState.CLOSED:
            return InvalidState("责任单位已办结，不能再分解", code="closed")
        if target.unit.government.kind == UnitKind.TOWNSHIP:
            return InvalidState("乡镇（街道）没有下级单位，不能分解", code="no_lower_units")
        return None

    put(
        "allocate",
        can_allocate(user, target),
        "只有下达单位的督查员或责任单位负责人可以分解指标",
        allocate_state,
    )
    return out


def require(user, target: Target, name: str) -> None:
    target_actions(user, target, only=(name,)).require(name)
