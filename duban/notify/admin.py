from django.contrib import admin

from duban.core.admin import ReadOnlyAdmin

from .models import Alert, Delivery, Robot


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "title", "created_at")
    list_filter = ("kind",)
    search_fields = ("title", "key")
    raw_id_fields = ("item", "track")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "channel", "target", "state", "attempts", "created_at", "sent_at")
    list_filter = ("state", "channel")
    raw_id_fields = ("alert", "recipient", "robot")


@admin.register(Robot)
class RobotAdmin(ReadOnlyAdmin):
    list_display = ("id", "unit", "name", "flavour", "enabled")
    exclude = ("secret",)  # the signing secret is never shown back
    raw_id_fields = ("unit",)
