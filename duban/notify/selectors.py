"""Reads of the inbox, the delivery log and the settings — each takes the viewer."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from duban.core import sqlrows
from duban.core.errors import NotFound
from duban.orgs.models import OrgUnit, subtree_filter

from . import rules
from .kinds import CONFIGURABLE, KINDS
from .models import Delivery, KindSetting, Notification, Preference, Robot
from .preferences import Prefs


def unread_count_read(user) -> tuple[str, list]:
    """The header's unread count as a read (SQL, parameters), for a page that sends its reads
    together (one row, one column). Hand-written (core.sqlrows): the header of every page asks."""
    q = connection.ops.quote_name
    return (
        f"SELECT COUNT(*) FROM {q(Notification._meta.db_table)} "
        f"WHERE {q('recipient_id')} = %s AND {q('read_at')} IS NULL",
        [user.pk],
    )


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return sqlrows.query(*unread_count_read(user))[0][0]


def inbox(user, *, unread: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user).select_related("alert")
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def get_notification(user, pk: int) -> Notification:
    n = inbox(user).filter(pk=pk).first()
    if n is None:
        raise NotFound("消息不存在")
    return n


def preferences(user) -> Prefs:
    return Prefs.of(Preference.objects.filter(user=user).first())


def deliveries(user, *, state: str = "") -> QuerySet[Delivery]:
    """The delivery log an admin may see: sends to people and robots of their subtree."""
    if not rules.can_view_deliveries(user):
        return Delivery.objects.none()
    path = user.unit.path
    qs = Delivery.objects.filter(
        subtree_filter("recipient__unit__path", path) | subtree_filter("robot__unit__path", path)
    ).select_related("alert", "recipient", "robot", "robot__unit", "recipient__unit")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


def get_delivery(user, pk: int) -> Delivery:
    d = deliveries(user).filter(pk=pk).first()
    if d is None:
        raise NotFound("发送记录不存在或无权查看")
    return d


def robots(user, unit: OrgUnit) -> QuerySet[Robot]:
    if not rules.can_configure(user, unit):
        return Robot.objects.none()
    return Robot.objects.filter(unit=unit).order_by("id")


def get_robot(user, pk: int) -> Robot:
    r = Robot.objects.filter(pk=pk).select_related("unit").first()
    if r is None or not rules.can_configure(user, r.unit):
        raise NotFound("群机器人不存在或无权查看")
    return r


def kind_table(unit: OrgUnit) -> list[dict]:
    """Every configurable kind with who hears of it for this issuing unit (override or default)."""
    saved = {s.kind: s for s in KindSetting.objects.filter(unit=unit)}
    rows = []
    for k in CONFIGURABLE:
        s = saved.get(k.code)
        rows.append(
            {
                "kind": k.code,
                "label": k.label,
                "reminder": k.reminder,
                "enabled": s.enabled if s else True,
                "audiences": list(s.audiences) if s else list(k.audiences),
                "default": list(k.audiences),
                "overridden": s is not None,
            }
        )
    return rows


def kind_label(code: str) -> str:
    return KINDS[code].label if code in KINDS else code
