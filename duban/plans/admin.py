from django.contrib import admin

from duban.core.admin import ReadOnlyAdmin

from .models import Plan, PlanTask, UnitVocabulary


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "issuer_unit", "plan_year", "name", "created_at")
    exclude = ("text", "parsed")


@admin.register(PlanTask)
class PlanTaskAdmin(ReadOnlyAdmin):
    list_display = ("task_id", "plan", "category", "selected", "dropped", "item")
    list_filter = ("dropped", "selected")


@admin.register(UnitVocabulary)
class UnitVocabularyAdmin(ReadOnlyAdmin):
    # Edited on the product's 管理 → 牵头单位词表 page, through the journaled service.
    list_display = ("unit", "short_keywords", "updated_at")
    search_fields = ("unit__name", "keywords")

    @admin.display(description="工作关键词")
    def short_keywords(self, obj):
        words = obj.keyword_list()
        return "、".join(words[:8]) + ("…" if len(words) > 8 else "")
