from django.contrib import admin

from screen.models import Kiosk


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "is_active", "last_seen_at"]
    list_filter = ["district", "is_active"]
    readonly_fields = ["user", "last_seen_at"]
    fields = ["name", "district", "is_active", "user", "last_seen_at"]

    def has_add_permission(self, request) -> bool:
        return False  # created with `manage.py kiosk_create`, which shows the key once
