"""What Duban tells people, and how each message went out.

An ``Alert`` is one thing worth telling (an urge, a deadline passing), keyed so the same event
is never told twice; a ``Notification`` is its entry in one person's inbox (站内消息); a
``Delivery`` is one outbound send of it on one channel to one target (a user's e-mail or phone,
a unit's group-chat robot). Unique keys on all three make "once per (event, recipient,
channel)" a database guarantee rather than a hope, so the sweep may run every minute on several
hosts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Watch(models.Model):
    """When the reminder sweep should next look at a track (healthchecks' ``alert_after``).

    Every change to a track sets it to now (``items.signals.track_changed``); the sweep moves it
    to the next moment a reminder can become true, or to null when none can until the track
    changes again. A narrow table of its own: the sweep's claim rewrites tens of thousands of
    these rows on a province's first pass, which on the track's wide, many-indexed row costs
    sixteen times as much on PostgreSQL."""

    track = models.OneToOneField("items.Track", primary_key=True, on_delete=models.CASCADE, related_name="+")
    sweep_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("提醒检查")
        verbose_name_plural = _("提醒检查")


class DailyPass(models.Model):
    """Work the sweep does once a day (the figures due and missing): each sweeper tries
    ``UPDATE … SET day = today WHERE name = … AND day < today`` and only the one that changed
    the row does the day's work."""

    name = models.CharField(max_length=40, primary_key=True)
    day = models.DateField()

    class Meta:
        verbose_name = _("每日检查")
        verbose_name_plural = _("每日检查")


class Alert(models.Model):
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=32)
    item = models.ForeignKey("items.Item", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    track = models.ForeignKey(
        "items.Track", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    # For time-based reminders: what must still hold when a delivery goes out (see reminders.still_true).
    condition = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("提醒事件")
        verbose_name_plural = _("提醒事件")
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        from .kinds import label

        return label(self.kind)

    @property
    def urgent(self) -> bool:
        from .kinds import KINDS

        return self.kind in KINDS and KINDS[self.kind].urgent


class Notification(models.Model):
    """站内消息: one alert in one person's inbox."""

    # No single-column indexes: the unique (alert, recipient) key and the (recipient, …) indexes
    # below lead with these columns, and every index is paid on each of a sweep's inbox rows.
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications", db_index=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        constraints = [
            models.UniqueConstraint(fields=["alert", "recipient"], name="notification_once"),
        ]
        indexes = [
            # The header's unread count and the inbox list, newest first.
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "created_at"], name="notification_inbox_idx"),
        ]


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WEBHOOK = "webhook", _("群机器人")


class DeliveryState(models.TextChoices):
    WAITING = "waiting", _("等待发送")  # not before ``not_before``: quiet hours, a digest, a retry
    QUEUED = "queued", _("已排队")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    DROPPED = "dropped", _("已取消")  # no longer true, or the channel was switched off meanwhile


class Delivery(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    # "u<user id>" or "r<robot id>": one non-null column so the unique key works on both databases.
    target = models.CharField(max_length=24)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    robot = models.ForeignKey("Robot", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    address = models.CharField(_("地址"), max_length=300, blank=True)
    digest = models.BooleanField(default=False)
    state = models.CharField(
        _("状态"), max_length=8, choices=DeliveryState.choices, default=DeliveryState.WAITING
    )
    not_before = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(_("失败原因"), blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        constraints = [
            models.UniqueConstraint(fields=["alert", "channel", "target"], name="delivery_once"),
        ]
        indexes = [
            models.Index(fields=["state", "not_before"], name="delivery_due_idx"),
            models.Index(fields=["state", "updated_at"], name="delivery_state_idx"),
        ]


class Preference(models.Model):
    """One user's choices. Absent = the defaults (``preferences.DEFAULTS``)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # channel → list of kinds the user wants on it
    channels = models.JSONField(default=dict)
    digest = models.BooleanField(_("每日汇总"), default=False)
    digest_hour = models.PositiveSmallIntegerField(_("汇总发送时间（时）"), default=8)
    quiet = models.BooleanField(_("免打扰"), default=True)
    quiet_start = models.PositiveSmallIntegerField(_("免打扰开始（时）"), default=22)
    quiet_end = models.PositiveSmallIntegerField(_("免打扰结束（时）"), default=7)
    updated_at = models.DateTimeField()


class Flavour(models.TextChoices):
    DINGTALK = "dingtalk", _("钉钉群机器人（加签）")
    WECOM = "wecom", _("企业微信群机器人")
    JSON = "json", _("通用 JSON")


class Robot(models.Model):
    """A unit's group-chat robot (webhook)."""

    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.CASCADE, related_name="robots")
    name = models.CharField(_("名称"), max_length=50)
    flavour = models.CharField(_("类型"), max_length=10, choices=Flavour.choices, default=Flavour.DINGTALK)
    url = models.URLField(_("Webhook 地址"), max_length=300)
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True)
    kinds = models.JSONField(_("推送的消息类型"), default=list)
    enabled = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["unit_id", "id"]
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return f"{self.unit} / {self.name}"


class KindSetting(models.Model):
    """An issuing unit's override of who is told about one kind of event."""

    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    enabled = models.BooleanField(default=True)
    audiences = models.JSONField(default=list)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "kind"], name="kindsetting_unit_kind")]
