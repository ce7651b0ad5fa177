from django.contrib import admin

from duban.core.admin import ReadOnlyAdmin

from .models import Figure, Target


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ("id", "indicator", "value", "unit_label", "kind", "unit", "plan_year")
    list_filter = ("kind", "plan_year")
    search_fields = ("indicator",)
    raw_id_fields = ("item", "track", "parent", "unit", "created_by")


@admin.register(Figure)
class FigureAdmin(ReadOnlyAdmin):
    list_display = ("id", "target", "period_end", "source", "value", "version", "created_at")
    list_filter = ("source",)
    raw_id_fields = ("target", "author", "report")
