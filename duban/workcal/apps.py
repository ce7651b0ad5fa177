from django.apps import AppConfig


class WorkcalConfig(AppConfig):
    name = "duban.workcal"
    label = "workcal"
    verbose_name = "工作日历"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import calendar
        from .models import CalendarDay

        post_save.connect(lambda **kw: calendar.forget(), sender=CalendarDay, weak=False)
        post_delete.connect(lambda **kw: calendar.forget(), sender=CalendarDay, weak=False)
