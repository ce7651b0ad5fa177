from django.contrib import admin

from .models import Plan, PlanTask, UnitVocabulary


class ReadOnlyAdmin(admin.ModelAdmin):
    # Changes go through duban.plans.services so they are journaled; the admin only looks.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "issuer_unit", "plan_year", "name", "created_at")
    exclude = ("text", "parsed")


@admin.register(PlanTask)
class PlanTaskAdmin(ReadOnlyAdmin):
    list_display = ("task_id", "plan", "category", "selected", "dropped", "item")
    list_filter = ("dropped", "selected")


@admin.register(UnitVocabulary)
class UnitVocabularyAdmin(admin.ModelAdmin):
    # Editable on purpose: the department map is configuration an admin maintains.
    list_display = ("unit", "short_keywords", "updated_at")
    search_fields = ("unit__name", "keywords")
    autocomplete_fields = ()
    raw_id_fields = ("unit",)

    @admin.display(description="工作关键词")
    def short_keywords(self, obj):
        words = obj.keyword_list()
        return "、".join(words[:8]) + ("…" if len(words) > 8 else "")
