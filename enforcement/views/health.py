"""Pages of the health code: the risk overview and the dashboard panel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enforcement import selectors
from enforcement.models import Colour
from grid.selectors import user_scope


def health_panel_context(*, user) -> dict | None:
    """The colour counts on the dashboard (staff only)."""
    if not user_scope(user=user).is_staff_member:
        return None
    overview = selectors.health_overview(user=user)
    return {
        "by_colour": overview["by_colour"],
        "not_computed": overview["not_computed"],
        "movers": overview["movers"][:5],
    }


@login_required
def health_overview(request):
    scope = user_scope(user=request.user)
    if not scope.is_staff_member:
        raise PermissionDenied
    overview = selectors.health_overview(user=request.user)
    red_list = (
        selectors.health_code_list(user=request.user)
        .filter(colour=Colour.RED)
        .order_by("-score")[:50]
    )
    return render(
        request,
        "enforcement/health_overview.html",
        {
            "overview": overview,
            "red_list": red_list,
            "run": selectors.recompute_run_latest() if scope.is_bureau else None,
            "model": selectors.risk_model_active(),
            "can_recompute": scope.is_bureau_admin,
            "colours": Colour,
        },
    )


@login_required
@require_POST
def health_recompute(request):
    """Start a full recompute now (bureau administrators)."""
    if not user_scope(user=request.user).is_bureau_admin:
        raise PermissionDenied
    from enforcement.tasks import health_codes_recompute_manual

    health_codes_recompute_manual.delay()
    messages.success(request, _("Recompute started; progress shows below."))
    return redirect("enforcement:health-overview")
