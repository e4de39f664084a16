import json

from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import InvalidInput
from grid import services
from grid.models import (
    Agency,
    District,
    GridCell,
    Holiday,
    Membership,
    Open311Client,
    Street,
    Ticket,
    TicketCategory,
    TicketTransition,
)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "district"]
    list_filter = ["district"]
    search_fields = ["code", "name"]


@admin.register(GridCell)
class GridCellAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "street"]
    list_filter = ["street__district", "street"]
    search_fields = ["code", "name"]
    readonly_fields = ["min_lon", "min_lat", "max_lon", "max_lat"]
    change_list_template = "admin/grid/gridcell/change_list.html"

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="grid_gridcell_import",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        try:
            services.grid_cell_save(
                street=obj.street, code=obj.code, name=obj.name, geometry=obj.geometry
            )
        except InvalidInput as error:
            for problems in error.fields.values():
                for problem in problems:
                    messages.error(request, problem)

    def import_view(self, request):
        """Upload GeoJSON; every bad feature is listed with its reason."""
        report = None
        districts = District.objects.all()
        if request.method == "POST":
            upload = request.FILES.get("file")
            district = districts.filter(pk=request.POST.get("district")).first()
            try:
                if upload is None or district is None:
                    raise InvalidInput(
                        fields={"file": [_("Choose a district and a GeoJSON file.")]}
                    )
                try:
                    collection = json.loads(upload.read())
                except (ValueError, UnicodeDecodeError) as error:
                    raise InvalidInput(
                        fields={"file": [_("The file is not valid GeoJSON.")]}
                    ) from error
                report = services.grid_cells_import(
                    district=district,
                    feature_collection=collection,
                    dry_run=not request.POST.get("confirm"),
                )
            except InvalidInput as error:
                for problems in error.fields.values():
                    for problem in problems:
                        messages.error(request, problem)
            if report and report.ok and not report.dry_run:
                messages.success(
                    request,
                    _("Imported %(created)d new and %(updated)d updated grid cells.")
                    % {"created": report.created, "updated": report.updated},
                )
                return redirect("admin:grid_gridcell_changelist")
        context = {
            **self.admin_site.each_context(request),
            "report": report,
            "districts": districts,
            "title": gettext_lazy("Import grid cells from GeoJSON"),
            "opts": self.model._meta,
        }
        return render(request, "admin/grid/gridcell/import.html", context)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "district", "street"]
    list_filter = ["kind", "district"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "is_active", "on_duty"]
    list_filter = ["role", "is_active", "on_duty", "agency"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "agency__name",
    ]
    filter_horizontal = ["streets", "cells"]
    autocomplete_fields = ["user"]


@admin.register(TicketCategory)
class TicketCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "dispatch_hours",
        "accept_hours",
        "handle_hours",
        "verify_hours",
        "is_active",
    ]
    list_editable = ["dispatch_hours", "accept_hours", "handle_hours", "verify_hours"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"


class TicketTransitionInline(admin.TabularInline):
    model = TicketTransition
    fk_name = "ticket"
    extra = 0
    can_delete = False
    fields = [
        "at",
        "action",
        "from_status",
        "to_status",
        "actor",
        "actor_label",
        "note",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: tickets change only through their lifecycle services."""

    list_display = [
        "reference",
        "category",
        "status",
        "street",
        "assignee",
        "reported_at",
    ]
    list_filter = ["status", "category", "source", "street"]
    search_fields = ["reference", "description", "address"]
    inlines = [TicketTransitionInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Keys are made with ``manage.py open311_client_create``; only the hash is
    kept, so a key is shown once."""

    list_display = ["name", "is_active", "created_at"]
    fields = ["name", "is_active"]

    def has_add_permission(self, request) -> bool:
        return False
