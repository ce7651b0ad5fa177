from django.contrib import admin

from .models import Item, Track


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "category", "source", "issuer_unit", "created_at")
    list_filter = ("category", "source")
    search_fields = ("title",)
    raw_id_fields = ("issuer_unit", "created_by")

    def has_change_permission(self, request, obj=None):
        return False  # writes go through the services so they are journaled

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ("id", "item", "unit", "role", "state", "next_due_at", "rating")
    list_filter = ("state", "role", "rating")
    raw_id_fields = ("item", "unit", "parent", "assignee", "assigned_by", "signed_by", "requested_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
