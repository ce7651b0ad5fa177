from django.contrib import admin

from duban.core.admin import ReadOnlyAdmin

from .models import CalendarDay, CalendarYear


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "is_working", "name")
    list_filter = ("is_working",)
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "complete", "source", "updated_at")
