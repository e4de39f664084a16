"""Pages of inspection planning (双随机): plans, a plan, the public check."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, InvalidInput
from enforcement import selectors, services
from enforcement.forms import PlanForm, add_service_errors
from enforcement.models import InspectionPlan
from grid.selectors import user_scope


@login_required
def plan_list(request):
    if not user_scope(user=request.user).is_staff_member:
        raise PermissionDenied
    return render(
        request,
        "enforcement/plan_list.html",
        {
            "plans": selectors.plan_list(user=request.user)[:100],
            "can_create": user_scope(user=request.user).is_bureau,
        },
    )


def _this_quarter(today: date) -> tuple[date, date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = date(today.year, first_month, 1)
    following = date(today.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
    return start, following - timedelta(days=1)


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request):
    if not user_scope(user=request.user).is_bureau:
        raise PermissionDenied
    start, end = _this_quarter(timezone.localdate())
    form = PlanForm(
        request.POST or None,
        user=request.user,
        initial={
            "period_start": start,
            "period_end": end,
            "name": _("Random inspections %(start)s – %(end)s")
            % {"start": start.isoformat(), "end": end.isoformat()},
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                district=data["district"],
                name=data["name"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                streets=list(data["streets"]),
                sectors=data["sectors"],
                inspectors_per_target=data["inspectors_per_target"],
                user=request.user,
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        except ApplicationError as error:
            form.add_error(None, str(error.detail))
        else:
            messages.success(
                request,
                _(
                    "Plan drawn. The seed's SHA-256 is published; the seed is "
                    "revealed when the plan closes."
                ),
            )
            return redirect(plan.get_absolute_url())
    return render(request, "enforcement/plan_form.html", {"form": form})


@login_required
def plan_detail(request, pk: int):
    plan = selectors.plan_get(user=request.user, pk=pk)
    scope = user_scope(user=request.user)
    return render(
        request,
        "enforcement/plan_detail.html",
        {
            "plan": plan,
            "targets": selectors.plan_targets(plan=plan, user=request.user),
            "can_close": scope.is_bureau and plan.status == InspectionPlan.Status.OPEN,
        },
    )


@login_required
@require_POST
def plan_close(request, pk: int):
    if not user_scope(user=request.user).is_bureau:
        raise PermissionDenied
    plan = selectors.plan_get(user=request.user, pk=pk)
    try:
        services.plan_close(plan=plan, user=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(
            request, _("Plan closed: the seed is revealed and the results published.")
        )
    return redirect(plan.get_absolute_url())


def plan_public(request, pk: int):
    """Public (no login): the published hashes; after closing, the seed, the
    draw re-run in front of the reader, and the results."""
    plan = selectors.plan_public_get(pk=pk)
    verification = None
    if plan.status == InspectionPlan.Status.CLOSED:
        verification = services.plan_verify(plan=plan)
    return render(
        request,
        "enforcement/plan_public.html",
        {
            "plan": plan,
            "verification": verification,
            "targets": list(plan.targets.all())
            if plan.status == InspectionPlan.Status.CLOSED
            else [],
        },
    )
