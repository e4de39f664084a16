"""HTML pages of the registry: dashboard, enterprise list and file, map, import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import InvalidInput
from enforcement import io, selectors, services
from enforcement.filters import EnterpriseFilter
from enforcement.forms import EnterpriseImportForm
from enforcement.models import Enterprise
from grid.selectors import street_list, street_list_without_bureau_officer, user_scope


@login_required
def dashboard(request):
    scope = user_scope(user=request.user)
    if not scope.is_staff_member and request.user.enterprise_accounts.exists():
        account = request.user.enterprise_accounts.select_related("enterprise").first()
        return redirect(account.enterprise.get_absolute_url())
    counts = selectors.enterprise_counts(user=request.user)
    sector_labels = dict(Enterprise.Sector.choices)
    status_labels = dict(Enterprise.Status.choices)
    context = {
        "counts": counts,
        "by_sector": [
            (sector_labels.get(r["sector"], r["sector"]), r["n"])
            for r in counts["by_sector"]
        ],
        "by_status": [
            (status_labels.get(r["status"], r["status"]), r["n"])
            for r in counts["by_status"]
        ],
        "streets_without_officer": street_list_without_bureau_officer(user=request.user)
        if scope.is_bureau
        else [],
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
    if request.htmx:
        template = "enforcement/_enterprise_rows.html"
    return render(
        request,
        template,
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_required
def enterprise_detail(request, pk: int):
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    timeline = selectors.enterprise_timeline(enterprise=enterprise, user=request.user)
    return render(
        request,
        "enforcement/enterprise_detail.html",
        {"enterprise": enterprise, "timeline": timeline},
    )


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
    return render(
        request, "enforcement/map.html", {"streets": street_list(user=request.user)}
    )


@login_required
def mobile_home(request):
    """The street officer's phone layout: a shell that talks to the REST API."""
    return render(
        request, "mobile/home.html", {"streets": street_list(user=request.user)}
    )
