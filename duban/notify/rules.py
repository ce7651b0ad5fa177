"""Who may configure and inspect notifications (the menu reads these through items.rules.user_actions)."""

from __future__ import annotations

from duban.orgs.models import OrgUnit, Role


def can_configure(user, unit: OrgUnit) -> bool:
    """An issuing unit's event settings and robots: its supervisors and head, or an admin over it."""
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return False
    if user.unit_id == unit.pk and user.role in (Role.SUPERVISOR, Role.HEAD):
        return True
    from duban.orgs.services import can_manage_unit

    return can_manage_unit(user, unit)


def can_view_deliveries(user) -> bool:
    """The delivery log (failures, retries) is for admins, over their own subtree."""
    return getattr(user, "is_authenticated", False) and user.role == Role.ADMIN and user.unit_id is not None


def retry_refusal(delivery) -> str:
    """Why a delivery cannot be sent again now ("" when it can): only what failed or was
    dropped; anything else is still on its way or already out."""
    from .models import DeliveryState

    if delivery.state in (DeliveryState.FAILED, DeliveryState.DROPPED):
        return ""
    return "只有发送失败或已取消的消息可以重发"
