"""通报 bulletins: the per-unit figures of a period, published and frozen, and the points rules
an issuing office ranks its handling units by.

A bulletin stores everything it says (``data``: the figures, the rules used, the office's name,
the dates) at publication, so re-downloading it gives the same bytes whatever happens to the
items afterwards. ``Recipient`` rows name the units it ranks: they may read it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The defaults stated in the issue: 优秀 +3, 良好 +2, 合格 +1, 不合格 −3, −0.5 a working day
# overdue, −1 a return.
DEFAULT_POINTS = {
    "excellent": Decimal("3"),
    "good": Decimal("2"),
    "pass": Decimal("1"),
    "fail": Decimal("-3"),
    "overdue_day": Decimal("-0.5"),
    "return": Decimal("-1"),
}


def _points_field(label: str, default: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=6, decimal_places=2, default=Decimal(default))


class PointsRules(models.Model):
    """An issuing unit's points rules (激励积分规则); without a row the defaults apply."""

    unit = models.OneToOneField("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    excellent = _points_field(_("优秀"), "3")
    good = _points_field(_("良好"), "2")
    passing = _points_field(_("合格"), "1")
    fail = _points_field(_("不合格"), "-3")
    overdue_day = _points_field(_("每逾期1个工作日"), "-0.5")
    per_return = _points_field(_("每退回1次"), "-1")
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")

    def as_dict(self) -> dict[str, Decimal]:
        return {
            "excellent": self.excellent,
            "good": self.good,
            "pass": self.passing,
            "fail": self.fail,
            "overdue_day": self.overdue_day,
            "return": self.per_return,
        }


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年度")
    DATES = "dates", _("自定义日期")


class Bulletin(models.Model):
    issuer_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    issuer_path = models.CharField(max_length=255, editable=False)
    scope_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    period_kind = models.CharField(_("期间类型"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    title = models.CharField(_("标题"), max_length=200)
    # The frozen document: figures, rules, names and dates (see ``figures.compute``).
    data = models.JSONField()
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        indexes = [models.Index(fields=["issuer_path", "published_at"])]

    def __str__(self) -> str:
        return self.title


class Recipient(models.Model):
    """A unit ranked in a bulletin: its people may read it."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="recipients")
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bulletin", "unit"], name="bulletin_recipient_unique")]
        indexes = [models.Index(fields=["unit", "bulletin"])]


class ClosedTrack(models.Model):
    """A closed top-level track's bulletin figures, settled when it closed.

    Working out a province's quarter from the tracks' histories read 20k tracks with their nodes,
    reviews and extensions and took 1.4 s (SQLite, 200k items); a preview must answer in under
    300 ms. A closure is final (no service reopens a track; nothing is added to a closed track;
    a calendar change moves only open nodes), so every figure a bulletin counts for a track closed
    by its moment is the same for any later moment: it is worked out once, in the closure's own
    transaction (``rollup.settle``, from the ``closed`` item event), and a bulletin sums these
    rows in SQL and derives only the tracks still open at its moment. A track with no row is
    derived from its history, so a missing row costs time, never a wrong number;
    ``duban check-bulletins`` recomputes every row and names those that differ (``--fix``
    rewrites them).
    """

    track = models.OneToOneField("items.Track", on_delete=models.CASCADE, primary_key=True, related_name="+")
    # Copies of the track's and its item's columns a bulletin selects by, so one index answers.
    issuer_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=255)
    item = models.ForeignKey("items.Item", on_delete=models.CASCADE, related_name="+", db_index=False)
    assigned_at = models.DateTimeField()
    closed_at = models.DateTimeField()
    signed_on_time = models.PositiveSmallIntegerField()
    reports_due = models.PositiveSmallIntegerField()
    reports_on_time = models.PositiveSmallIntegerField()
    closed_on_time = models.PositiveSmallIntegerField()
    overdue_days = models.PositiveIntegerField()
    returns = models.PositiveSmallIntegerField()
    extensions = models.PositiveSmallIntegerField()
    rating = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["issuer_unit", "assigned_at", "unit_path"], name="closedtrack_issuer_idx")
        ]

    def __str__(self) -> str:
        return f"track {self.track_id} closed {self.closed_at:%Y-%m-%d}"
