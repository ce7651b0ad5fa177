"""Draft plans: a decomposed work report under review before its tasks become items.

A plan keeps the report's decoded text so every task (and target) can point back at its
character span; the parser's output is kept verbatim in ``parsed`` for reference, while the
supervisor's edits live on ``PlanTask`` rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from duban.items.models import Category


class Plan(models.Model):
    issuer_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="plans")
    # Denormalised from issuer_unit.path so "plans below me" is an indexed range filter.
    issuer_path = models.CharField(max_length=255, editable=False)
    name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    encoding = models.CharField(_("编码"), max_length=40, blank=True)
    text = models.TextField(_("报告全文"))
    title = models.CharField(_("标题"), max_length=300, blank=True)
    plan_year = models.PositiveIntegerField(_("计划年度"), null=True, blank=True)
    parsed = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("导入时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("报告分解")
        verbose_name_plural = _("报告分解")
        constraints = [
            models.UniqueConstraint(fields=["issuer_unit", "sha256"], name="plan_issuer_sha256_unique"),
        ]
        indexes = [models.Index(fields=["issuer_path", "created_at"])]

    def __str__(self) -> str:
        return self.title or self.name


class PlanTask(models.Model):
    """One commitment of the report, as the supervisor wants it assigned.

    ``start``/``end`` are offsets into ``Plan.text``; they identify the task across re-imports
    and give the item's external id, so edits to the wording never change which item it is.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveIntegerField(_("序号"))
    task_id = models.CharField(_("任务编号"), max_length=40)
    section = models.CharField(max_length=20, blank=True)
    part = models.CharField(max_length=20, blank=True)
    theme = models.CharField(_("主题"), max_length=300, blank=True)
    text = models.TextField(_("任务内容"))
    original_text = models.TextField(blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    targets = models.JSONField(_("量化指标"), default=list, blank=True)
    deadline_text = models.CharField(_("原文时限"), max_length=100, blank=True)
    due = models.DateField(_("完成时限"), null=True, blank=True)
    category = models.CharField(
        _("类别"), max_length=12, choices=Category.choices, default=Category.CONTINUOUS
    )
    lead_codes = models.JSONField(_("牵头单位"), default=list, blank=True)
    coop_codes = models.JSONField(_("配合单位"), default=list, blank=True)
    suggested_units = models.JSONField(default=list, blank=True)
    places = models.JSONField(default=list, blank=True)
    selected = models.BooleanField(_("选中"), default=False)
    dropped = models.BooleanField(_("非任务"), default=False)
    edited = models.BooleanField(default=False)
    item = models.OneToOneField(
        "items.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_task"
    )

    class Meta:
        ordering = ["plan_id", "position", "id"]
        verbose_name = _("分解任务")
        verbose_name_plural = _("分解任务")
        indexes = [models.Index(fields=["plan", "position"])]

    def __str__(self) -> str:
        return f"{self.task_id} {self.text[:30]}"

    @property
    def assigned(self) -> bool:
        return self.item_id is not None


class UnitVocabulary(models.Model):
    """Words of a department's work, used to suggest lead units for report tasks.

    Data an admin edits, not code: a government's own departments get their own rows; a
    government without rows falls back to the vocabulary shipped with the parser.
    """

    unit = models.OneToOneField(
        "orgs.OrgUnit", on_delete=models.CASCADE, related_name="vocabulary", verbose_name=_("单位")
    )
    keywords = models.TextField(
        _("工作关键词"), help_text=_("每行一个，或用“|”“、”分隔，例如：5G基站|数字经济")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["unit__path"]
        verbose_name = _("牵头单位词表")
        verbose_name_plural = _("牵头单位词表")

    def __str__(self) -> str:
        return str(self.unit)

    def keyword_list(self) -> list[str]:
        from duban.workplan.units import split_keywords

        return split_keywords(self.keywords)
