"""Pages of the enforcement record: the inspection form (phone layout), an
inspection, and a violation's case page with its penalty and orders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, InvalidInput
from core.uploads import stored_file_response
from enforcement import selectors, services
from enforcement.forms import (
    PenaltyForm,
    ReasonForm,
    RecheckForm,
    RectificationOrderForm,
    ViolationForm,
    add_service_errors,
)
from enforcement.models import Domain, Inspection, PlanTarget
from grid.models import Membership
from grid.selectors import user_scope


def _require_staff(user) -> None:
    if not user_scope(user=user).is_staff_member:
        raise PermissionDenied


def _require_bureau(user) -> None:
    if not user_scope(user=user).is_bureau:
        raise PermissionDenied


def officer_choices(*, enterprise) -> list:
    """Officers who may inspect this enterprise: the district's bureau officers
    and the officers of its street office."""
    users = get_user_model().objects.filter(
        Q(
            memberships__role__in=[
                Membership.Role.BUREAU_ADMIN,
                Membership.Role.BUREAU_OFFICER,
            ],
            memberships__agency__district_id=enterprise.street.district_id,
        )
        | Q(
            memberships__role=Membership.Role.STREET_OFFICER,
            memberships__streets=enterprise.street_id,
        ),
        memberships__is_active=True,
        is_active=True,
    )
    return list(users.distinct().order_by("username"))


@login_required
def inspection_new(request, pk: int):
    """The inspection form for a phone: answers are kept in a local draft and
    submitted to the API with an Idempotency-Key, so a dropped connection
    neither loses the visit nor records it twice."""
    _require_staff(request.user)
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    templates = list(selectors.checklist_template_list())
    domain = request.GET.get("domain") or _default_domain(enterprise.sector)
    template = next((t for t in templates if t.domain == domain), templates[0])
    target = None
    if request.GET.get("target"):
        target = get_object_or_404(
            PlanTarget.objects.filter(plan__in=selectors.plan_list(user=request.user)),
            pk=request.GET["target"],
            enterprise=enterprise,
        )
    officers = officer_choices(enterprise=enterprise)
    preselected = [request.user.pk]
    if target is not None:
        preselected = [u.pk for u in target.inspectors.all()]
    config = {
        "enterprise": enterprise.pk,
        "template": template.pk,
        "target": target.pk if target else None,
        "submitUrl": reverse("enforcement-api:inspection-list"),
        "photoUrl": reverse("enforcement-api:inspection-photo-list"),
        "detailUrl": reverse("enforcement:inspection-detail", args=[0]),
        "draftKey": f"inspection-draft:{request.user.pk}:{enterprise.pk}:{template.pk}",
        "today": timezone.localdate().isoformat(),
        "messages": {
            "saved": _("Draft saved on this phone."),
            "offline": _(
                "No connection: the draft is kept; it will be sent when you are "
                "back online."
            ),
            "sending": _("Sending…"),
            "failed": _("Not saved: please correct the fields marked below."),
            "photoFailed": _("A photo could not be uploaded; it will be retried."),
        },
    }
    return render(
        request,
        "enforcement/inspection_form.html",
        {
            "enterprise": enterprise,
            "templates": templates,
            "template": template,
            "items": template.items.all(),
            "officers": officers,
            "preselected": preselected,
            "target": target,
            "results": Inspection.Result.choices,
            "config": config,
            "domains": Domain.choices,
        },
    )


def _default_domain(sector: str) -> str:
    return {
        "catering": Domain.CATERING_FUME,
        "construction_site": Domain.CONSTRUCTION_DUST,
        "auto_repair": Domain.HAZARDOUS_WASTE,
        "industrial": Domain.AIR_POLLUTION,
        "medical": Domain.HAZARDOUS_WASTE,
        "laboratory": Domain.HAZARDOUS_WASTE,
    }.get(sector, Domain.WATER_POLLUTION)


@login_required
def inspection_photo_file(request, pk: int):
    """The photo itself, for those who may see its inspection (or, before it is
    attached, who uploaded it): the media folder is never served as is."""
    photo = selectors.inspection_photo_get(user=request.user, pk=pk)
    return stored_file_response(photo.file)


@login_required
def inspection_detail(request, pk: int):
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    return render(
        request,
        "enforcement/inspection_detail.html",
        {
            "inspection": inspection,
            "officers": list(inspection.officers.all()),
            "answers": list(inspection.answers.all()),
            "photos": list(inspection.photos.all()),
            "can_record_violation": user_scope(user=request.user).is_bureau,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def violation_new(request, pk: int):
    _require_bureau(request.user)
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    initial = {"found_on": timezone.localdate()}
    if request.GET.get("inspection"):
        initial["inspection"] = request.GET["inspection"]
    form = ViolationForm(request.POST or None, enterprise=enterprise, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            violation = services.violation_record(
                enterprise=enterprise, user=request.user, **form.cleaned_data
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Violation recorded."))
            return redirect(violation.get_absolute_url())
    return render(
        request,
        "enforcement/violation_form.html",
        {"enterprise": enterprise, "form": form},
    )


@login_required
def violation_detail(request, pk: int):
    violation = selectors.violation_get(user=request.user, pk=pk)
    return _case_page(request, violation)


def _case_page(request, violation, *, status: int = 200, **forms):
    penalty = getattr(violation, "penalty", None)
    orders = list(penalty.rectification_orders.all()) if penalty else []
    enterprise = violation.enterprise
    can_act = user_scope(user=request.user).is_bureau
    context = {
        "violation": violation,
        "penalty": penalty,
        "orders": orders,
        "history": selectors.case_history(violation=violation),
        "can_act": can_act,
        "today": timezone.localdate(),
        "penalty_form": forms.get("penalty_form")
        or PenaltyForm(initial={"decided_on": timezone.localdate(), "amount_yuan": 0}),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "order_form": forms.get("order_form") or RectificationOrderForm(),
        "recheck_form": forms.get("recheck_form") or RecheckForm(enterprise=enterprise),
        "action_error": forms.get("action_error"),
    }
    return render(request, "enforcement/case_detail.html", context, status=status)


@login_required
@require_POST
def case_action(request, pk: int, action: str):
    """One form per action on the case page; each calls one service."""
    _require_bureau(request.user)
    violation = selectors.violation_get(user=request.user, pk=pk)
    penalty = getattr(violation, "penalty", None)
    user = request.user
    form = None
    form_name = None
    try:
        if action == "penalty":
            form, form_name = PenaltyForm(request.POST), "penalty_form"
            if form.is_valid():
                services.penalty_decide(
                    violation=violation, user=user, **form.cleaned_data
                )
        elif action in ("dismiss", "revoke"):
            form, form_name = ReasonForm(request.POST), "reason_form"
            if form.is_valid():
                if action == "dismiss":
                    services.violation_dismiss(
                        violation=violation,
                        reason=form.cleaned_data["reason"],
                        user=user,
                    )
                else:
                    services.penalty_revoke(
                        penalty=_need(penalty),
                        reason=form.cleaned_data["reason"],
                        user=user,
                    )
        elif action == "execute":
            services.penalty_execute(penalty=_need(penalty), user=user)
        elif action == "order":
            form, form_name = RectificationOrderForm(request.POST), "order_form"
            if form.is_valid():
                services.rectification_order_issue(
                    penalty=_need(penalty), user=user, **form.cleaned_data
                )
        elif action == "recheck":
            form = RecheckForm(request.POST, enterprise=violation.enterprise)
            form_name = "recheck_form"
            if form.is_valid():
                order = get_object_or_404(
                    selectors.rectification_list(user=user).filter(penalty=penalty),
                    pk=request.POST.get("order"),
                )
                services.rectification_recheck(
                    order=order,
                    inspection=form.cleaned_data["inspection"],
                    outcome=form.cleaned_data["outcome"],
                    user=user,
                )
        else:
            raise PermissionDenied
    except InvalidInput as error:
        if form is None:
            return _case_page(
                request, violation, status=400, action_error=str(error.detail)
            )
        add_service_errors(form, error)
        return _case_page(
            request,
            selectors.violation_get(user=user, pk=pk),
            status=400,
            **{form_name: form},
        )
    except ApplicationError as error:  # an illegal transition: show why
        return _case_page(
            request,
            selectors.violation_get(user=user, pk=pk),
            status=error.status_code,
            action_error=str(error.detail),
        )
    if form is not None and not form.is_valid():
        return _case_page(
            request,
            selectors.violation_get(user=user, pk=pk),
            status=400,
            **{form_name: form},
        )
    messages.success(request, _("Saved."))
    return redirect(violation.get_absolute_url())


def _need(penalty):
    if penalty is None:
        raise InvalidInput(_("There is no penalty decision yet."))
    return penalty
