"""HTML pages: the bureau's producer overview, manifests, anomaly queue and map;
the enterprise's phone pages for its ledger and manifests."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from grid.selectors import user_scope
from hazwaste import selectors, services
from hazwaste.labels import label_svg
from hazwaste.models import (
    AnomalyRule,
    AnomalyWarning,
    Container,
    Manifest,
    Producer,
    StorageFacility,
    Unit,
)


def _run(request, call, success: str) -> bool:
    """Run one service; show its error as a message instead of a 500."""
    try:
        call()
    except ApplicationError as error:
        details = [
            f"{name}: {' '.join(str(m) for m in msgs)}"
            for name, msgs in error.fields.items()
        ]
        messages.error(request, " ".join([str(error.detail), *details]))
        return False
    messages.success(request, success)
    return True


def _staff(request) -> None:
    if not user_scope(user=request.user).is_staff_member:
        raise PermissionDenied


def _where(request) -> dict:
    """Position a phone sends with a signature (optional)."""
    where = {"place": request.POST.get("place", "")}
    for name in ("lon", "lat"):
        try:
            where[name] = float(request.POST[name]) if request.POST.get(name) else None
        except ValueError:
            where[name] = None
    return where


@login_required
def home(request):
    if not user_scope(user=request.user).is_staff_member:
        return redirect("hazwaste:mobile-ledger")
    producers = selectors.producer_list(user=request.user, filters=request.GET)
    page = Paginator(
        producers.order_by("-open_warnings", "enterprise__name"), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "hazwaste/producer_list.html",
        {
            "page": page,
            "counts": selectors.warning_counts(user=request.user),
            "classes": Producer.ManagementClass.choices,
            "query": request.GET,
        },
    )


@login_required
def producer_detail(request, pk: int):
    producer = selectors.producer_get(user=request.user, pk=pk)
    year = int(request.GET.get("year") or timezone.localdate().year)
    balance = selectors.producer_mass_balance(producer=producer, year=year)
    return render(
        request,
        "hazwaste/producer_detail.html",
        {
            "producer": producer,
            "year": year,
            "stock": selectors.stock_by_code(producer=producer),
            "oldest": selectors.oldest_container(producer=producer),
            "balance": balance,
            "totals": selectors.balance_totals(balance),
            "plans": selectors.plan_list(user=request.user).filter(producer=producer),
            "manifests": selectors.manifest_list(
                user=request.user, filters={"producer": producer.pk}
            )[:20],
            "warnings": selectors.warning_list(
                user=request.user, filters={"producer": producer.pk}
            )[:50],
            "facilities": producer.facilities.all(),
            "now": timezone.now(),
        },
    )


@login_required
def manifest_list(request):
    manifests = selectors.manifest_list(user=request.user, filters=request.GET)
    page = Paginator(manifests, 50).get_page(request.GET.get("page"))
    template = (
        "hazwaste/mobile_manifests.html"
        if not user_scope(user=request.user).is_staff_member
        else "hazwaste/manifest_list.html"
    )
    return render(
        request,
        template,
        {"page": page, "statuses": Manifest.Status.choices, "query": request.GET},
    )


@login_required
def manifest_detail(request, pk: int):
    manifest = selectors.manifest_get(user=request.user, pk=pk)
    roles = selectors.manifest_role(manifest=manifest, user=request.user)
    if request.method == "POST":
        _manifest_action(request, manifest)
        return redirect(manifest.get_absolute_url())
    return render(
        request,
        "hazwaste/manifest_detail.html",
        {
            "manifest": manifest,
            "roles": roles,
            "lines": manifest.lines.all(),
            "events": manifest.events.all(),
            "versions": manifest.versions.all(),
            "track": manifest.track_points.all(),
            "warnings": selectors.warning_list(
                user=request.user, filters={"status": "all"}
            ).filter(manifest=manifest),
            "outcomes": Manifest.Outcome.choices,
        },
    )


def _manifest_action(request, manifest: Manifest) -> None:
    step = request.POST.get("step")
    user = request.user
    where = _where(request)
    if step == "submit":
        _run(
            request,
            lambda: services.manifest_submit(manifest=manifest, user=user, **where),
            _("Signed and submitted."),
        )
    elif step == "dispatch":
        _run(
            request,
            lambda: services.manifest_dispatch(manifest=manifest, user=user, **where),
            _("Picked up: the manifest is in transit."),
        )
    elif step == "receive":
        lines = [
            {
                "position": line.position,
                "received_kg": request.POST.get(f"received_{line.position}"),
                "outcome": request.POST.get(f"outcome_{line.position}") or "accepted",
                "discrepancy_note": request.POST.get(f"note_{line.position}", ""),
            }
            for line in manifest.lines.all()
        ]
        _run(
            request,
            lambda: services.manifest_receive(
                manifest=manifest, user=user, lines=lines, **where
            ),
            _("Received and signed."),
        )
    elif step == "disposal":
        _run(
            request,
            lambda: services.manifest_report_disposal(
                manifest=manifest,
                user=user,
                method=request.POST.get("method", ""),
                **where,
            ),
            _("Disposal reported."),
        )
    elif step == "close":
        _run(
            request,
            lambda: services.manifest_close(manifest=manifest, user=user, **where),
            _("The manifest is closed."),
        )
    else:
        messages.error(request, _("Unknown step."))


@login_required
def warning_queue(request):
    _staff(request)
    warnings = selectors.warning_list(user=request.user, filters=request.GET)
    page = Paginator(warnings, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "hazwaste/warning_list.html",
        {
            "page": page,
            "counts": selectors.warning_counts(user=request.user),
            "rules": AnomalyRule.Code.choices,
            "statuses": AnomalyWarning.Status.choices,
            "query": request.GET,
        },
    )


@login_required
def warning_detail(request, pk: int):
    _staff(request)
    warning = selectors.warning_get(user=request.user, pk=pk)
    return render(
        request,
        "hazwaste/warning_detail.html",
        {"warning": warning},
    )


def _warning_handle(request, pk: int, handle, done: str):
    """One staff decision on a warning (a service taking the warning), then back
    to the warning's page."""
    _staff(request)
    warning = selectors.warning_get(user=request.user, pk=pk)
    _run(request, lambda: handle(warning), done)
    return redirect(warning.get_absolute_url())


@login_required
@require_POST
def warning_dismiss(request, pk: int):
    return _warning_handle(
        request,
        pk,
        lambda warning: services.warning_dismiss(
            warning=warning, user=request.user, reason=request.POST.get("reason", "")
        ),
        _("Dismissed."),
    )


@login_required
@require_POST
def warning_ticket(request, pk: int):
    return _warning_handle(
        request,
        pk,
        lambda warning: services.warning_open_ticket(
            warning=warning, user=request.user, note=request.POST.get("note", "")
        ),
        _("A grid ticket was opened."),
    )


@login_required
@require_POST
def warning_inspection(request, pk: int):
    return _warning_handle(
        request,
        pk,
        lambda warning: services.warning_send_to_inspection(
            warning=warning, user=request.user, note=request.POST.get("note", "")
        ),
        _("Sent to inspection: the warning is settled when the visit is recorded."),
    )


@login_required
def producer_map(request):
    _staff(request)
    return render(request, "hazwaste/map.html", {})


@login_required
def producer_map_data(request):
    from django.http import JsonResponse

    _staff(request)
    return JsonResponse({"features": selectors.producer_map(user=request.user)})


# -------------------------------------------------------------- enterprise (phone)


@login_required
def mobile_ledger(request):
    producer = selectors.producer_for_account(user=request.user)
    if producer is None:
        return render(request, "hazwaste/mobile_none.html", {})
    if request.method == "POST":
        _run(
            request,
            lambda: services.container_generate(
                producer=producer,
                user=request.user,
                waste_code=request.POST.get("waste_code", ""),
                quantity=request.POST.get("quantity"),
                unit=request.POST.get("unit", "kg"),
                kind=request.POST.get("kind", "drum"),
                weight_kg=request.POST.get("weight_kg") or None,
                batch_code=request.POST.get("batch_code", ""),
            ),
            _("Container recorded."),
        )
        return redirect("hazwaste:mobile-ledger")
    containers = selectors.container_list(
        user=request.user, filters={"producer": producer.pk}
    ).exclude(status=Container.Status.SHIPPED)
    return render(
        request,
        "hazwaste/mobile_ledger.html",
        {
            "producer": producer,
            "containers": containers[:200],
            "entries": selectors.ledger_list(
                user=request.user, filters={"producer": producer.pk}
            )[:30],
            "codes": selectors.waste_code_list(),
            "units": Unit.choices,
            "kinds": Container.Kind.choices,
            "now": timezone.now(),
        },
    )


@login_required
def container_detail(request, label: str):
    container = selectors.container_get(user=request.user, label_code=label)
    if request.method == "POST":
        step = request.POST.get("step")
        if step == "store":
            facility = StorageFacility.objects.filter(
                pk=request.POST.get("facility") or 0, producer=container.producer
            ).first()
            _run(
                request,
                lambda: services.container_store(
                    container=container, user=request.user, facility=facility
                ),
                _("Into storage."),
            )
        elif step == "release":
            _run(
                request,
                lambda: services.container_release(
                    container=container,
                    user=request.user,
                    quantity=_number(request.POST.get("quantity")),
                    unit=request.POST.get("unit", container.unit),
                ),
                _("Out of storage."),
            )
        return redirect(container.get_absolute_url())
    return render(
        request,
        "hazwaste/container_detail.html",
        {
            "container": container,
            "entries": container.entries.select_related("manifest").order_by(
                "occurred_at"
            ),
            "facilities": container.producer.facilities.all(),
            "units": Unit.choices,
            "now": timezone.now(),
        },
    )


def _number(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value


@login_required
def container_label(request, label: str):
    container = selectors.container_get(user=request.user, label_code=label)
    url = request.build_absolute_uri(
        reverse("hazwaste:container-detail", args=[container.label_code])
    )
    return render(
        request,
        "hazwaste/container_label.html",
        {"container": container, "qr": label_svg(url, scale=5), "url": url},
    )
