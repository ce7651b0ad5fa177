from django.contrib import admin

from duban.core.admin import ReadOnlyAdmin

from .models import Bulletin, PointsRules


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "issuer_unit", "scope_unit", "period_start", "period_end", "published_at")
    list_filter = ("period_kind",)
    search_fields = ("title",)
    raw_id_fields = ("issuer_unit", "scope_unit", "published_by")


@admin.register(PointsRules)
class PointsRulesAdmin(ReadOnlyAdmin):
    list_display = ("unit", "excellent", "good", "passing", "fail", "overdue_day", "per_return", "updated_at")
    raw_id_fields = ("unit", "updated_by")
