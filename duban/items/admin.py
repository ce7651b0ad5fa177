from django.contrib import admin

from duban.core.admin import ReadOnlyAdmin

from .models import Item, Track


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "category", "source", "issuer_unit", "created_at")
    list_filter = ("category", "source")
    search_fields = ("title",)
    raw_id_fields = ("issuer_unit", "created_by")


@admin.register(Track)
class TrackAdmin(ReadOnlyAdmin):
    list_display = ("id", "item", "unit", "role", "state", "next_due_at", "rating")
    list_filter = ("state", "role", "rating")
    raw_id_fields = ("item", "unit", "parent", "assignee", "assigned_by", "signed_by", "requested_by")
