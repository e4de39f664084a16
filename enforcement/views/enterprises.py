"""HTML pages of the registry: dashboard, enterprise list and file, map, import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import InvalidInput
from enforcement import io, selectors, services
from enforcement.filters import EnterpriseFilter
from enforcement.forms import EnterpriseImportForm
from enforcement.models import Enterprise
from grid.selectors import (
    street_list,
    street_list_without_bureau_officer,
    street_stats,
    user_scope,
)


@login_required
def dashboard(request):
    scope = user_scope(user=request.user)
    if not scope.is_staff_member and request.user.enterprise_accounts.exists():
        account = request.user.enterprise_accounts.select_related("enterprise").first()
        return redirect(account.enterprise.get_absolute_url())
    counts = selectors.enterprise_counts(user=request.user)
    sector_labels = dict(Enterprise.Sector.choices)
    status_counts = {row["status"]: row["n"] for row in counts["by_status"]}
    by_sector = [
        (row["sector"], sector_labels.get(row["sector"], row["sector"]), row["n"])
        for row in counts["by_sector"]
    ]
    streets_without_officer = (
        list(street_list_without_bureau_officer(user=request.user))
        if scope.is_bureau
        else []
    )
    streets = list(street_stats(user=request.user))
    by_street_desc = sorted(counts["by_street"], key=lambda row: -row["n"])
    context = {
        "counts": counts,
        "by_sector": by_sector,
        # every status, in the model's order, so the cards never move around
        "by_status": [
            (key, label, status_counts.get(key, 0))
            for key, label in Enterprise.Status.choices
        ],
        "chart_data": {
            "sector": {
                "keys": [key for key, _label, _n in by_sector],
                "labels": [label for _key, label, _n in by_sector],
                "values": [n for _key, _label, n in by_sector],
            },
            "street": {
                "ids": [row["street_id"] for row in by_street_desc],
                "labels": [row["street__name"] for row in by_street_desc],
                "values": [row["n"] for row in by_street_desc],
            },
        },
        "streets_without_officer": streets_without_officer,
        "street_count": len(streets),
        "cell_count": sum(street.cell_count for street in streets),
        "districts": sorted({street.district.name for street in streets}),
        "scope": scope,
        "panels": selectors.dashboard_panel_list(user=request.user),
    }
    return render(request, "enforcement/dashboard.html", context)


@login_required
def enterprise_list(request):
    queryset = selectors.enterprise_list(user=request.user)
    filterset = EnterpriseFilter(
        request.GET or None, queryset=queryset, request=request
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "enforcement/enterprise_list.html"
    # htmx swaps in the rows only; restoring history needs the whole page
    if request.htmx and not request.htmx.history_restore_request:
        template = "enforcement/_enterprise_rows.html"
    response = render(
        request,
        template,
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_import": user_scope(user=request.user).is_bureau,
        },
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
def enterprise_detail(request, pk: int):
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    timeline = selectors.enterprise_timeline(enterprise=enterprise, user=request.user)
    return render(
        request,
        "enforcement/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "timeline": timeline,
            "today": timezone.localdate(),
            **_enforcement_record_context(request.user, enterprise),
        },
    )


def _enforcement_record_context(user, enterprise) -> dict:
    """The file's health-code section and its enforcement record."""
    scope = user_scope(user=user)
    code = selectors.health_code_list(user=user).filter(enterprise=enterprise).first()
    return {
        "code": code,
        "explanation": selectors.health_code_explain(code=code) if code else None,
        "code_history": selectors.health_code_history(enterprise=enterprise)[:20],
        "inspections": selectors.inspection_list(user=user).filter(
            enterprise=enterprise
        )[:20],
        "violations": selectors.violation_list(user=user).filter(enterprise=enterprise)[
            :20
        ],
        "open_orders": selectors.rectification_list(user=user).filter(
            enterprise=enterprise, status="open"
        ),
        "can_inspect": scope.is_staff_member,
        "can_record_violation": scope.is_bureau,
    }


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request):
    if not user_scope(user=request.user).is_bureau:
        raise PermissionDenied
    report = None
    form = EnterpriseImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = io.read_rows(upload.read(), upload.name)
            report = services.enterprises_import(
                rows=rows, dry_run=not form.cleaned_data["confirm"]
            )
        except InvalidInput as error:
            for field_errors in error.fields.values():
                for message in field_errors:
                    form.add_error("file", message)
        else:
            if report.ok and not report.dry_run:
                messages.success(
                    request,
                    _("Imported: %(created)d new, %(updated)d updated.")
                    % {"created": report.created, "updated": report.updated},
                )
                return redirect("enforcement:enterprise-list")
    return render(
        request, "enforcement/enterprise_import.html", {"form": form, "report": report}
    )


@login_required
def enterprise_export(request):
    queryset = selectors.enterprise_list(user=request.user)
    filterset = EnterpriseFilter(
        request.GET or None, queryset=queryset, request=request
    )
    response = StreamingHttpResponse(
        io.export_csv_lines(filterset.qs.iterator(chunk_size=2000)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="enterprises.csv"'
    return response


@login_required
def map_page(request):
    labels = {
        "sectors": dict(Enterprise.Sector.choices),
        "statuses": dict(Enterprise.Status.choices),
        "loading": _("Loading enterprises…"),
        "points": _("%(count)s enterprises in view"),
        "clusters": _("%(count)s enterprises in view, grouped; zoom in to see each"),
        "error": _("Enterprises could not be loaded. Try again later."),
        "cellsError": _("Grid cells could not be loaded."),
    }
    return render(
        request,
        "enforcement/map.html",
        {
            "streets": street_list(user=request.user),
            "sectors": Enterprise.Sector.choices,
            "map_labels": labels,
        },
    )


@login_required
def mobile_home(request):
    """The street officer's phone layout: a shell that talks to the REST API."""
    labels = {
        "sectors": dict(Enterprise.Sector.choices),
        "statuses": dict(Enterprise.Status.choices),
        "loading": _("Loading…"),
        "count": _("%(count)s enterprises"),
        "shown": _("showing %(shown)s"),
        "empty": _("No enterprises match."),
        "error": _("Could not load the list. Check the connection and try again."),
        "more": _("More"),
        "retry": _("Try again"),
    }
    return render(
        request,
        "mobile/home.html",
        {"streets": street_list(user=request.user), "mobile_labels": labels},
    )
