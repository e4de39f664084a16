from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring import services
from monitoring.models import (
    Alarm,
    AlarmEvent,
    IngestBatch,
    IngestRejection,
    Rule,
    Sensor,
    Station,
    Survey,
    SurveyHotspot,
)


class SensorInline(admin.TabularInline):
    model = Sensor
    extra = 0
    fields = [
        "parameter",
        "unit",
        "hj212_code",
        "interval_s",
        "valid_min",
        "valid_max",
        "is_active",
    ]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "status",
        "mn",
        "street",
        "enterprise",
        "last_seen_at",
    ]
    list_filter = ["kind", "status", "district", "street"]
    search_fields = ["code", "name", "mn", "enterprise__name"]
    list_select_related = ["street", "enterprise"]
    raw_id_fields = ["enterprise", "grid_cell"]
    readonly_fields = ["last_seen_at"]
    inlines = [SensorInline]
    actions = ["add_default_sensors"]

    @admin.action(description=gettext_lazy("Add the default sensors of the kind"))
    def add_default_sensors(self, request, queryset):
        added = sum(len(services.sensors_add_defaults(station=s)) for s in queryset)
        self.message_user(
            request, _("%(n)d sensors added.") % {"n": added}, messages.SUCCESS
        )


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "parameter",
        "station_kind",
        "station",
        "threshold",
        "clear_threshold",
        "duration_minutes",
        "dispatch",
        "annotation_minutes",
        "is_active",
    ]
    list_filter = ["kind", "station_kind", "is_active", "dispatch"]
    search_fields = ["name"]
    raw_id_fields = ["station"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "parameter", "is_active", "severity"]}),
        (gettext_lazy("Applies to"), {"fields": ["station_kind", "station"]}),
        (
            gettext_lazy("Condition"),
            {
                "fields": [
                    "direction",
                    "threshold",
                    "duration_minutes",
                    "clear_threshold",
                    "clear_minutes",
                    "window_minutes",
                    "daily_count",
                ]
            },
        ),
        (
            gettext_lazy("Dispatch"),
            {"fields": ["dispatch", "ticket_category", "annotation_minutes"]},
        ),
    ]


class AlarmEventInline(admin.TabularInline):
    model = AlarmEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "at", "user", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alarm)
class AlarmAdmin(admin.ModelAdmin):
    """Alarms change only through their services; the admin shows them."""

    list_display = [
        "id",
        "rule",
        "station",
        "status",
        "started_at",
        "ended_at",
        "peak_value",
        "dispatch_status",
        "validated",
    ]
    list_filter = ["status", "dispatch_status", "validated", "station__kind"]
    search_fields = ["station__code", "station__name", "rule__name"]
    list_select_related = ["rule", "station"]
    inlines = [AlarmEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IngestBatch)
class IngestBatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "source",
        "user",
        "received",
        "stored",
        "duplicates",
        "rejected",
        "created_at",
    ]
    list_filter = ["source"]
    readonly_fields = [f.name for f in IngestBatch._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(IngestRejection)
class IngestRejectionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "station", "mn", "line", "reason", "message"]
    list_filter = ["reason"]
    search_fields = ["mn", "station__code", "message"]
    list_select_related = ["station"]
    readonly_fields = [f.name for f in IngestRejection._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


class SurveyHotspotInline(admin.TabularInline):
    model = SurveyHotspot
    extra = 0
    can_delete = False
    readonly_fields = [
        "rank",
        "started_at",
        "ended_at",
        "peak_value",
        "mean_value",
        "lon",
        "lat",
        "length_m",
    ]
    fields = readonly_fields


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "parameter", "started_at", "ended_at", "uploaded_by"]
    list_filter = ["parameter", "district"]
    search_fields = ["name"]
    readonly_fields = ["started_at", "ended_at", "uploaded_by", "unit"]
    inlines = [SurveyHotspotInline]

    def has_add_permission(self, request) -> bool:
        return False  # surveys are uploaded on the survey page (hotspots follow)
