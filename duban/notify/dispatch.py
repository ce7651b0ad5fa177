"""Sending deliveries: claim, re-check, send, record. Runs inside a task-queue worker.

A delivery is claimed with a conditional ``UPDATE … WHERE state = 'queued'`` so a task that
was enqueued twice (by the commit hook and by the sweep's recovery) still sends once. A failed
send waits with backoff and is released again by the sweep; after ``MAX_ATTEMPTS`` it is
marked failed, and stays in the admins' delivery log with its error until someone retries it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import F

from duban.core.clock import SHANGHAI, now

from . import channels, reminders, selectors
from .fanout import SMS_MAX, sms_text
from .kinds import KINDS
from .models import Channel, Delivery, DeliveryState

log = logging.getLogger("duban.notify")
BACKOFF_MINUTES = (1, 5, 30, 120)  # after the 1st … 4th failure; the 5th is final
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
FOOTER = "\n\n——\n本消息由督办系统自动发送，请勿直接回复。可在“消息设置”中调整接收方式。"


def _claim(ids: list[int]) -> list[Delivery]:
    at = now()
    mine = [
        pk
        for pk in ids
        if Delivery.objects.filter(pk=pk, state=DeliveryState.QUEUED).update(
            state=DeliveryState.SENDING, updated_at=at
        )
    ]
    return list(
        Delivery.objects.filter(pk__in=mine)
        .select_related("alert", "alert__item", "recipient", "robot")
        .order_by("alert__created_at", "id")  # a digest lists its alerts in the order they happened
    )


def _drop_reason(d: Delivery) -> str:
    alert = d.alert
    if alert.condition and not reminders.still_true(alert.condition):
        return "提醒发送前情况已变化（已报送或已办结），不再发送"
    if d.robot_id:
        if d.robot is None or not d.robot.enabled:
            return "群机器人已停用"
        return ""
    user = d.recipient
    if user is None or not user.is_active:
        return "接收人已停用"
    if not selectors.preferences(user).wants(d.channel, alert.kind):
        return "接收人已关闭该渠道"
    return ""


def _mark(d: Delivery, state: str, error: str = "") -> None:
    at = now()
    fields = {"state": state, "updated_at": at, "last_error": error[:2000]}
    if state == DeliveryState.SENT:
        fields["sent_at"] = at
    Delivery.objects.filter(pk=d.pk).update(**fields)


def _failed(d: Delivery, exc: Exception) -> None:
    attempts = d.attempts + 1
    error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, channels.SendError) else str(exc)
    at = now()
    if attempts >= MAX_ATTEMPTS:
        state, when = DeliveryState.FAILED, at
        log.warning("delivery %s failed for good after %s attempts: %s", d.pk, attempts, error)
    else:
        state, when = DeliveryState.WAITING, at + dt.timedelta(minutes=BACKOFF_MINUTES[attempts - 1])
    Delivery.objects.filter(pk=d.pk).update(
        state=state, attempts=F("attempts") + 1, not_before=when, last_error=error[:2000], updated_at=at
    )


def _send_one(d: Delivery, title: str, body: str, url: str, sms: str) -> None:
    if d.channel == Channel.EMAIL:
        channels.send_email(d.address, title, f"{body}\n\n查看详情：{url}{FOOTER}")
    elif d.channel == Channel.SMS:
        channels.send_sms(d.address, sms)
    elif d.channel == Channel.WEBHOOK:
        channels.send_webhook(d.robot, title, body, url)
    else:  # pragma: no cover
        raise channels.SendError(f"unknown channel {d.channel}")


def send_many(ids: list[int]) -> int:
    """Send each queued delivery in ``ids``; return how many went out."""
    sent = 0
    for d in _claim(ids):
        reason = _drop_reason(d)
        if reason:
            _mark(d, DeliveryState.DROPPED, reason)
            continue
        a = d.alert
        try:
            _send_one(d, a.title, a.body, a.url, sms_text(a.kind, a.item.title if a.item else a.title))
        except Exception as exc:  # noqa: BLE001 - any failure of a channel is recorded and retried
            _failed(d, exc)
        else:
            _mark(d, DeliveryState.SENT)
            sent += 1
    return sent


def send_digest(ids: list[int]) -> int:
    """One message for one recipient and channel, listing every alert held for the digest."""
    batch = _claim(ids)
    keep = []
    for d in batch:
        reason = _drop_reason(d)
        if reason:
            _mark(d, DeliveryState.DROPPED, reason)
        else:
            keep.append(d)
    if not keep:
        return 0
    first = keep[0]
    day = now().astimezone(SHANGHAI)
    title = f"【督办每日汇总】{day:%m月%d日} 共 {len(keep)} 条提醒"
    lines = [f"{i}. {d.alert.title}\n   {d.alert.url}" for i, d in enumerate(keep, 1)]
    body = "\n".join(lines)
    counts: dict[str, int] = {}
    for d in keep:
        counts[KINDS[d.alert.kind].label] = counts.get(KINDS[d.alert.kind].label, 0) + 1
    tail = "，请登录督办系统查看"
    sms = "【督办】今日提醒：" + "，".join(f"{k}{v}条" for k, v in counts.items())
    room = SMS_MAX - 1 - len(tail)
    sms = (sms if len(sms) <= room else sms[: room - 1] + "…") + tail
    try:
        _send_one(first, title, body, settings.DUBAN_BASE_URL + "/inbox/", sms)
    except Exception as exc:  # noqa: BLE001
        for d in keep:
            _failed(d, exc)
        return 0
    for d in keep:
        _mark(d, DeliveryState.SENT)
    return len(keep)
