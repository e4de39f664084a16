from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from exchange import services
from exchange.models import (
    CityList,
    CityListEntry,
    CityListImport,
    ExchangeClient,
    ExportFile,
)


@admin.register(ExchangeClient)
class ExchangeClientAdmin(admin.ModelAdmin):
    list_display = ["name", "scope", "key_prefix", "is_active", "last_used_at"]
    list_filter = ["is_active", "scope"]
    filter_horizontal = ["districts"]
    readonly_fields = ["key_prefix", "last_used_at"]
    actions = ["rotate_key"]

    def has_add_permission(self, request) -> bool:
        return False  # keys are made by `manage.py exchange_client`, shown once

    @admin.action(description=_("Issue a new key (the old one stops working)"))
    def rotate_key(self, request, queryset):
        for client in queryset:
            key = services.exchange_client_rotate(client=client)
            self.message_user(
                request,
                _("New key for %(name)s (shown once): %(key)s")
                % {"name": client.name, "key": key},
                messages.WARNING,
            )


@admin.register(CityList)
class CityListAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]


@admin.register(CityListImport)
class CityListImportAdmin(admin.ModelAdmin):
    list_display = ["city_list", "district", "imported_by", "created_at", "tagged"]
    list_filter = ["city_list", "district"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CityListEntry)
class CityListEntryAdmin(admin.ModelAdmin):
    list_display = ["city_list", "enterprise", "listed_at"]
    list_filter = ["city_list"]
    raw_id_fields = ["enterprise", "listed_by"]


@admin.register(ExportFile)
class ExportFileAdmin(admin.ModelAdmin):
    list_display = ["path", "district", "dataset", "file_format", "rows", "created_at"]
    list_filter = ["district", "dataset", "file_format"]
