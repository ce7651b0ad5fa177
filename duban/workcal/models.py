from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An admin's entry in the official holiday schedule.

    Entries override the shipped ``chinese-calendar`` data, and are the only source for years it
    does not know yet (the State Council publishes each year's schedule in the autumn before).
    A year the shipped data does not know counts as known only once an admin marks its whole
    schedule entered (``CalendarYear.complete``): one entered day says nothing of the others.
    """

    date = models.DateField(_("日期"), unique=True)
    is_working = models.BooleanField(_("是否上班"), help_text=_("法定节假日填否；调休上班的周末填是"))
    name = models.CharField(_("说明"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working else '休息'} {self.name}"


class CalendarYear(models.Model):
    """An admin's statement that a year's whole holiday schedule is in the table."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    complete = models.BooleanField(_("已完整录入"), default=False)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")

    def __str__(self) -> str:
        return f"{self.year}{'（已完整）' if self.complete else ''}"
