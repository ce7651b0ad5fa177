from django.contrib import admin

from duban.core.admin import ReadOnlyAdmin

from .models import OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name", "short_name")


@admin.register(User)
class DubanUserAdmin(ReadOnlyAdmin):
    list_display = ("username", "display_name", "unit", "role", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name")
    exclude = ("password",)
