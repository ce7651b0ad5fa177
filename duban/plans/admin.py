from django.contrib import admin

from .models import Plan, PlanTask


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
