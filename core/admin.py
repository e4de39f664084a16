from django.contrib import admin

from core.models import (
    AuditLink,
    Delivery,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "url", "agency_id", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "url"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled", "sms_enabled", "quiet_start", "quiet_end"]
    search_fields = ["user__username"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "user", "category", "urgent", "created_at", "read_at"]
    list_filter = ["category", "urgent"]
    search_fields = ["title", "user__username"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["channel", "target", "status", "attempts", "not_before", "sent_at"]
    list_filter = ["channel", "status"]
    search_fields = ["target", "last_error"]


@admin.register(AuditLink)
class AuditLinkAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "event_model", "event_id", "event_created_at", "hash"]
    search_fields = ["event_model", "hash"]
