"""Who may do what with 通报, decided once (the services refuse with it, the pages and the menu
render from it) — the same ``Actions`` shape as ``duban.items.rules``.

- publish: a supervisor publishes bulletins of their own unit's items (the issuing office ranks
  the units it assigned work to), over their unit's subtree or a lower unit;
- points: the issuing office's supervisors keep its points rules (they rank by them); an admin
  who manages that unit may too;
- read: the bulletin list is open to anyone with a unit; which bulletins they see is
  ``selectors.bulletins_visible_to``.
"""

from __future__ import annotations

from duban.core.errors import Forbidden
from duban.items.rules import Action, Actions
from duban.orgs.models import Role


def _has_unit(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.unit_id is not None


def can_publish(user) -> bool:
    return _has_unit(user) and user.role == Role.SUPERVISOR


def can_edit_points(user, unit) -> bool:
    if not _has_unit(user):
        return False
    if user.role == Role.SUPERVISOR and user.unit_id == unit.pk:
        return True
    from duban.orgs.services import can_manage_unit

    return can_manage_unit(user, unit)


def user_bulletin_actions(user) -> Actions:
    out = Actions()
    out["publish"] = Action("publish", None if can_publish(user) else Forbidden("只有督查员可以发布通报"))
    unit_ok = _has_unit(user) and can_edit_points(user, user.unit)
    out["points"] = Action(
        "points", None if unit_ok else Forbidden("只有本单位的督查员或管理员可以修改积分规则")
    )
    return out


def menu_actions(user) -> set[str]:
    """The menu-level names ``duban.items.rules.user_actions`` adds."""
    if not _has_unit(user):
        return set()
    out = {"bulletins"}
    acts = user_bulletin_actions(user)
    if acts["publish"].allowed:
        out.add("publish_bulletin")
    if acts["points"].allowed:
        out.add("bulletin_points")
    return out
