"""Supervised items (督办事项), the per-unit tracks that carry the 13710 clock, and their records.

Stored state is kept minimal: what happened and when (nodes' due and done times, reports,
reviews). Lights, lateness and the item's aggregate status are derived at read time
(``duban.items.status``). ``Track.next_due_at`` is the one derived column we store, like
healthchecks' ``alert_after``: it exists only so "overdue / due soon" can be an indexed filter,
and every service that touches a track's nodes refreshes it in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    WORK_REPORT = "work_report", _("政府工作报告任务")
    MEETING = "meeting", _("会议决定事项")
    INSTRUCTION = "instruction", _("领导批示")
    KEY_PROJECT = "key_project", _("重点项目")
    REFORM = "reform", _("改革事项")
    PUBLIC_LEAD = "public_lead", _("群众线索")


class Category(models.TextChoices):
    GENERAL = "general", _("一般性事项（7个工作日）")
    MAJOR = "major", _("重大复杂事项（1个月）")
    CONTINUOUS = "continuous", _("持续推进事项")


class Item(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.MEETING)
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices, default=Category.GENERAL)
    issuer_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="issued_items")
    # Denormalised from issuer_unit.path so subtree visibility is an indexed range filter.
    issuer_path = models.CharField(max_length=255, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("立项时间"))
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    # Continuous items: the issuer's final due date and progress nodes (local dates).
    final_due = models.DateField(_("最终完成时限"), null=True, blank=True)
    progress_days = models.JSONField(_("进度报送节点"), default=list, blank=True)
    external_id = models.CharField(_("外部编号"), max_length=120, null=True, blank=True)
    # Where the item came from in an imported report (plan task id and character span).
    source_ref = models.JSONField(default=dict, blank=True)
    # Shown on the public progress page (公开进展) without login: set by the issuer's supervisors.
    public = models.BooleanField(_("公开"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        constraints = [
            models.UniqueConstraint(fields=["issuer_unit", "external_id"], name="item_external_id_unique"),
        ]
        indexes = [
            models.Index(fields=["issuer_path", "created_at"]),
            models.Index(fields=["issuer_unit", "created_at"]),
            # The item list walks this in its default order and stops at the page size, so a
            # broad filter (an overseer's whole province) costs the same at any table size.
            models.Index(fields=["created_at", "id"], name="item_created_id_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class TrackRole(models.TextChoices):
    LEAD = "lead", _("牵头")
    COOP = "coop", _("配合")


class TrackState(models.TextChoices):
    ASSIGNED = "assigned", _("待签收")
    SIGNED = "signed", _("已签收")
    DEPLOYED = "deployed", _("已部署")
    IN_PROGRESS = "in_progress", _("推进中")
    REQUESTED = "requested", _("申请办结")
    RETURNED = "returned", _("被退回")
    CLOSED = "closed", _("已办结")


OPEN_STATES = [s for s in TrackState.values if s != TrackState.CLOSED]


class Rating(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class Track(models.Model):
    """One handling unit's line of work on an item, with its own clock, reports and rating."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="tracks")
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="tracks")
    unit_path = models.CharField(max_length=255, editable=False)
    role = models.CharField(_("承办角色"), max_length=8, choices=TrackRole.choices, default=TrackRole.LEAD)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routed_tracks",
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=TrackState.choices, default=TrackState.ASSIGNED
    )
    assigned_at = models.DateTimeField(_("交办时间"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    rating = models.CharField(_("评价"), max_length=10, choices=Rating.choices, blank=True)
    # Derived, stored only for indexed filtering: the earliest due time among open nodes.
    next_due_at = models.DateTimeField(null=True, blank=True)
    last_urged_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["item_id", "id"]
        verbose_name = _("承办记录")
        verbose_name_plural = _("承办记录")
        constraints = [
            models.UniqueConstraint(fields=["item", "unit"], name="track_item_unit_unique"),
        ]
        indexes = [
            models.Index(fields=["unit", "state", "next_due_at"]),
            # Covers "red/yellow tracks in a subtree" (the item list's unit + light filter)
            # without reading the table; its (unit_path, state) prefix serves the light board.
            models.Index(fields=["unit_path", "state", "next_due_at"], name="track_path_state_due_idx"),
            # Covering for "open tracks due before X" (red/yellow filters, the board's due counts):
            # unit_path and item_id ride along so neither backend reads the table for them.
            models.Index(
                fields=["state", "next_due_at", "unit_path", "item"], name="track_state_due_path_idx"
            ),
            models.Index(fields=["item", "state"]),
            # Top-level tracks assigned in a period and still open at a moment (a bulletin's
            # tracks to derive), answered from the index alone.
            # (A partial index on parent IS NULL loses to the plain parent index in SQLite's
            # planner, whose statistics average the NULL group away.)
            models.Index(
                fields=["parent", "assigned_at", "closed_at", "item", "unit", "unit_path"],
                name="track_top_assigned_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.unit}"

    @property
    def is_closed(self) -> bool:
        return self.state == TrackState.CLOSED


class NodeKind(models.TextChoices):
    SIGN = "sign", _("签收")
    DEPLOY = "deploy", _("部署报告")
    FEEDBACK = "feedback", _("反馈报告")
    PROGRESS = "progress", _("进度报告")
    RESULT = "result", _("办结报告")


class Node(models.Model):
    """A point on a track's clock: something due by a time, and when it was done.

    A return adds a fresh result node rather than reopening the old one, so how late each
    submission was stays data.
    """

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="nodes")
    kind = models.CharField(max_length=10, choices=NodeKind.choices)
    seq = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(_("期限"))
    original_due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    assumed_calendar = models.BooleanField(default=False)

    class Meta:
        ordering = ["track_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["track", "seq"], name="node_track_seq_unique")]

    def __str__(self) -> str:
        return f"{self.kind}@{self.due_at:%Y-%m-%d}"


class ReportKind(models.TextChoices):
    DEPLOY = "deploy", _("部署报告")
    FEEDBACK = "feedback", _("反馈报告")
    PROGRESS = "progress", _("进度报告")
    RESULT = "result", _("办结报告（申请办结）")


class Report(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="reports")
    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    kind = models.CharField(_("类型"), max_length=10, choices=ReportKind.choices)
    done = models.TextField(_("工作开展情况"))
    next_steps = models.TextField(_("下步打算"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    support_needed = models.TextField(_("需协调事项"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["track", "created_at"])]


class Attachment(models.Model):
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()


class Decision(models.TextChoices):
    RETURN = "return", _("退回")
    CLOSE = "close", _("办结")


class Review(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    rating = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    GRANTED = "granted", _("已同意")
    REFUSED = "refused", _("未同意")


class Extension(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="extensions")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="extensions")
    reason = models.TextField(_("延期理由"))
    proposed_due = models.DateField(_("申请延至"))
    state = models.CharField(max_length=8, choices=ExtensionState.choices, default=ExtensionState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["state", "track"])]


class Urge(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="urges")
    message = models.TextField(_("催办内容"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]


class Instruction(models.Model):
    """A leader's written instruction (批示) on an item."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="instructions")
    text = models.TextField(_("批示内容"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
