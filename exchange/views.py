"""The exchange page for bureau staff: exports (scheduled and started here) and
city-list imports, with forms to start an export and to upload a list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.forms import add_application_error
from exchange import selectors, services
from exchange.datasets import DATASETS
from exchange.forms import CityListUploadForm, ExportStartForm
from grid.selectors import user_scope

LISTED = 50


def _start_export(request, form) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        job = services.export_job_start(
            user=request.user,
            district=data["district"],
            dataset_name=data["dataset"],
            file_format=data["file_format"],
            since=data["updated_since"],
            until=data["updated_until"],
        )
    except ApplicationError as error:
        add_application_error(form, error)
        return False
    messages.success(
        request,
        _("Export of %(dataset)s started; it is listed below when written.")
        % {"dataset": DATASETS[job.dataset].label},
    )
    return True


def _upload_list(request, form) -> bool:
    if not user_scope(user=request.user).is_bureau_admin:
        raise PermissionDenied
    if not form.is_valid():
        return False
    data = form.cleaned_data
    upload = data["file"]
    try:
        report = services.city_list_import_file(
            city_list=data["city_list"],
            district=data["district"],
            user=request.user,
            content=upload.read(),
            file_name=upload.name or "",
            dry_run=data["dry_run"],
        )
    except ApplicationError as error:
        form.add_error(None, str(error.detail))
        add_application_error(form, error)
        return False
    message = (
        _(
            "Checked %(list)s: %(added)s would be added, %(removed)s removed, "
            "%(unknown)s codes unknown; nothing applied."
        )
        if report.dry_run
        else _(
            "%(list)s applied: %(added)s added, %(removed)s removed, "
            "%(unknown)s codes unknown."
        )
    )
    messages.success(
        request,
        message
        % {
            "list": report.city_list.name,
            "added": report.added,
            "removed": report.removed,
            "unknown": len(report.unknown),
        },
    )
    return True


@login_required
@require_http_methods(["GET", "POST"])
def exchange_home(request):
    """Data exchange (数据交换): what was exported and imported, and the forms
    to start an export or apply a city list."""
    scope = user_scope(user=request.user)
    if not scope.is_bureau:
        raise PermissionDenied
    districts = selectors.bureau_district_list(user=request.user)
    export_form = ExportStartForm(districts=districts)
    import_form = CityListUploadForm(districts=districts)
    if request.method == "POST":
        if "start_export" in request.POST:
            export_form = ExportStartForm(request.POST, districts=districts)
            done = _start_export(request, export_form)
        else:
            import_form = CityListUploadForm(
                request.POST, request.FILES, districts=districts
            )
            done = _upload_list(request, import_form)
        if done:
            return redirect("exchange:home")
    jobs = list(selectors.export_job_list(user=request.user)[:LISTED])
    files = list(
        selectors.export_file_list(user=request.user)
        .filter(job__isnull=True)
        .order_by("-created_at", "-id")[:LISTED]
    )
    for row in (*jobs, *files):
        dataset = DATASETS.get(row.dataset)
        row.dataset_label = dataset.label if dataset else row.dataset
    return render(
        request,
        "exchange/exchange_home.html",
        {
            "export_form": export_form,
            "import_form": import_form if scope.is_bureau_admin else None,
            "jobs": jobs,
            "files": files,
            "imports": selectors.city_list_import_list(user=request.user)[:LISTED],
        },
    )
