"""Writes to notification settings, the inbox and the delivery log: one transaction each,
with the acting user first and a journal row for every settings change.

Marking a message read is not journaled: ``read_at`` on the inbox row is itself the record,
and a journal row per click would bury the supervision events the journal exists for.
"""

from __future__ import annotations

import urllib.parse

from django.db import transaction

from duban.core.clock import now
from duban.core.errors import Forbidden, InvalidInput, InvalidState
from duban.journal.services import record
from duban.orgs.models import OrgUnit

from . import rules, selectors
from .kinds import AUDIENCES, CONFIGURABLE, KINDS
from .models import Channel, Delivery, DeliveryState, Flavour, KindSetting, Notification, Preference, Robot
from .preferences import Prefs

MAX_ROBOTS_PER_UNIT = 10


def _hour(value, field: str) -> int:
    try:
        h = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field}须为 0–23 的整点", code="bad_hour", field=field) from None
    if not 0 <= h <= 23:
        raise InvalidInput(f"{field}须为 0–23 的整点", code="bad_hour", field=field)
    return h


def _kinds(values, field: str = "消息类型") -> list[str]:
    kinds = sorted(set(values or []))
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise InvalidInput(f"未知的{field}：{'、'.join(bad)}", code="bad_kind", field=field)
    return kinds


# --- the inbox ---------------------------------------------------------------------------------
@transaction.atomic
def mark_read(*, actor, notification_id: int) -> Notification:
    n = selectors.get_notification(actor, notification_id)
    if n.read_at is None:
        n.read_at = now()
        Notification.objects.filter(pk=n.pk, read_at__isnull=True).update(read_at=n.read_at)
    return n


@transaction.atomic
def mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=now())


# --- a user's preferences ------------------------------------------------------------------------
@transaction.atomic
def save_preferences(
    *,
    actor,
    email_kinds=(),
    sms_kinds=(),
    digest: bool = False,
    digest_hour=8,
    quiet: bool = True,
    quiet_start=22,
    quiet_end=7,
) -> Preference:
    new = {
        "channels": {Channel.EMAIL.value: _kinds(email_kinds), Channel.SMS.value: _kinds(sms_kinds)},
        "digest": bool(digest),
        "digest_hour": _hour(digest_hour, "汇总发送时间"),
        "quiet": bool(quiet),
        "quiet_start": _hour(quiet_start, "免打扰开始时间"),
        "quiet_end": _hour(quiet_end, "免打扰结束时间"),
    }
    pref = Preference.objects.select_for_update().filter(user=actor).first()
    old = Prefs.of(pref).__dict__.copy()
    if pref is None:
        pref = Preference(user=actor)
    for key, value in new.items():
        setattr(pref, key, value)
    pref.updated_at = now()
    pref.save()
    record(actor=actor, action="notify.preferences", obj=pref, old=old, new=new)
    return pref


# --- an issuing unit's settings ----------------------------------------------------------------
def _require_configure(actor, unit: OrgUnit) -> None:
    if not rules.can_configure(actor, unit):
        raise Forbidden("只有本单位的督查员、第一责任人或管理员可以修改提醒设置")


@transaction.atomic
def save_kind_setting(*, actor, unit: OrgUnit, kind: str, enabled: bool, audiences) -> KindSetting:
    """Who hears of ``kind`` for items this unit issues (replaces the default)."""
    _require_configure(actor, unit)
    if kind not in {k.code for k in CONFIGURABLE}:
        raise InvalidInput(f"未知的消息类型：{kind}", code="bad_kind")
    audiences = sorted(set(audiences or []))
    bad = [a for a in audiences if a not in AUDIENCES or a == "admins"]
    if bad:
        raise InvalidInput(f"未知的接收对象：{'、'.join(bad)}", code="bad_audience")
    if enabled and not audiences:
        raise InvalidInput("请至少选择一类接收对象，或关闭该提醒", code="audience_required")
    setting = KindSetting.objects.select_for_update().filter(unit=unit, kind=kind).first()
    old = (
        {"enabled": setting.enabled, "audiences": setting.audiences}
        if setting
        else {"enabled": True, "audiences": list(KINDS[kind].audiences), "default": True}
    )
    if setting is None:
        setting = KindSetting(unit=unit, kind=kind)
    setting.enabled, setting.audiences, setting.updated_at = bool(enabled), audiences, now()
    setting.save()
    record(
        actor=actor,
        action="notify.kind_setting",
        obj=setting,
        old=old,
        new={"enabled": setting.enabled, "audiences": audiences},
        payload={"unit": unit.code, "kind": kind},
    )
    return setting


@transaction.atomic
def reset_kind_setting(*, actor, unit: OrgUnit, kind: str) -> None:
    _require_configure(actor, unit)
    setting = KindSetting.objects.filter(unit=unit, kind=kind).first()
    if setting is None:
        return
    record(
        actor=actor,
        action="notify.kind_setting.reset",
        obj=setting,
        old={"enabled": setting.enabled, "audiences": setting.audiences},
        new={"enabled": True, "audiences": list(KINDS[kind].audiences), "default": True},
        payload={"unit": unit.code, "kind": kind},
    )
    setting.delete()


def _clean_robot(name: str, flavour: str, url: str, secret: str) -> tuple[str, str, str, str]:
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise InvalidInput("请填写机器人名称（最多 50 字）", code="bad_name", field="name")
    if flavour not in Flavour.values:
        raise InvalidInput("请选择机器人类型", code="bad_flavour", field="flavour")
    url = (url or "").strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 300:
        raise InvalidInput(
            "Webhook 地址须为 http(s) 开头的完整网址（最多 300 字符）", code="bad_url", field="url"
        )
    secret = (secret or "").strip()
    if len(secret) > 200:
        raise InvalidInput("加签密钥过长", code="bad_secret", field="secret")
    return name, flavour, url, secret


def _robot_view(r: Robot) -> dict:
    # The secret never goes into the journal: only whether one is set.
    return {
        "name": r.name,
        "flavour": r.flavour,
        "url": r.url.split("?")[0],
        "signed": bool(r.secret),
        "kinds": r.kinds,
        "enabled": r.enabled,
    }


@transaction.atomic
def save_robot(
    *,
    actor,
    unit: OrgUnit,
    name: str,
    flavour: str,
    url: str,
    secret: str = "",
    kinds=(),
    enabled: bool = True,
    robot_id: int | None = None,
    keep_secret: bool = False,
) -> Robot:
    _require_configure(actor, unit)
    name, flavour, url, secret = _clean_robot(name, flavour, url, secret)
    kinds = _kinds(kinds)
    if robot_id is None:
        if Robot.objects.filter(unit=unit).count() >= MAX_ROBOTS_PER_UNIT:
            raise InvalidInput(f"每个单位最多配置 {MAX_ROBOTS_PER_UNIT} 个群机器人", code="too_many")
        robot, old = Robot(unit=unit, created_at=now()), None
    else:
        robot = selectors.get_robot(actor, robot_id)
        if robot.unit_id != unit.pk:
            raise InvalidInput("机器人不属于该单位", code="bad_unit")
        old = _robot_view(robot)
        if keep_secret and not secret:
            secret = robot.secret
    robot.name, robot.flavour, robot.url, robot.secret = name, flavour, url, secret
    robot.kinds, robot.enabled = kinds, bool(enabled)
    robot.save()
    record(
        actor=actor,
        action="notify.robot.save",
        obj=robot,
        old=old,
        new=_robot_view(robot),
        payload={"unit": unit.code},
    )
    return robot


@transaction.atomic
def delete_robot(*, actor, robot_id: int) -> None:
    robot = selectors.get_robot(actor, robot_id)
    _require_configure(actor, robot.unit)
    record(
        actor=actor,
        action="notify.robot.delete",
        obj=robot,
        old=_robot_view(robot),
        payload={"unit": robot.unit.code},
    )
    robot.delete()


# --- the delivery log --------------------------------------------------------------------------
@transaction.atomic
def retry_delivery(*, actor, delivery_id: int) -> Delivery:
    """An admin sends a failed (or dropped) delivery again, on the sweep's next pass."""
    d = selectors.get_delivery(actor, delivery_id)
    refusal = rules.retry_refusal(d)
    if refusal:
        raise InvalidState(refusal, code="not_failed")
    at = now()
    changed = Delivery.objects.filter(pk=d.pk, state=d.state).update(
        state=DeliveryState.WAITING, not_before=at, attempts=0, updated_at=at
    )
    if not changed:
        raise InvalidState("该消息状态已变化，请刷新后重试", code="stale")
    record(
        actor=actor,
        action="notify.retry",
        obj=d,
        old={"state": d.state, "attempts": d.attempts, "error": d.last_error[:200]},
        new={"state": DeliveryState.WAITING},
        payload={"channel": d.channel, "target": d.target},
    )
    d.state = DeliveryState.WAITING
    return d
