"""Django's admin site only looks: every change to domain data goes through a service, with an
acting user and a journal row, and the product's own management pages (管理) call those."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
