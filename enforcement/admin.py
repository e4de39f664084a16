from django.contrib import admin

from enforcement.models import Enterprise, EnterpriseAccount


class EnterpriseAccountInline(admin.TabularInline):
    model = EnterpriseAccount
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "sector", "status", "street", "grid_cell"]
    list_filter = ["sector", "status", "street", "location_override"]
    search_fields = ["name", "uscc", "address"]
    list_select_related = ["street", "grid_cell"]
    raw_id_fields = ["grid_cell"]
    inlines = [EnterpriseAccountInline]


@admin.register(EnterpriseAccount)
class EnterpriseAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "enterprise"]
    search_fields = ["user__username", "enterprise__name", "enterprise__uscc"]
    autocomplete_fields = ["user", "enterprise"]
