from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name", "short_name")
    raw_id_fields = ("parent",)


@admin.register(User)
class DubanUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "unit", "role", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("unit",)
    fieldsets = UserAdmin.fieldsets + (("督办", {"fields": ("unit", "role", "display_name", "phone")}),)
