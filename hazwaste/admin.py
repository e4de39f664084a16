from django.contrib import admin

from hazwaste.models import (
    AnomalyRule,
    AnomalyWarning,
    Carrier,
    CatalogueEdition,
    Container,
    ManagementPlan,
    Manifest,
    PlanLine,
    Producer,
    Receiver,
    StorageFacility,
    Vehicle,
    WasteCategory,
    WasteCode,
)


@admin.register(CatalogueEdition)
class CatalogueEditionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "effective_from", "effective_until"]


@admin.register(WasteCategory)
class WasteCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "edition"]
    list_filter = ["edition"]


@admin.register(WasteCode)
class WasteCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "short_name", "characteristics", "edition"]
    list_filter = ["edition", "category"]
    search_fields = ["code", "short_name", "description"]


@admin.register(Receiver)
class ReceiverAdmin(admin.ModelAdmin):
    list_display = [
        "enterprise",
        "permit_number",
        "permit_valid_until",
        "annual_capacity_kg",
    ]
    raw_id_fields = ["enterprise"]
    filter_horizontal = ["permitted_codes"]


class VehicleInline(admin.TabularInline):
    model = Vehicle
    extra = 0


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "licence_number", "licence_valid_until"]
    raw_id_fields = ["enterprise"]
    inlines = [VehicleInline]


class FacilityInline(admin.TabularInline):
    model = StorageFacility
    extra = 0


@admin.register(Producer)
class ProducerAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "management_class", "class_basis_t"]
    list_filter = ["management_class"]
    raw_id_fields = ["enterprise"]
    search_fields = ["enterprise__name"]
    inlines = [FacilityInline]


class PlanLineInline(admin.TabularInline):
    model = PlanLine
    extra = 0


@admin.register(ManagementPlan)
class ManagementPlanAdmin(admin.ModelAdmin):
    list_display = ["producer", "year", "status", "filing_number", "filed_late"]
    list_filter = ["year", "status"]
    raw_id_fields = ["producer"]
    inlines = [PlanLineInline]


@admin.register(AnomalyRule)
class AnomalyRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "enabled", "severity", "parameters"]
    list_editable = ["enabled", "severity"]


# Legal records are read-only in the admin: they change through the services.
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Manifest)
class ManifestAdmin(ReadOnlyAdmin):
    list_display = ["number", "producer", "receiver", "status", "version"]
    list_filter = ["status"]
    search_fields = ["number"]


@admin.register(Container)
class ContainerAdmin(ReadOnlyAdmin):
    list_display = ["label_code", "producer", "waste_code", "status", "stored_at"]
    list_filter = ["status"]
    search_fields = ["label_code"]


@admin.register(AnomalyWarning)
class AnomalyWarningAdmin(ReadOnlyAdmin):
    list_display = [
        "rule",
        "producer",
        "receiver",
        "severity",
        "status",
        "last_seen_at",
    ]
    list_filter = ["rule", "status", "severity"]
