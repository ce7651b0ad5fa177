"""Quantitative targets (量化指标) of supervised items, and the figures units file against them.

Stored: what was promised (value, kind, period) and every figure ever filed, corrections as new
versions. Not stored: 序时进度, the class, the forecast — ``duban.targets.progress`` derives them
at read time, so a late figure or a correction changes them at once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .progress import Kind as _Kind
from .progress import Period as _Period


class Kind(models.TextChoices):
    CUMULATIVE = _Kind.CUMULATIVE.value, _("累计值（年内累计完成）")
    LEVEL = _Kind.LEVEL.value, _("达到值（最新水平）")
    GROWTH = _Kind.GROWTH.value, _("增速（累计增长率）")
    CEILING = _Kind.CEILING.value, _("控制上限（不超过）")
    RANGE = _Kind.RANGE.value, _("区间")


class Period(models.TextChoices):
    MONTHLY = _Period.MONTHLY.value, _("按月报送")
    QUARTERLY = _Period.QUARTERLY.value, _("按季报送")


class Comparator(models.TextChoices):
    EQ = "=", _("＝")
    GE = ">=", _("≥（以上）")
    LE = "<=", _("≤（以内）")
    ABOUT = "~", _("左右")
    RANGE = "range", _("区间")


class Target(models.Model):
    item = models.ForeignKey("items.Item", on_delete=models.CASCADE, related_name="targets")
    # The lead track answerable for it: its unit files the figures. A share of an allocated
    # target is owned by the track passed down to the unit that got the share.
    track = models.ForeignKey("items.Track", on_delete=models.CASCADE, related_name="targets")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    # Denormalised from the item and the track, so visibility is an indexed range filter.
    issuer_path = models.CharField(max_length=255, editable=False)
    unit_path = models.CharField(max_length=255, editable=False)
    indicator = models.CharField(_("指标名称"), max_length=200)
    unit_label = models.CharField(_("计量单位"), max_length=20, blank=True)
    kind = models.CharField(_("指标类型"), max_length=12, choices=Kind.choices, default=Kind.CUMULATIVE)
    comparator = models.CharField(_("比较"), max_length=8, choices=Comparator.choices, default=Comparator.EQ)
    value = models.FloatField(_("目标值"))
    value_max = models.FloatField(_("目标上限"), null=True, blank=True)
    higher_is_better = models.BooleanField(_("越高越好"), default=True)
    plan_year = models.PositiveSmallIntegerField(_("年度"))
    baseline = models.FloatField(_("上年基数"), null=True, blank=True)
    # Last year's figures to date by month (12 numbers or nulls): the forecast's seasonal shape.
    last_year = models.JSONField(_("上年逐月数据"), null=True, blank=True)
    period = models.CharField(_("报送周期"), max_length=10, choices=Period.choices, default=Period.MONTHLY)
    due_day = models.PositiveSmallIntegerField(_("次月报送日"), default=10)
    # Cumulative share of the year's work expected by each month's end (12 rising numbers).
    profile = models.JSONField(_("序时进度曲线"), null=True, blank=True)
    tolerance = models.FloatField(_("进度容差"), default=0.05)
    # Where it came from in an imported report: the text and its span in ``Plan.text``.
    source_text = models.CharField(_("原文"), max_length=300, blank=True)
    source_ref = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    # A copy of the current figures, kept by the services in the filing's transaction so a
    # province's list reads one row per target instead of every figure (``series.py``; the
    # Figure rows stay the record, and ``duban check-targets`` compares the two).
    series = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["item_id", "parent_id", "id"]
        verbose_name = _("量化指标")
        verbose_name_plural = _("量化指标")
        constraints = [
            # One share per unit of an allocated target.
            models.UniqueConstraint(fields=["parent", "unit"], name="target_parent_unit_unique"),
        ]
        indexes = [
            models.Index(fields=["issuer_path", "plan_year"]),
            models.Index(fields=["unit_path", "plan_year"]),
            models.Index(fields=["track"]),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.value:g}{self.unit_label}"


class FigureSource(models.TextChoices):
    UNIT = "unit", _("报送数")
    STATS = "stats", _("统计数")


class Confidence(models.TextChoices):
    SURE = "sure", _("有把握完成")
    LIKELY = "likely", _("基本能完成")
    AT_RISK = "at_risk", _("有风险")
    UNLIKELY = "unlikely", _("难以完成")


class Figure(models.Model):
    """One filing of a period's value. A correction is a new row with the next version; the
    highest version of (target, period, source) is the current one."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="figures")
    period_end = models.DateField(_("报送期"))
    source = models.CharField(
        _("来源"), max_length=6, choices=FigureSource.choices, default=FigureSource.UNIT
    )
    version = models.PositiveSmallIntegerField(default=1)
    value = models.FloatField(_("累计完成值"))
    note = models.TextField(_("说明"), blank=True)
    confidence = models.CharField(_("完成预判"), max_length=10, choices=Confidence.choices, blank=True)
    confidence_reason = models.TextField(_("预判理由"), blank=True)
    evidence = models.ManyToManyField("items.Attachment", blank=True, related_name="+")
    # Filed with a progress report of the same track (the report form's figure fields).
    report = models.ForeignKey(
        "items.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="figures"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["target_id", "period_end", "source", "version"]
        verbose_name = _("指标数据")
        verbose_name_plural = _("指标数据")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "period_end", "source", "version"], name="figure_version_unique"
            ),
        ]
        indexes = [models.Index(fields=["target", "period_end"])]
